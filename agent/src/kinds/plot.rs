//! Which plot a finding calls for. Each kind names its plot ([`super::QuestionKind::plot`]);
//! `evidence_plots` draws it from the study's values.

/// Which plot a finding calls for, with the names it needs to find its values in the study.
#[derive(Clone, Debug, PartialEq)]
pub enum PlotKind {
    /// Feature in `layer` by mutation status of `gene` (read from `mutation_layer`).
    Mutation {
        gene: String,
        layer: String,
        mutation_layer: String,
    },
    /// Feature in `layer` by level of a categorical clinical variable.
    Groups {
        variable: String,
        layer: String,
        contrast: String,
    },
    /// Feature in `layer`, tumour against normal samples.
    Tissue { layer: String },
    /// Feature in `layer` against a numeric clinical variable.
    Numeric { variable: String, layer: String },
    /// Survival of samples above and below the feature's median in `layer`.
    Survival {
        layer: String,
        /// The survival outcome (`None`: the study's first).
        outcome: Option<String>,
    },
    /// The target feature against the same gene's `source_feature` in the source layer.
    Cis {
        gene: String,
        source: String,
        source_feature: String,
        target: String,
    },
}

impl PlotKind {
    pub(crate) fn is_cis(&self) -> bool {
        matches!(self, Self::Cis { .. })
    }
}
