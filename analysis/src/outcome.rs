//! Why a test could not be run. Degenerate input is normal in whole-layer screens (a constant
//! protein, a feature missing in one group, a cohort with no deaths); every module reports it as a
//! reason the agent can read instead of a NaN or a panic.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotTestable {
    /// Fewer observed (non-missing) values than the module's minimum.
    TooFewObservations { observed: usize, required: usize },
    /// A group needed for the comparison has fewer members than required.
    GroupTooSmall {
        group: String,
        observed: usize,
        required: usize,
    },
    /// All observed values are equal, so there is no variance to test.
    ConstantValues,
    /// Survival data with no events (or no censoring where one is needed).
    NoEvents,
    /// An iterative fit (Cox, logistic) did not converge.
    DidNotConverge { iterations: usize },
    /// The design matrix is singular (collinear covariates, a level with no samples).
    SingularDesign,
    /// Inputs that do not fit together (lengths, labels).
    InvalidInput { detail: String },
}

impl fmt::Display for NotTestable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewObservations { observed, required } => {
                write!(f, "{observed} observed values, at least {required} needed")
            }
            Self::GroupTooSmall {
                group,
                observed,
                required,
            } => write!(
                f,
                "group {group} has {observed} observed values, at least {required} needed"
            ),
            Self::ConstantValues => f.write_str("all observed values are equal"),
            Self::NoEvents => f.write_str("no events in the survival data"),
            Self::DidNotConverge { iterations } => {
                write!(f, "fit did not converge in {iterations} iterations")
            }
            Self::SingularDesign => f.write_str("design matrix is singular"),
            Self::InvalidInput { detail } => write!(f, "invalid input: {detail}"),
        }
    }
}

impl std::error::Error for NotTestable {}

/// The result of one test on one feature: tested, or not testable with a reason.
pub type Outcome<T> = Result<T, NotTestable>;
