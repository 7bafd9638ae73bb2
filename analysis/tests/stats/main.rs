//! Integration tests of the part-1 statistics against reference values from scipy / statsmodels
//! (fixtures written by `analysis/reference/make_fixtures.py`), plus degenerate-input checks.

mod cis;
mod common;
mod compare;
mod contingency;
mod correlation;
mod degenerate;
mod enrichment;
mod equivalence;
mod gene_sets;
mod heterogeneity;
mod logistic;
mod moderated;
mod multiple_testing;
mod mutation_impact;
mod paired;
mod phospho;
mod rate_interval;
mod regression;
mod sample_scores;
