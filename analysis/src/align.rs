//! Pairing the rows of two matrices by sample ID.
//!
//! Cross-layer analyses (mutation impact, cis effects) combine a sample from one layer with the
//! same sample in another. Layers of one study cover different subsets in different orders, so the
//! pairing is by [`SampleId`] and computed once per pair of matrices, not once per feature.

use datasets::SampleId;
use std::collections::HashMap;

/// Row indices of the samples two matrices share, in the order of the left matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedRows {
    pub left: Vec<usize>,
    pub right: Vec<usize>,
}

impl SharedRows {
    pub fn len(&self) -> usize {
        self.left.len()
    }

    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }
}

/// The samples present in both lists. A sample listed twice in one list is paired through its
/// first occurrence only, so no sample is counted twice.
pub fn shared_rows(left: &[SampleId], right: &[SampleId]) -> SharedRows {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(right.len());
    for (i, s) in right.iter().enumerate() {
        index.entry(s.as_str()).or_insert(i);
    }
    let mut rows = SharedRows::default();
    for (i, s) in left.iter().enumerate() {
        if let Some(j) = index.remove(s.as_str()) {
            rows.left.push(i);
            rows.right.push(j);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_id_in_left_order() {
        let l: Vec<SampleId> = ["a", "b", "c", "a"].map(SampleId::from).to_vec();
        let r: Vec<SampleId> = ["c", "x", "a"].map(SampleId::from).to_vec();
        let rows = shared_rows(&l, &r);
        assert_eq!(rows.left, vec![0, 2]);
        assert_eq!(rows.right, vec![2, 0]);
    }
}
