//! Statistical modules for hypomics: pure functions over matrices from the `datasets` crate and
//! sample groupings, returning results with effect sizes, confidence intervals and p-values. No
//! file or network I/O happens here, so every module can be tested against reference values and
//! benchmarked in isolation.

pub mod align;
pub mod cis;
pub mod cluster;
pub mod compare;
pub mod contingency;
pub mod correlation;
pub mod distributions;
pub mod enrichment;
pub mod equivalence;
pub mod gmt;
pub mod groups;
pub mod heterogeneity;
pub mod logistic;
pub mod moderated;
pub mod modules;
pub mod multiple_testing;
pub mod mutation_impact;
pub mod outcome;
pub mod p_filter;
pub mod paired;
pub mod pca;
pub mod phospho;
pub mod ranks;
pub mod rate_interval;
pub mod regression;
pub mod smoothing_spline;
pub mod survival;

pub use outcome::{NotTestable, Outcome};
