//! Helpers for matching hypotheses against a synthetic study's planted truth.

use datasets::Study;
use datasets::synth::SynthLayer;

/// Whether the study's layer `layer` was written from the synthetic layer `synth`.
pub fn layer_is(study: &Study, layer: &str, synth: SynthLayer) -> bool {
    study
        .layer_named(layer)
        .is_some_and(|l| l.file == synth.file_name())
}

/// Whether any of the planted features is the hypothesis's feature.
pub fn names_feature(features: &[datasets::FeatureId], feature: &str) -> bool {
    features.iter().any(|f| f.as_str() == feature)
}
