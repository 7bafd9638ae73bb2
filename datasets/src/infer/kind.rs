//! A layer's kind and measurement from its content, for files whose name says nothing
//! (`exprs_GSE2034.csv.gz`, `data.tsv`): feature-ID style first (probes mean a microarray, `GENE|ab`
//! an RPPA panel), then the value range (counts, log2 intensities, -2..2 copy-number calls,
//! z-scores). Every guess carries how sure it is and why, for `inspect` to show.

use super::ids::IdStyle;
use crate::kinds::LayerKind;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Where a layer's kind came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindSource {
    StudyToml,
    FileName,
    /// cBioPortal `meta_*.txt` (genetic_alteration_type, datatype).
    MetaFile,
    Content,
}

/// Why a layer has the kind it has, and what its values look like.
#[derive(Clone, Debug, Serialize)]
pub struct KindBasis {
    pub source: KindSource,
    pub confidence: Confidence,
    pub reason: String,
    /// What the values are, as far as content tells (counts, log2 intensities, z-scores...).
    pub measurement: Option<String>,
}

/// Summary statistics of a layer's values, from a strided sample of at most ~200k cells.
#[derive(Clone, Debug)]
pub struct ValueProfile {
    pub observed: usize,
    pub min: f64,
    pub max: f64,
    pub p01: f64,
    pub p50: f64,
    pub p99: f64,
    pub all_integer: bool,
    pub binary: bool,
    /// Every value is one of -2, -1, 0, 1, 2 (GISTIC / cBioPortal discrete copy number).
    pub discrete_cna: bool,
    /// Features have mean ~0 and SD ~1 (z-scores per gene).
    pub zscores: bool,
}

impl ValueProfile {
    /// `values` is feature-major with `n_samples` values per feature.
    pub fn of(values: &[f64], n_samples: usize) -> Option<Self> {
        let stride = (values.len() / 200_000).max(1);
        let mut sample: Vec<f64> = values
            .iter()
            .step_by(stride)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if sample.is_empty() {
            return None;
        }
        let all_integer = sample.iter().all(|v| v.fract() == 0.0);
        let binary = sample.iter().all(|&v| v == 0.0 || v == 1.0);
        let discrete_cna = all_integer && sample.iter().all(|&v| (-2.0..=2.0).contains(&v));
        sample.sort_unstable_by(f64::total_cmp);
        let q = |p: f64| sample[((sample.len() - 1) as f64 * p).round() as usize];
        Some(Self {
            observed: sample.len(),
            min: sample[0],
            max: sample[sample.len() - 1],
            p01: q(0.01),
            p50: q(0.5),
            p99: q(0.99),
            all_integer,
            binary,
            discrete_cna,
            zscores: looks_like_zscores(values, n_samples),
        })
    }

    /// What the values are, in words, when the range says it clearly.
    pub fn measurement(&self) -> Option<&'static str> {
        if self.binary {
            Some("0/1 flags")
        } else if self.discrete_cna {
            Some("discrete copy-number calls (-2..2)")
        } else if self.zscores {
            Some("z-scores (each feature has mean ~0, SD ~1)")
        } else if self.min >= 0.0 && self.all_integer && self.max > 100.0 {
            Some("counts (non-negative integers)")
        } else if self.min >= 0.0 && self.p99 > 100.0 {
            Some("linear intensities or normalised RNA-seq (RSEM, TPM, FPKM)")
        } else if self.min >= 0.0 && self.max <= 25.0 && (2.0..=13.0).contains(&self.p50) {
            Some("log2 intensities (microarray range)")
        } else if self.min < 0.0 && self.p50.abs() < 1.0 {
            Some("log ratios or centred values")
        } else {
            None
        }
    }
}

fn looks_like_zscores(values: &[f64], n: usize) -> bool {
    if n < 5 {
        return false;
    }
    let mut means = Vec::new();
    let mut sds = Vec::new();
    for col in values.chunks_exact(n).take(300) {
        let obs: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
        if obs.len() < 5 {
            continue;
        }
        let mean = obs.iter().sum::<f64>() / obs.len() as f64;
        let var = obs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (obs.len() - 1) as f64;
        means.push(mean.abs());
        sds.push(var.sqrt());
    }
    if means.len() < 3 {
        return false;
    }
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    avg(&means) < 0.2 && (0.8..=1.2).contains(&avg(&sds))
}

/// The kind a layer's IDs and values suggest, with confidence and the reason.
pub fn kind_from_content(style: IdStyle, profile: Option<&ValueProfile>) -> (LayerKind, KindBasis) {
    let measurement = profile
        .and_then(ValueProfile::measurement)
        .map(str::to_owned);
    let (kind, confidence, reason) = match style {
        IdStyle::Antibody => (
            LayerKind::Proteome,
            Confidence::High,
            "feature IDs are RPPA antibodies (GENE|antibody): a protein array".to_owned(),
        ),
        IdStyle::Mirna => (
            LayerKind::Mirna,
            Confidence::High,
            "feature IDs are miRNA names".to_owned(),
        ),
        IdStyle::Site => (
            LayerKind::Phosphosite,
            Confidence::Medium,
            "feature IDs are sites (GENE-S123); phosphorylation assumed".to_owned(),
        ),
        IdStyle::Probe(platform) => {
            let intensities = profile.is_some_and(|p| p.min >= 0.0 || p.p50 > 2.0);
            (
                LayerKind::Rna,
                if intensities {
                    Confidence::High
                } else {
                    Confidence::Medium
                },
                format!(
                    "feature IDs are {} probes: an expression microarray",
                    platform.as_str()
                ),
            )
        }
        IdStyle::Ensembl => (
            LayerKind::Rna,
            Confidence::Medium,
            "feature IDs are Ensembl genes: a transcriptome".to_owned(),
        ),
        IdStyle::Other => match profile {
            Some(p) if p.binary => (
                LayerKind::Mutation,
                Confidence::Low,
                "all values are 0 or 1: read as mutation flags".to_owned(),
            ),
            Some(p) if p.discrete_cna => (
                LayerKind::CopyNumber,
                Confidence::Medium,
                "all values are integers in -2..2: discrete copy-number calls".to_owned(),
            ),
            Some(p) if p.min >= 0.0 && p.all_integer && p.max > 100.0 => (
                LayerKind::Rna,
                Confidence::Medium,
                "non-negative integer counts with a long tail: RNA-seq counts".to_owned(),
            ),
            Some(p) if p.min >= 0.0 && p.max <= 25.0 && (2.0..=13.0).contains(&p.p50) => (
                LayerKind::Rna,
                Confidence::Low,
                "values in the log2 microarray range (median 2..13): expression assumed".to_owned(),
            ),
            _ => (
                LayerKind::Other,
                Confidence::Low,
                "neither the file name, the feature IDs nor the value range say what this is"
                    .to_owned(),
            ),
        },
    };
    (
        kind,
        KindBasis {
            source: KindSource::Content,
            confidence,
            reason: format!("kind from content: {reason}"),
            measurement,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::ids::Platform;

    #[test]
    fn ranges_tell_counts_cna_and_zscores_apart() {
        let counts: Vec<f64> = (0..400).map(|i| f64::from(i * 7 % 3000)).collect();
        let p = ValueProfile::of(&counts, 20).unwrap();
        assert_eq!(p.measurement(), Some("counts (non-negative integers)"));
        assert_eq!(
            kind_from_content(IdStyle::Other, Some(&p)).0,
            LayerKind::Rna
        );
        let cna: Vec<f64> = (0..400).map(|i| f64::from(i % 5) - 2.0).collect();
        let p = ValueProfile::of(&cna, 20).unwrap();
        assert!(p.discrete_cna);
        assert_eq!(
            kind_from_content(IdStyle::Other, Some(&p)).0,
            LayerKind::CopyNumber
        );
        // Each feature standardised: -1.5, -0.5, 0.5, 1.5 repeated has mean 0, SD ~1.1.
        let z: Vec<f64> = (0..400).map(|i| f64::from(i % 4) - 1.5).collect();
        assert!(ValueProfile::of(&z, 20).unwrap().zscores);
        let array: Vec<f64> = (0..400).map(|i| 4.0 + f64::from(i % 9)).collect();
        let p = ValueProfile::of(&array, 20).unwrap();
        let basis = kind_from_content(IdStyle::Probe(Platform::Affymetrix), Some(&p));
        assert_eq!(basis.1.confidence, Confidence::High);
        assert_eq!(
            basis.1.measurement.as_deref(),
            Some("log2 intensities (microarray range)")
        );
    }
}
