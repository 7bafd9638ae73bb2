//! The follow-up of every sample: time to event or censoring, and whether the event happened.

use datasets::SampleId;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// Follow-up per sample, keyed by [`SampleId`] like every other sample annotation.
///
/// Layers are matched to follow-up by sample ID (see [`SurvivalTimes::aligned_to`]), never by
/// position. A time of NaN or an event of `None` marks the sample as missing; it is left out of
/// every test rather than rejected, because clinical tables routinely lack follow-up for some
/// patients.
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivalTimes {
    samples: Vec<SampleId>,
    time: Vec<f64>,
    event: Vec<Option<bool>>,
}

/// Follow-up that cannot describe survival at all (as opposed to merely missing values).
#[derive(Clone, Debug, Error, PartialEq)]
pub enum SurvivalInputError {
    #[error("{samples} samples, {times} times and {events} event flags")]
    LengthMismatch {
        samples: usize,
        times: usize,
        events: usize,
    },
    #[error("sample {0} is listed twice")]
    DuplicateSample(SampleId),
    #[error("sample {index} has time {time}; survival times must be finite and non-negative")]
    InvalidTime { index: usize, time: f64 },
}

impl SurvivalTimes {
    /// Pairs times with event flags (`Some(true)` = event observed, `Some(false)` = censored).
    pub fn new(
        samples: Vec<SampleId>,
        time: Vec<f64>,
        event: Vec<Option<bool>>,
    ) -> Result<Self, SurvivalInputError> {
        if time.len() != event.len() || samples.len() != time.len() {
            return Err(SurvivalInputError::LengthMismatch {
                samples: samples.len(),
                times: time.len(),
                events: event.len(),
            });
        }
        let mut seen = HashSet::with_capacity(samples.len());
        if let Some(dup) = samples.iter().find(|s| !seen.insert(s.as_str())) {
            return Err(SurvivalInputError::DuplicateSample(dup.clone()));
        }
        if let Some((index, &t)) = time
            .iter()
            .enumerate()
            .find(|(_, t)| !t.is_nan() && (!t.is_finite() || **t < 0.0))
        {
            return Err(SurvivalInputError::InvalidTime { index, time: t });
        }
        Ok(Self {
            samples,
            time,
            event,
        })
    }

    /// Builds follow-up from the two columns clinical tables such as TCGA's carry: time to death
    /// when the patient died, time to last follow-up otherwise (NaN where absent).
    ///
    /// A recorded death time means an event at that time; otherwise the sample is censored at its
    /// last follow-up; with neither it is missing.
    pub fn from_death_or_followup(
        samples: Vec<SampleId>,
        time_to_death: &[f64],
        time_to_last_followup: &[f64],
    ) -> Result<Self, SurvivalInputError> {
        if time_to_death.len() != time_to_last_followup.len() {
            return Err(SurvivalInputError::LengthMismatch {
                samples: samples.len(),
                times: time_to_death.len(),
                events: time_to_last_followup.len(),
            });
        }
        let (time, event) = time_to_death
            .iter()
            .zip(time_to_last_followup)
            .map(|(&death, &followup)| {
                if !death.is_nan() {
                    (death, Some(true))
                } else if !followup.is_nan() {
                    (followup, Some(false))
                } else {
                    (f64::NAN, None)
                }
            })
            .unzip();
        Self::new(samples, time, event)
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub fn samples(&self) -> &[SampleId] {
        &self.samples
    }

    pub fn times(&self) -> &[f64] {
        &self.time
    }

    pub fn events(&self) -> &[Option<bool>] {
        &self.event
    }

    /// The time and event of sample `i`, or `None` when either is missing or `i` is out of range.
    pub fn get(&self, i: usize) -> Option<(f64, bool)> {
        let t = *self.time.get(i)?;
        let e = (*self.event.get(i)?)?;
        (!t.is_nan()).then_some((t, e))
    }

    /// The follow-up of each of `samples` (a matrix's rows), in that order; samples without an
    /// entry here are missing.
    pub fn aligned_to(&self, samples: &[SampleId]) -> SurvivalTimes {
        let index: HashMap<&str, usize> = self
            .samples
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let (time, event) = samples
            .iter()
            .map(|s| match index.get(s.as_str()) {
                Some(&i) => (self.time[i], self.event[i]),
                None => (f64::NAN, None),
            })
            .unzip();
        // Duplicate sample IDs in `samples` are kept as given: alignment never drops rows.
        SurvivalTimes {
            samples: samples.to_vec(),
            time,
            event,
        }
    }

    /// Indices of the samples with complete follow-up, sorted by time with ties in index order.
    ///
    /// Sorting once here lets whole-layer screens walk each feature in time order without
    /// sorting per feature.
    pub(crate) fn order_by_time(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.len()).filter(|&i| self.get(i).is_some()).collect();
        idx.sort_by(|&a, &b| self.time[a].total_cmp(&self.time[b]));
        idx
    }

    /// Checks that per-sample values given by position (a feature, a covariate) have one entry
    /// per sample here.
    pub(crate) fn check_len(&self, n: usize, what: &str) -> crate::Outcome<()> {
        if self.len() == n {
            Ok(())
        } else {
            Err(crate::NotTestable::InvalidInput {
                detail: format!(
                    "{} samples with follow-up but {n} values in the {what}",
                    self.len()
                ),
            })
        }
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
        let s = SurvivalTimes::new(
            ids(&["a", "b"]),
            vec![1.0, 2.0],
            vec![Some(true), Some(false)],
        )
        .unwrap();
        let aligned = s.aligned_to(&ids(&["b", "z", "a"]));
        assert_eq!(aligned.get(0), Some((2.0, false)));
        assert_eq!(aligned.get(1), None);
        assert_eq!(aligned.get(2), Some((1.0, true)));
    }

    #[test]
    fn missing_values_are_kept_but_skipped() {
        let s = SurvivalTimes::new(
            ids(&["a", "b", "c", "d"]),
            vec![3.0, f64::NAN, 1.0, 2.0],
            vec![Some(true), Some(true), None, Some(false)],
        )
        .unwrap();
        assert_eq!(s.get(0), Some((3.0, true)));
        assert_eq!(s.get(1), None);
        assert_eq!(s.get(2), None);
        assert_eq!(s.order_by_time(), vec![3, 0]);
    }

    #[test]
    fn negative_or_infinite_times_are_rejected() {
        let err =
            SurvivalTimes::new(ids(&["a", "b"]), vec![1.0, -2.0], vec![Some(true); 2]).unwrap_err();
        assert_eq!(
            err,
            SurvivalInputError::InvalidTime {
                index: 1,
                time: -2.0
            }
        );
        assert!(SurvivalTimes::new(ids(&["a"]), vec![f64::INFINITY], vec![Some(true)]).is_err());
        assert!(SurvivalTimes::new(ids(&["a"]), vec![1.0], vec![]).is_err());
        assert_eq!(
            SurvivalTimes::new(ids(&["a", "a"]), vec![1.0, 2.0], vec![Some(true); 2]),
            Err(SurvivalInputError::DuplicateSample(SampleId::from("a")))
        );
    }

    #[test]
    fn death_or_followup_columns() {
        let s = SurvivalTimes::from_death_or_followup(
            ids(&["a", "b", "c"]),
            &[100.0, f64::NAN, f64::NAN],
            &[f64::NAN, 50.0, f64::NAN],
        )
        .unwrap();
        assert_eq!(s.get(0), Some((100.0, true)));
        assert_eq!(s.get(1), Some((50.0, false)));
        assert_eq!(s.get(2), None);
    }
}
