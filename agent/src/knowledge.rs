//! Prior knowledge the agent reasons with: pathway gene sets (WikiPathways, PROGENy) for
//! enrichment, and the graph crate's [`Knowledgebase`] (complexes, the clinical concept map, GO
//! BP) that tells known relations from partly known and unexplained ones (see `grounding.rs`).

use analysis::gmt::GeneSet;
use graph::knowledge::Knowledgebase;

pub struct Knowledge {
    pub gene_sets: Vec<GeneSet>,
    /// What is known about relations; `None` for knowledge built from gene sets alone (tests),
    /// where every relation is unexplained.
    pub base: Option<&'static Knowledgebase>,
}

impl Knowledge {
    /// WikiPathways and PROGENy pathway-responsive genes from the embedded knowledge files.
    pub fn embedded() -> Result<Self, String> {
        let mut sets = Vec::new();
        for def in graph::knowledge::gene_sets::wikipathways()
            .map_err(|e| e.to_string())?
            .into_iter()
            .chain(graph::knowledge::gene_sets::progeny_sets().map_err(|e| e.to_string())?)
        {
            sets.push(GeneSet {
                name: def.key,
                description: def.label,
                genes: def.members,
            });
        }
        let mut knowledge = Self::from_sets(sets);
        knowledge.base = Some(Knowledgebase::embedded().map_err(|e| e.to_string())?);
        Ok(knowledge)
    }

    pub fn from_sets(gene_sets: Vec<GeneSet>) -> Self {
        Self {
            gene_sets,
            base: None,
        }
    }
}
