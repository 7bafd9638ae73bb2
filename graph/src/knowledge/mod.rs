//! Prior knowledge shipped with hypomics: the gene index (alias resolution) and gene sets /
//! pathways, imported into a store as entity nodes and prior edges so the agent can tell a known
//! relation from a new one.

pub mod embedded;
pub mod gene_sets;
pub mod genes;
pub mod import;

pub use embedded::ATTRIBUTION;
pub use gene_sets::{GeneSetDef, ProgenyWeight, go_bp, progeny_model, progeny_sets, wikipathways};
pub use genes::{GeneIndex, GeneMatch, GeneRecord, GeneResolution};
pub use import::{ImportReport, KnowledgeSelection};
