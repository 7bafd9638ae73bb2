//! The mutation x feature grid vs scipy (Welch, Mann-Whitney) on the mutated / wild-type values of
//! each cell, with samples matched by ID and unknown mutation status excluded.

use crate::common::*;
use analysis::NotTestable;
use analysis::mutation_impact::{MutationOptions, mutation_impact};

#[test]
fn grid_matches_scipy() {
    let fixture = load("mutation_impact.json");
    let layer = matrix(&fixture["layer_samples"], &fixture["layer"]);
    let mutations = matrix(&fixture["mutation_samples"], &fixture["mutations"]);
    let options = MutationOptions {
        min_per_group: 3,
        rank_test: true,
    };
    let grid = mutation_impact(&mutations, &layer, &options);
    assert_eq!(grid.shared_samples, 26);
    for cell in fixture["cells"].as_array().unwrap() {
        let g = mutations
            .feature_index(cell["mutation"].as_str().unwrap())
            .unwrap();
        let f = layer
            .feature_index(cell["feature"].as_str().unwrap())
            .unwrap();
        let what = format!("{} x {}", cell["mutation"], cell["feature"]);
        let got = grid.rows[g].effect(f);
        match cell["not_testable"].as_str() {
            Some("group_too_small") => assert!(
                matches!(got, Err(NotTestable::GroupTooSmall { .. })),
                "{what}: {got:?}"
            ),
            Some("constant_values") => {
                assert_eq!(got, Err(NotTestable::ConstantValues), "{what}")
            }
            Some(other) => panic!("unknown reason {other}"),
            None => {
                let r = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                let e = &cell["expected"];
                assert_eq!(f64::from(r.n_mutated), num(&e["n_a"]), "{what}");
                assert_eq!(f64::from(r.n_wild_type), num(&e["n_b"]), "{what}");
                close_field(r.mean_mutated, e, "mean_a", REL, &what);
                close_field(r.mean_wild_type, e, "mean_b", REL, &what);
                let w = &e["welch"];
                close_field(r.welch.statistic, w, "statistic", REL, &what);
                close_field(r.welch.df, w, "df", REL, &what);
                close_p_field(r.welch.p_value, w, "p_value", REL_P, &what);
                let md = &e["mean_difference"];
                close_field(r.mean_difference.value, md, "value", REL, &what);
                close_field(r.mean_difference.ci_low, md, "ci_low", REL, &what);
                close_field(r.mean_difference.ci_high, md, "ci_high", REL, &what);
                let g = &e["hedges_g"];
                close_field(r.hedges_g.value, g, "value", REL, &what);
                close_field(r.hedges_g.ci_low, g, "ci_low", REL, &what);
                close_field(r.hedges_g.ci_high, g, "ci_high", REL, &what);
                let mw = &e["mann_whitney"];
                close_p_field(r.mann_whitney_p.unwrap(), mw, "p_value", REL_P, &what);
                let rb = r.rank_biserial.unwrap();
                close_field(rb, &mw["rank_biserial"], "value", REL, &what);
            }
        }
    }
    // The rare gene is rejected once for its whole row.
    let rare = mutations.feature_index("RARE").unwrap();
    assert_eq!(grid.rows[rare].n_mutated, 2);
    assert!(matches!(
        grid.rows[rare].results,
        Err(NotTestable::GroupTooSmall { observed: 2, .. })
    ));
}
