//! Prior knowledge shipped with hypomics: the gene index (alias resolution), gene sets /
//! pathways, GO protein complexes, gene positions and the curated clinical concept map. Gene sets
//! are imported into a store as entity nodes and prior edges; [`Knowledgebase::explain`] tells
//! the agent whether a relation is known, partly known or unexplained, and why.

pub mod complexes;
pub mod concepts;
pub mod embedded;
pub mod explain;
pub mod gene_sets;
pub mod genes;
pub mod import;
pub mod positions;

pub use complexes::{Complex, ComplexPartner, Complexes};
pub use concepts::{Concept, ConceptId, ConceptLink, ConceptMap, Fact};
pub use embedded::ATTRIBUTION;
pub use explain::{Explanation, Knowledgebase, WhyItMatters};
pub use gene_sets::{GeneSetDef, ProgenyWeight, go_bp, progeny_model, progeny_sets, wikipathways};
pub use genes::{GeneIndex, GeneMatch, GeneRecord, GeneResolution};
pub use import::{ImportReport, KnowledgeSelection};
pub use positions::{Arm, ChromosomeArm, GenePosition, GenePositions, Strand};
