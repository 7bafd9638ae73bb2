//! Prior values of directions: statistical power given group sizes, how much a clinician would
//! care about a variable, and which layers are worth screening first. Kinds combine them into
//! the priority of the directions they propose.

use crate::profile::StudyProfile;

/// Power proxy for a two-group comparison: grows with the effective sample size
/// n_a n_b / (n_a + n_b), saturating around 30 (where a 0.8 SD effect is found reliably).
pub fn two_group_power(n_a: usize, n_b: usize) -> f64 {
    if n_a == 0 || n_b == 0 {
        return 0.0;
    }
    let n_eff = (n_a * n_b) as f64 / (n_a + n_b) as f64;
    (n_eff / 30.0).sqrt().min(1.0)
}

/// How much a clinician would care about a variable, from its name. Tumour characteristics and
/// outcomes rank above demographics; technical variables (batch, plex) are tested only as
/// confounders.
pub fn clinical_relevance(variable: &str) -> f64 {
    let v = variable.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| v.contains(w));
    if is_derived_from_omics(variable) {
        return 0.3;
    }
    if has(&[
        "batch", "plex", "channel", "excluded", "country", "date", "year", "ethnic", "race",
    ]) {
        0.1
    } else if has(&[
        "histolog",
        "subtype",
        "stage",
        "grade",
        "msi",
        "pole",
        "molecular",
        "cluster",
        "coc",
        "c1a",
    ]) {
        1.0
    } else if has(&[
        "purity", "immune", "stromal", "estimate", "tumor_", "invasion", "lvsi", "receptor", "_er",
        "_pr",
    ]) {
        0.7
    } else if has(&["age", "bmi", "sex", "gender", "diabetes"]) {
        0.5
    } else {
        0.4
    }
}

/// Whether a "clinical" column is a score computed from the omics data itself (immune and stromal
/// scores, deconvolution fractions, pathway activities). Its associations with the same data are
/// partly circular: worth knowing, but neither new nor clinically decisive.
pub fn is_derived_from_omics(variable: &str) -> bool {
    let v = variable.to_ascii_lowercase();
    [
        "estimate",
        "immunescore",
        "stromalscore",
        "cibersort",
        "xcell",
        "epic_",
        "purity_",
        "stemness",
        "pathway_activity",
        "_score",
    ]
    .iter()
    .any(|w| v.contains(w))
}

/// Layers worth screening first: proteins are the study's point, RNA and phospho next.
pub fn layer_weight(profile: &StudyProfile, layer: &str) -> f64 {
    use datasets::LayerKind::*;
    match profile
        .layers
        .iter()
        .find(|l| l.name == layer)
        .map(|l| l.kind)
    {
        Some(Proteome) => 1.0,
        Some(Phosphosite) | Some(Rna) => 0.8,
        Some(PhosphoGene) | Some(Acetylsite) => 0.5,
        Some(Mirna) | Some(CircularRna) | Some(CopyNumber) => 0.4,
        _ => 0.3,
    }
}

/// Abbreviates a feature list for a question's description.
pub fn abbreviate(items: &[String]) -> String {
    match items.len() {
        0 => "(none)".into(),
        1..=3 => items.join(", "),
        n => format!("{}, ... ({n} features)", items[..3].join(", ")),
    }
}

/// Layers screened one by one: all but copy number and circular RNA, with their position in the
/// profile (the order proposals follow).
pub fn screen_layers(
    profile: &StudyProfile,
) -> impl Iterator<Item = (usize, &crate::profile::LayerInfo)> {
    use datasets::LayerKind;
    profile
        .layers
        .iter()
        .filter(|l| l.kind != LayerKind::CopyNumber && l.kind != LayerKind::CircularRna)
        .enumerate()
}
