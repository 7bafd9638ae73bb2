//! Survival analysis: Kaplan-Meier curves, log-rank tests and Cox proportional hazards, with the
//! Schoenfeld-residual check of proportional hazards and Firth's penalised Cox for separation.
//!
//! Every function takes the follow-up of all samples as one [`SurvivalTimes`], aligned with the
//! samples of the layer or grouping it is combined with. A sample whose time or event status is
//! missing is dropped from each test separately, as is a sample whose feature value is NaN, so one
//! missing protein never removes a patient from the other screens.

mod cox;
mod efron;
mod firth;
mod kaplan_meier;
pub(crate) mod linalg;
mod logrank;
mod schoenfeld;
mod times;

pub use cox::{
    Covariate, CoxCoefficient, CoxFit, CoxOptions, cox_adjusted_screen, cox_multivariable,
    cox_univariate, cox_univariate_screen,
};
pub use firth::{FirthCoefficient, FirthFit, firth_cox};
pub use kaplan_meier::{KaplanMeier, KmStep, kaplan_meier, kaplan_meier_by_group};
pub use logrank::{LogRank, LogRankGroup, logrank_test, logrank_two_groups};
pub use schoenfeld::{PhTerm, PhTest, TimeTransform, proportional_hazards_test};
pub use times::{SurvivalInputError, SurvivalTimes};

/// The standard normal quantile for two-sided 95% intervals, `scipy.stats.norm.ppf(0.975)`.
///
/// A constant rather than an inverse-CDF call so intervals match lifelines to the last digit.
pub(crate) const Z_95: f64 = 1.959_963_984_540_054;
