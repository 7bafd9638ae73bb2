//! Design matrices for linear models such as `protein ~ group + purity + batch`.
//!
//! Covariates are sample annotations matched to the matrix by sample ID. The design always has an
//! intercept; a categorical covariate becomes one 0/1 column per level except the reference
//! (the first level, in sorted order, among the samples of the matrix), named like patsy /
//! statsmodels formulas: `batch[T.B2]`. Rows with any missing covariate are marked incomplete and
//! dropped from every fit.

use crate::groups::{GroupLabels, Membership, SampleValues, TwoGroups};
use datasets::SampleId;

/// Name of the intercept column.
pub const INTERCEPT: &str = "Intercept";

#[derive(Clone, Copy, Debug)]
enum Term<'a> {
    Numeric(&'a str, &'a SampleValues),
    Categorical(&'a str, &'a GroupLabels),
    Groups(&'a str, &'a TwoGroups),
}

/// Collects covariates; [`DesignBuilder::build_for`] lays them out for a matrix's samples.
#[derive(Clone, Debug, Default)]
pub struct DesignBuilder<'a> {
    terms: Vec<Term<'a>>,
}

impl<'a> DesignBuilder<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A numeric covariate (NaN = missing), one column named `name`.
    pub fn numeric(mut self, name: &'a str, values: &'a SampleValues) -> Self {
        self.terms.push(Term::Numeric(name, values));
        self
    }

    /// A categorical covariate: one indicator per non-reference level.
    pub fn categorical(mut self, name: &'a str, labels: &'a GroupLabels) -> Self {
        self.terms.push(Term::Categorical(name, labels));
        self
    }

    /// A two-group indicator (A = 1, B = 0, excluded samples missing), named
    /// `name[T.<group A>]`; its coefficient is the adjusted difference A minus B.
    pub fn two_groups(mut self, name: &'a str, groups: &'a TwoGroups) -> Self {
        self.terms.push(Term::Groups(name, groups));
        self
    }

    /// The design for rows in the order of `samples`.
    pub fn build_for(&self, samples: &[SampleId]) -> Design {
        let n = samples.len();
        let mut design = Design {
            n_rows: n,
            names: vec![INTERCEPT.to_owned()],
            columns: vec![1.0; n],
            complete: vec![true; n],
            levels: vec![false],
        };
        for term in &self.terms {
            match *term {
                Term::Numeric(name, values) => {
                    let column = values.aligned_to(samples);
                    design.push(name.to_owned(), column);
                }
                Term::Categorical(name, labels) => {
                    let aligned = labels.aligned_to(samples);
                    let mut present = vec![false; labels.levels().len()];
                    for &l in aligned.iter().flatten() {
                        present[l] = true;
                    }
                    let levels: Vec<usize> = (0..present.len()).filter(|&l| present[l]).collect();
                    if levels.is_empty() {
                        // No sample carries a label: every row is missing this covariate.
                        design.push(name.to_owned(), vec![f64::NAN; n]);
                        continue;
                    }
                    for &level in levels.iter().skip(1) {
                        let column = aligned
                            .iter()
                            .map(|l| match l {
                                Some(l) if *l == level => 1.0,
                                Some(_) => 0.0,
                                None => f64::NAN,
                            })
                            .collect();
                        design.push(format!("{name}[T.{}]", labels.levels()[level]), column);
                        if let Some(last) = design.levels.last_mut() {
                            *last = true;
                        }
                    }
                    // A single present level adds no column but still drops unlabelled rows.
                    if levels.len() == 1 {
                        for (c, l) in design.complete.iter_mut().zip(&aligned) {
                            *c &= l.is_some();
                        }
                    }
                }
                Term::Groups(name, groups) => {
                    let column = groups
                        .aligned_to(samples)
                        .into_iter()
                        .map(Membership::indicator)
                        .collect();
                    design.push(format!("{name}[T.{}]", groups.name(Membership::A)), column);
                }
            }
        }
        design
    }
}

/// A design matrix aligned to a matrix's samples: column-major, intercept first.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    n_rows: usize,
    names: Vec<String>,
    columns: Vec<f64>,
    complete: Vec<bool>,
    /// Whether each column is a level of a categorical covariate, which a feature whose missing
    /// values leave it empty (or covering every row) may drop.
    levels: Vec<bool>,
}

impl Design {
    fn push(&mut self, name: String, column: Vec<f64>) {
        for (c, v) in self.complete.iter_mut().zip(&column) {
            *c &= v.is_finite();
        }
        self.names.push(name);
        self.columns.extend(column);
        self.levels.push(false);
    }

    /// A design from explicit columns (each `n_rows` long); an intercept is prepended.
    /// Returns `None` if a column has the wrong length.
    pub fn from_columns(n_rows: usize, columns: Vec<(String, Vec<f64>)>) -> Option<Self> {
        let mut design = Design {
            n_rows,
            names: vec![INTERCEPT.to_owned()],
            columns: vec![1.0; n_rows],
            complete: vec![true; n_rows],
            levels: vec![false],
        };
        for (name, column) in columns {
            if column.len() != n_rows {
                return None;
            }
            design.push(name, column);
        }
        Some(design)
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_terms(&self) -> usize {
        self.names.len()
    }

    /// Coefficient names, in the order of fitted coefficients.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Column `j` over all rows.
    pub fn column(&self, j: usize) -> Option<&[f64]> {
        self.columns.get(j * self.n_rows..(j + 1) * self.n_rows)
    }

    /// Whether every covariate is observed in each row.
    pub fn complete_rows(&self) -> &[bool] {
        &self.complete
    }

    /// Indices of the rows where every covariate is observed.
    pub fn complete_row_indices(&self) -> Vec<usize> {
        (0..self.n_rows).filter(|&r| self.complete[r]).collect()
    }

    /// Whether term `j` is a level of a categorical covariate.
    pub fn is_level(&self, j: usize) -> bool {
        self.levels.get(j).copied().unwrap_or(false)
    }

    pub(crate) fn value(&self, row: usize, term: usize) -> f64 {
        self.columns[term * self.n_rows + row]
    }
}
