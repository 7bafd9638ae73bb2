//! Degenerate inputs give a reason, never a panic or a silent NaN: constant features, all-missing
//! features, an empty group, too few pairs, singular designs, empty tables.

use analysis::NotTestable;
use analysis::compare::{CompareOptions, KGroupOptions, compare_k_groups_layer, compare_layer};
use analysis::contingency::{ContingencyTable, chi_square, fisher_exact};
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::groups::{GroupLabels, Membership, SampleValues, TwoGroups};
use analysis::regression::{DesignBuilder, regress_layer};
use datasets::{FeatureId, Matrix, SampleId};

fn samples(n: usize) -> Vec<SampleId> {
    (0..n).map(|i| SampleId::from(format!("s{i}"))).collect()
}

fn layer() -> Matrix {
    let n = 8;
    Matrix::from_features(
        samples(n),
        ["CONST", "ALL_NA", "OK", "A_MISSING"]
            .map(FeatureId::from)
            .to_vec(),
        vec![
            vec![1.5; n],
            vec![f64::NAN; n],
            vec![1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 6.0, 9.0],
            vec![f64::NAN, f64::NAN, f64::NAN, 5.0, 4.0, 7.0, 6.0, 9.0],
        ],
    )
    .unwrap()
}

#[test]
fn two_group_reasons() {
    let m = layer();
    let membership: Vec<Membership> = (0..8)
        .map(|i| if i < 4 { Membership::A } else { Membership::B })
        .collect();
    let groups = TwoGroups::new(samples(8), membership, "tumour", "normal").unwrap();
    let out = compare_layer(&m, &groups, &CompareOptions::default());
    assert_eq!(out[0], Err(NotTestable::ConstantValues));
    assert_eq!(
        out[1],
        Err(NotTestable::GroupTooSmall {
            group: "tumour".into(),
            observed: 0,
            required: 3
        })
    );
    assert!(out[2].is_ok());
    assert_eq!(
        out[3],
        Err(NotTestable::GroupTooSmall {
            group: "tumour".into(),
            observed: 1,
            required: 3
        })
    );

    // One group empty: nobody is in group B.
    let only_a = TwoGroups::new(samples(8), vec![Membership::A; 8], "x", "y").unwrap();
    let out = compare_layer(&m, &only_a, &CompareOptions::default());
    assert!(matches!(
        &out[2],
        Err(NotTestable::GroupTooSmall { group, observed: 0, .. }) if group == "y"
    ));
}

#[test]
fn k_group_reasons() {
    let m = layer();
    let labels: Vec<Option<&str>> = (0..8).map(|i| Some(["a", "b", "c"][i % 3])).collect();
    let labels = GroupLabels::new(samples(8), &labels).unwrap();
    let out = compare_k_groups_layer(&m, &labels, &KGroupOptions::default());
    assert!(matches!(
        out[1],
        Err(NotTestable::GroupTooSmall { observed: 0, .. })
    ));
    // "c" has only two samples (2 and 5): too small under the default minimum of 3.
    assert!(matches!(&out[2], Err(NotTestable::GroupTooSmall { group, .. }) if group == "c"));
    let relaxed = KGroupOptions {
        min_per_group: 2,
        rank_test: true,
    };
    let out = compare_k_groups_layer(&m, &labels, &relaxed);
    assert_eq!(out[0], Err(NotTestable::ConstantValues));
    assert!(out[2].is_ok());
}

#[test]
fn correlation_reasons() {
    let m = layer();
    let v = SampleValues::new(samples(8), (0..8).map(f64::from).collect()).unwrap();
    for method in [CorrelationMethod::Pearson, CorrelationMethod::Spearman] {
        let out = correlate_layer(&m, &v, method, 3);
        assert_eq!(out[0], Err(NotTestable::ConstantValues));
        assert_eq!(
            out[1],
            Err(NotTestable::TooFewObservations {
                observed: 0,
                required: 3
            })
        );
        assert!(out[2].is_ok() && out[3].is_ok());
    }
}

#[test]
fn regression_reasons() {
    let m = layer();
    // A covariate that duplicates the group indicator makes the design singular.
    let membership: Vec<Membership> = (0..8)
        .map(|i| {
            if i % 2 == 0 {
                Membership::A
            } else {
                Membership::B
            }
        })
        .collect();
    let groups = TwoGroups::new(samples(8), membership, "t", "n").unwrap();
    let copy = SampleValues::new(
        samples(8),
        (0..8).map(|i| if i % 2 == 0 { 1.0 } else { 0.0 }).collect(),
    )
    .unwrap();
    let builder = DesignBuilder::new()
        .two_groups("group", &groups)
        .numeric("copy", &copy);
    let (_, fits) = regress_layer(&m, &builder);
    assert_eq!(fits[0], Err(NotTestable::ConstantValues));
    assert!(matches!(
        fits[1],
        Err(NotTestable::TooFewObservations { .. })
    ));
    assert_eq!(fits[2], Err(NotTestable::SingularDesign));
    assert_eq!(fits[3], Err(NotTestable::SingularDesign));
}

#[test]
fn table_reasons() {
    let empty_column = ContingencyTable::new(2, 2, vec![4, 0, 6, 0]).unwrap();
    assert_eq!(
        chi_square(&empty_column, true),
        Err(NotTestable::ConstantValues)
    );
    assert_eq!(
        fisher_exact([[4, 0], [6, 0]]),
        Err(NotTestable::ConstantValues)
    );
    assert_eq!(
        fisher_exact([[0, 0], [0, 0]]),
        Err(NotTestable::ConstantValues)
    );
}
