//! Prior knowledge the agent reasons with: pathway gene sets (WikiPathways, PROGENy), shipped in the
//! graph crate. Used for enrichment and to tell known relations from new ones (novelty).

use analysis::gmt::GeneSet;
use std::collections::{HashMap, HashSet};

pub struct Knowledge {
    pub gene_sets: Vec<GeneSet>,
    by_gene: HashMap<String, Vec<usize>>,
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
        Ok(Self::from_sets(sets))
    }

    pub fn from_sets(gene_sets: Vec<GeneSet>) -> Self {
        let mut by_gene: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, set) in gene_sets.iter().enumerate() {
            for g in &set.genes {
                by_gene.entry(g.clone()).or_default().push(i);
            }
        }
        Self { gene_sets, by_gene }
    }

    /// Whether two genes already share a pathway in the prior knowledge.
    pub fn linked(&self, a: &str, b: &str) -> bool {
        let (Some(sa), Some(sb)) = (self.by_gene.get(a), self.by_gene.get(b)) else {
            return false;
        };
        let sa: HashSet<&usize> = sa.iter().collect();
        sb.iter().any(|s| sa.contains(s))
    }

    pub fn knows(&self, gene: &str) -> bool {
        self.by_gene.contains_key(gene)
    }
}
