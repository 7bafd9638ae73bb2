//! Sample annotations the tests run against: a two-group split, k-group labels and a numeric
//! per-sample variable.
//!
//! Each annotation carries the [`SampleId`]s it describes and is aligned to a matrix by ID
//! (`aligned_to`), never by position: clinical tables and omics layers list samples in different
//! orders and cover different subsets, and a silent positional mismatch would produce plausible
//! but wrong statistics. Samples the annotation does not mention are excluded.

use datasets::SampleId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Membership of one sample in a two-group comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    A,
    B,
    /// Neither group: unknown status, a third category, or not in the annotation at all.
    Excluded,
}

impl Membership {
    /// The 0/1 indicator of group A (NaN when excluded), as a design column or a binary outcome.
    pub fn indicator(self) -> f64 {
        match self {
            Membership::A => 1.0,
            Membership::B => 0.0,
            Membership::Excluded => f64::NAN,
        }
    }
}

/// Why an annotation could not be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GroupingError {
    #[error("{samples} sample IDs but {values} values")]
    LengthMismatch { samples: usize, values: usize },
    #[error("sample {0} is listed twice")]
    DuplicateSample(SampleId),
}

fn check_unique(samples: &[SampleId], values: usize) -> Result<(), GroupingError> {
    if samples.len() != values {
        return Err(GroupingError::LengthMismatch {
            samples: samples.len(),
            values,
        });
    }
    let mut seen = HashSet::with_capacity(samples.len());
    for s in samples {
        if !seen.insert(s.as_str()) {
            return Err(GroupingError::DuplicateSample(s.clone()));
        }
    }
    Ok(())
}

/// Maps each of `targets` to its position in `samples`, if present.
fn positions(samples: &[SampleId], targets: &[SampleId]) -> Vec<Option<usize>> {
    let index: HashMap<&str, usize> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    targets
        .iter()
        .map(|t| index.get(t.as_str()).copied())
        .collect()
}

/// A typed two-group split, e.g. tumour vs normal or mutated vs wild-type. Effects are reported
/// as group A minus group B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoGroups {
    samples: Vec<SampleId>,
    membership: Vec<Membership>,
    name_a: String,
    name_b: String,
}

impl TwoGroups {
    pub fn new(
        samples: Vec<SampleId>,
        membership: Vec<Membership>,
        name_a: impl Into<String>,
        name_b: impl Into<String>,
    ) -> Result<Self, GroupingError> {
        check_unique(&samples, membership.len())?;
        Ok(Self {
            samples,
            membership,
            name_a: name_a.into(),
            name_b: name_b.into(),
        })
    }

    /// Splits by a categorical label: samples labelled `a` form group A, `b` group B, every
    /// other label (and `None`) is excluded.
    pub fn from_labels<S: AsRef<str>>(
        samples: Vec<SampleId>,
        labels: &[Option<S>],
        a: &str,
        b: &str,
    ) -> Result<Self, GroupingError> {
        let membership = labels
            .iter()
            .map(|l| match l.as_ref().map(AsRef::as_ref) {
                Some(l) if l == a => Membership::A,
                Some(l) if l == b => Membership::B,
                _ => Membership::Excluded,
            })
            .collect();
        Self::new(samples, membership, a, b)
    }

    pub fn samples(&self) -> &[SampleId] {
        &self.samples
    }

    pub fn membership(&self) -> &[Membership] {
        &self.membership
    }

    pub fn name(&self, group: Membership) -> &str {
        match group {
            Membership::A => &self.name_a,
            Membership::B => &self.name_b,
            Membership::Excluded => "excluded",
        }
    }

    /// Number of annotated samples in `group`.
    pub fn count(&self, group: Membership) -> usize {
        self.membership.iter().filter(|&&m| m == group).count()
    }

    /// Membership of each of `samples` (a matrix's rows); unknown samples are excluded.
    pub fn aligned_to(&self, samples: &[SampleId]) -> Vec<Membership> {
        positions(&self.samples, samples)
            .into_iter()
            .map(|p| p.map_or(Membership::Excluded, |i| self.membership[i]))
            .collect()
    }
}

/// Splits `values` (one per row) by `membership` into the observed values of A and B.
/// Observed means finite: NaN is missing, and an infinite value (the log of a zero intensity)
/// cannot enter a mean or a rank sum meaningfully, so it is treated as missing too.
/// The buffers are cleared first so callers can reuse them across features.
pub fn split_observed(
    values: &[f64],
    membership: &[Membership],
    a: &mut Vec<f64>,
    b: &mut Vec<f64>,
) {
    a.clear();
    b.clear();
    for (&v, &m) in values.iter().zip(membership) {
        if !v.is_finite() {
            continue;
        }
        match m {
            Membership::A => a.push(v),
            Membership::B => b.push(v),
            Membership::Excluded => {}
        }
    }
}

/// Categorical labels with k levels (subtype, stage, batch). Levels are sorted so results do not
/// depend on sample order; the first level is the reference in regression designs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupLabels {
    samples: Vec<SampleId>,
    /// Index into `levels`, or `None` for a missing label.
    labels: Vec<Option<usize>>,
    levels: Vec<String>,
}

impl GroupLabels {
    /// Builds labels from one optional string per sample.
    pub fn new<S: AsRef<str>>(
        samples: Vec<SampleId>,
        labels: &[Option<S>],
    ) -> Result<Self, GroupingError> {
        check_unique(&samples, labels.len())?;
        let mut levels: Vec<String> = labels
            .iter()
            .flatten()
            .map(|s| s.as_ref().to_owned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        levels.sort();
        let index: HashMap<&str, usize> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let labels = labels
            .iter()
            .map(|l| l.as_ref().and_then(|s| index.get(s.as_ref()).copied()))
            .collect();
        Ok(Self {
            samples,
            labels,
            levels,
        })
    }

    pub fn samples(&self) -> &[SampleId] {
        &self.samples
    }

    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Level index of each of `samples`; unknown samples get `None`.
    pub fn aligned_to(&self, samples: &[SampleId]) -> Vec<Option<usize>> {
        positions(&self.samples, samples)
            .into_iter()
            .map(|p| p.and_then(|i| self.labels[i]))
            .collect()
    }
}

/// A numeric value per sample (purity, age, a gene's copy number); NaN = missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleValues {
    samples: Vec<SampleId>,
    values: Vec<f64>,
}

impl SampleValues {
    pub fn new(samples: Vec<SampleId>, values: Vec<f64>) -> Result<Self, GroupingError> {
        check_unique(&samples, values.len())?;
        Ok(Self { samples, values })
    }

    pub fn samples(&self) -> &[SampleId] {
        &self.samples
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Value for each of `samples`; unknown samples get NaN.
    pub fn aligned_to(&self, samples: &[SampleId]) -> Vec<f64> {
        positions(&self.samples, samples)
            .into_iter()
            .map(|p| p.map_or(f64::NAN, |i| self.values[i]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<SampleId> {
        names.iter().map(|&n| SampleId::from(n)).collect()
    }

    #[test]
    fn alignment_is_by_id() {
        let g = TwoGroups::from_labels(
            ids(&["s1", "s2", "s3", "s4"]),
            &[Some("T"), Some("N"), None, Some("X")],
            "T",
            "N",
        )
        .unwrap();
        assert_eq!(g.count(Membership::A), 1);
        let aligned = g.aligned_to(&ids(&["s2", "s9", "s1", "s4"]));
        assert_eq!(
            aligned,
            vec![
                Membership::B,
                Membership::Excluded,
                Membership::A,
                Membership::Excluded
            ]
        );
    }

    #[test]
    fn labels_are_sorted_levels() {
        let l = GroupLabels::new(ids(&["a", "b", "c"]), &[Some("z"), None, Some("m")]).unwrap();
        assert_eq!(l.levels(), &["m".to_owned(), "z".to_owned()]);
        assert_eq!(
            l.aligned_to(&ids(&["c", "a", "b"])),
            vec![Some(0), Some(1), None]
        );
    }

    #[test]
    fn bad_annotations_are_errors() {
        assert_eq!(
            SampleValues::new(ids(&["a", "a"]), vec![1.0, 2.0]),
            Err(GroupingError::DuplicateSample(SampleId::from("a")))
        );
        assert!(matches!(
            SampleValues::new(ids(&["a"]), vec![]),
            Err(GroupingError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn split_skips_missing_and_excluded() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        split_observed(
            &[1.0, f64::NAN, 3.0, 4.0],
            &[
                Membership::A,
                Membership::A,
                Membership::B,
                Membership::Excluded,
            ],
            &mut a,
            &mut b,
        );
        assert_eq!((a, b), (vec![1.0], vec![3.0]));
    }
}
