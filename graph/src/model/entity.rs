//! Entities: the things of biology and of study design that findings relate. Each has a canonical
//! key, unique within its kind, so evidence about "CTGF" and "CCN2" lands on one node.

use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What an entity node stands for.
    pub enum EntityKind {
        /// A gene and its products (transcript, protein); keyed by the current NCBI symbol.
        Gene => "gene",
        /// A phosphorylated residue, keyed `GENE-S380` with the gene's current symbol.
        Phosphosite => "phosphosite",
        /// An acetylated lysine, keyed `GENE-K120`.
        Acetylsite => "acetylsite",
        /// A microRNA as the data names it (`hsa-miR-21-5p`).
        Mirna => "mirna",
        /// Gene-level somatic mutation status ("PTEN mutated"), keyed by the gene symbol.
        Mutation => "mutation",
        /// A clinical or design variable (`tumor_stage`, `age`).
        ClinicalVariable => "clinical_variable",
        /// One level of a categorical clinical variable, keyed `variable=level`.
        ClinicalLevel => "clinical_level",
        /// A pathway or gene set (GO term, WikiPathways pathway, PROGENy pathway), keyed with a
        /// source prefix (`GO:0006915`, `WikiPathways:...`, `PROGENy:EGFR`).
        GeneSet => "gene_set",
        /// A group of samples: a subtype, a tumour/normal group, a cluster.
        SampleGroup => "sample_group",
        /// A study (data set); analyses point to the study whose data they used.
        Study => "study",
    }
}

/// An entity node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    /// Canonical key, unique within `kind`.
    pub key: String,
    /// Human-readable name (gene full name, GO term name); may equal the key.
    pub label: String,
    /// Kind-specific facts (Entrez id, gene type, set source and size, resolution status).
    pub attrs: serde_json::Value,
}

/// A class of entities, used by research directions to state a question between classes
/// ("mutation of G -> abundance of proteins"): the kind plus, optionally, the data layer that
/// measures it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityClass {
    pub kind: EntityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl EntityClass {
    pub fn new(kind: EntityKind) -> Self {
        Self { kind, layer: None }
    }

    pub fn measured_in(kind: EntityKind, layer: impl Into<String>) -> Self {
        Self {
            kind,
            layer: Some(layer.into()),
        }
    }
}

/// How a caller names an entity before resolution. Gene-like names (symbols, aliases, Entrez,
/// Ensembl or UniProt ids) are resolved to the current symbol; see [`crate::resolve`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum EntityRef {
    Gene(String),
    /// `GENE-S123` (S/T/Y residues).
    Phosphosite(String),
    /// `GENE-K123`.
    Acetylsite(String),
    Mirna(String),
    /// Gene-level mutation; accepts `TP53` or a variant id such as `TP53_p.R175H`.
    Mutation(String),
    ClinicalVariable(String),
    ClinicalLevel {
        variable: String,
        level: String,
    },
    GeneSet(String),
    SampleGroup(String),
    Study(String),
}

impl EntityRef {
    pub fn gene(name: impl Into<String>) -> Self {
        Self::Gene(name.into())
    }

    pub fn clinical_level(variable: impl Into<String>, level: impl Into<String>) -> Self {
        Self::ClinicalLevel {
            variable: variable.into(),
            level: level.into(),
        }
    }

    /// The kind of entity this reference will resolve to.
    pub fn kind(&self) -> EntityKind {
        match self {
            Self::Gene(_) => EntityKind::Gene,
            Self::Phosphosite(_) => EntityKind::Phosphosite,
            Self::Acetylsite(_) => EntityKind::Acetylsite,
            Self::Mirna(_) => EntityKind::Mirna,
            Self::Mutation(_) => EntityKind::Mutation,
            Self::ClinicalVariable(_) => EntityKind::ClinicalVariable,
            Self::ClinicalLevel { .. } => EntityKind::ClinicalLevel,
            Self::GeneSet(_) => EntityKind::GeneSet,
            Self::SampleGroup(_) => EntityKind::SampleGroup,
            Self::Study(_) => EntityKind::Study,
        }
    }
}
