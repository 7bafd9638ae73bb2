//! What prior knowledge says about one relation between two entities: known (with the textbook
//! reason and its source), partly known (a complex partner, a pathway neighbour or a linked
//! concept of something known) or unexplained. An unlinked pair is *unexplained*, not novel: the
//! agent decides what that is worth, this module only says what is known and why.

use crate::error::KnowledgeError;
use crate::knowledge::complexes::{ComplexPartner, Complexes};
use crate::knowledge::concepts::{Concept, ConceptMap, name_tokens};
use crate::knowledge::embedded::parsed_once;
use crate::knowledge::gene_sets::{self, GeneSetDef};
use crate::knowledge::genes::{GeneIndex, GeneMatch, GeneResolution};
use crate::knowledge::positions::{GenePosition, GenePositions};
use crate::model::EntityRef;
use crate::resolve::feature::{ACETYL_RESIDUES, PHOSPHO_RESIDUES, split_site};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Two genes sharing a gene set no larger than this are partly known to go together; larger
/// sets ("cell cycle", hundreds of genes) say too little about a pair.
const SHARED_SET_MAX: usize = 100;

/// Complexes up to this size count as a physical partnership: sharing one is known, and a
/// partner of a concept's core gene is partly known. Larger GO complex terms (up to 200 genes
/// ship) are families such as "transcription repressor complex"; sharing one is only partly
/// known and says nothing about a concept.
const PARTNER_COMPLEX_MAX: usize = 30;

/// A gene set holding at least this many core genes of a concept is partly known for it.
const SET_CORE_GENES_MIN: usize = 2;

/// What is known about a relation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Explanation {
    /// Textbook knowledge states this relation.
    Known { reason: String, source: String },
    /// Knowledge reaches it one step away: a complex partner or pathway neighbour of a known
    /// gene, or a concept known to go with the one named.
    PartlyKnown { reason: String, source: String },
    /// Nothing shipped links the two. Not the same as new: it may be unstudied or implausible.
    Unexplained,
}

impl Explanation {
    fn known(reason: impl Into<String>, source: impl Into<String>) -> Self {
        Self::Known {
            reason: reason.into(),
            source: source.into(),
        }
    }

    fn partly(reason: impl Into<String>, source: impl Into<String>) -> Self {
        Self::PartlyKnown {
            reason: reason.into(),
            source: source.into(),
        }
    }

    /// 2 known, 1 partly known, 0 unexplained: for keeping the strongest explanation.
    pub fn strength(&self) -> u8 {
        match self {
            Self::Known { .. } => 2,
            Self::PartlyKnown { .. } => 1,
            Self::Unexplained => 0,
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Self::Known { .. })
    }

    /// The reason, when there is one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Known { reason, .. } | Self::PartlyKnown { reason, .. } => Some(reason),
            Self::Unexplained => None,
        }
    }

    /// Keeps the stronger of two; the first on a tie.
    fn or(self, other: impl FnOnce() -> Explanation) -> Explanation {
        if self.is_known() {
            return self;
        }
        let other = other();
        if other.strength() > self.strength() {
            other
        } else {
            self
        }
    }
}

/// Why a finding about a concept matters, in one line, with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WhyItMatters {
    pub concept: String,
    pub text: String,
    pub source: String,
}

/// One side of a relation, as knowledge sees it.
enum Side<'e> {
    /// A gene, its product, site or mutation: judged by the gene's current symbol.
    Gene(String),
    Clinical {
        variable: &'e str,
        level: Option<&'e str>,
    },
    GeneSet(&'e str),
    /// miRNAs and studies: nothing shipped speaks about them.
    Opaque,
}

/// The shipped gene sets (GO BP, WikiPathways, PROGENy), indexed by key and by member.
#[derive(Debug, Default)]
struct SetIndex {
    sets: Vec<GeneSetDef>,
    by_key: HashMap<String, usize>,
    by_gene: HashMap<String, Vec<usize>>,
}

impl SetIndex {
    fn new(sets: Vec<GeneSetDef>) -> Self {
        let mut index = SetIndex::default();
        for (ix, set) in sets.iter().enumerate() {
            index.by_key.insert(set.key.clone(), ix);
            for gene in &set.members {
                index.by_gene.entry(gene.clone()).or_default().push(ix);
            }
        }
        for ixs in index.by_gene.values_mut() {
            ixs.sort_by_key(|&ix| (sets[ix].members.len(), ix));
            ixs.dedup();
        }
        index.sets = sets;
        index
    }

    fn get(&self, key: &str) -> Option<&GeneSetDef> {
        self.by_key.get(key).map(|&ix| &self.sets[ix])
    }

    fn contains(&self, key: &str, gene: &str) -> bool {
        self.get(key)
            .is_some_and(|s| s.members.iter().any(|m| m == gene))
    }

    /// The smallest set holding both genes, if it is no larger than `max`.
    fn smallest_shared(&self, a: &str, b: &str, max: usize) -> Option<&GeneSetDef> {
        self.by_gene
            .get(a)?
            .iter()
            .map(|&ix| &self.sets[ix])
            .take_while(|s| s.members.len() <= max)
            .find(|s| s.members.iter().any(|m| m == b))
    }
}

/// All shipped prior knowledge behind one API: the agent asks it about relations, complex
/// partners and gene positions.
pub struct Knowledgebase {
    genes: &'static GeneIndex,
    concepts: &'static ConceptMap,
    complexes: &'static Complexes,
    positions: &'static GenePositions,
    sets: SetIndex,
}

impl Knowledgebase {
    /// Everything embedded in the binary, parsed once per process (a second or two in a debug
    /// build, mostly GO BP).
    pub fn embedded() -> Result<&'static Knowledgebase, KnowledgeError> {
        static BUILT: OnceLock<Result<Knowledgebase, String>> = OnceLock::new();
        parsed_once(&BUILT, "embedded knowledge", Self::build)
    }

    fn build() -> Result<Knowledgebase, KnowledgeError> {
        let mut sets = gene_sets::go_bp()?;
        sets.extend(gene_sets::wikipathways()?);
        sets.extend(gene_sets::progeny_sets()?);
        Ok(Knowledgebase {
            genes: GeneIndex::embedded()?,
            concepts: ConceptMap::embedded()?,
            complexes: Complexes::embedded()?,
            positions: GenePositions::embedded()?,
            sets: SetIndex::new(sets),
        })
    }

    pub fn concepts(&self) -> &ConceptMap {
        self.concepts
    }

    pub fn complexes(&self) -> &Complexes {
        self.complexes
    }

    pub fn positions(&self) -> &GenePositions {
        self.positions
    }

    /// The current symbol of any gene name (alias, Entrez, Ensembl...), else the name itself.
    pub fn symbol(&self, name: &str) -> String {
        match self.genes.resolve(name) {
            GeneResolution::Resolved { gene, .. } => gene.symbol.clone(),
            _ => name.trim().to_owned(),
        }
    }

    /// Genes sharing a GO complex with `gene` (any gene name), smallest complex first.
    pub fn complex_partners(&self, gene: &str) -> Vec<ComplexPartner<'_>> {
        self.complexes.partners(&self.symbol(gene))
    }

    /// Chromosome, arm, band and span of `gene` (any gene name).
    pub fn position(&self, gene: &str) -> Option<&GenePosition> {
        self.positions.get(&self.symbol(gene))
    }

    /// "Why it matters" lines of the concepts an entity stands for: a clinical variable or
    /// level through its name, a gene through the concepts it is a core gene of.
    pub fn why_it_matters(&self, entity: &EntityRef) -> Vec<WhyItMatters> {
        let concepts: Vec<&Concept> = match self.side(entity) {
            Side::Clinical { variable, level } => self.concepts.matching(variable, level),
            Side::Gene(g) => self
                .concepts
                .concepts()
                .iter()
                .filter(|c| c.has_gene(&g))
                .collect(),
            Side::GeneSet(key) => self
                .concepts
                .concepts()
                .iter()
                .filter(|c| c.neighbourhood.iter().any(|k| k == key))
                .collect(),
            Side::Opaque => Vec::new(),
        };
        concepts
            .into_iter()
            .map(|c| WhyItMatters {
                concept: c.label.clone(),
                text: c.why.clone(),
                source: c.why_source.clone(),
            })
            .collect()
    }

    /// What is known about a relation between `a` and `b` (order does not matter).
    pub fn explain(&self, a: &EntityRef, b: &EntityRef) -> Explanation {
        match (self.side(a), self.side(b)) {
            (Side::Opaque, _) | (_, Side::Opaque) => Explanation::Unexplained,
            (Side::Gene(g), Side::Clinical { variable, level })
            | (Side::Clinical { variable, level }, Side::Gene(g)) => {
                self.gene_and_clinical(&g, variable, level)
            }
            (Side::Gene(x), Side::Gene(y)) => self.gene_and_gene(&x, &y),
            (Side::Gene(g), Side::GeneSet(key)) | (Side::GeneSet(key), Side::Gene(g)) => {
                self.gene_and_set(&g, key)
            }
            (Side::Clinical { variable, level }, Side::GeneSet(key))
            | (Side::GeneSet(key), Side::Clinical { variable, level }) => {
                self.clinical_and_set(variable, level, key)
            }
            (
                Side::Clinical {
                    variable: v1,
                    level: l1,
                },
                Side::Clinical {
                    variable: v2,
                    level: l2,
                },
            ) => self.clinical_and_clinical((v1, l1), (v2, l2)),
            (Side::GeneSet(x), Side::GeneSet(y)) => self.set_and_set(x, y),
        }
    }

    fn side<'e>(&self, entity: &'e EntityRef) -> Side<'e> {
        let gene = |name: &str| Side::Gene(self.symbol(name));
        match entity {
            EntityRef::Gene(name) => gene(name),
            EntityRef::Phosphosite(id) => {
                gene(split_site(id, PHOSPHO_RESIDUES).map_or(id.as_str(), |(g, _)| g))
            }
            EntityRef::Acetylsite(id) => {
                gene(split_site(id, ACETYL_RESIDUES).map_or(id.as_str(), |(g, _)| g))
            }
            // `TP53` or a variant id `TP53_p.R175H`.
            EntityRef::Mutation(id) => gene(id.split_once('_').map_or(id.as_str(), |(g, _)| g)),
            EntityRef::ClinicalVariable(variable) => Side::Clinical {
                variable,
                level: None,
            },
            EntityRef::ClinicalLevel { variable, level } => Side::Clinical {
                variable,
                level: Some(level),
            },
            // A sample group is named like a level ("MSI-H", "Serous").
            EntityRef::SampleGroup(name) => Side::Clinical {
                variable: name,
                level: Some(name),
            },
            EntityRef::GeneSet(key) => Side::GeneSet(key),
            EntityRef::Mirna(_) | EntityRef::Study(_) => Side::Opaque,
        }
    }

    /// Whether the variable's name names the gene itself (`MLH1` as an IHC stain, `ER_ESR1`,
    /// `PI3K_PTEN`): by its current symbol, or by an alias of three or more letters that points
    /// to this gene only (`p53`).
    fn variable_names_gene(&self, variable: &str, gene: &str) -> bool {
        name_tokens(variable).iter().any(|token| {
            token.eq_ignore_ascii_case(gene)
                || (token.len() >= 3
                    && matches!(
                        self.genes.resolve(token),
                        GeneResolution::Resolved { gene: g, via: GeneMatch::Alias, also_alias_of }
                            if g.symbol == gene && also_alias_of.is_empty()
                    ))
        })
    }

    fn gene_and_clinical(&self, gene: &str, variable: &str, level: Option<&str>) -> Explanation {
        if self.variable_names_gene(variable, gene) {
            return Explanation::known(
                format!(
                    "the clinical variable {variable} names {gene} itself: it measures or flags \
                     the gene (a stain, a mutation flag or a pathway score)"
                ),
                "variable name",
            );
        }
        let mut best = Explanation::Unexplained;
        for concept in self.concepts.matching(variable, level) {
            best = best.or(|| self.gene_and_concept(gene, concept));
        }
        best
    }

    /// Known: a core gene (its fact, else the concept's gene source). Partly known, in this
    /// order: complex partner of a core gene, member of a neighbourhood set, core gene of a
    /// linked concept.
    fn gene_and_concept(&self, gene: &str, concept: &Concept) -> Explanation {
        if concept.has_gene(gene) {
            return match concept.fact_for(gene) {
                Some(fact) => Explanation::known(&fact.text, &fact.source),
                None => Explanation::known(
                    format!("{gene} is a core {} gene", concept.label),
                    &concept.genes_source,
                ),
            };
        }
        let partner = self
            .complexes
            .partners(gene)
            .into_iter()
            .take_while(|p| p.complex.members.len() <= PARTNER_COMPLEX_MAX)
            .find(|p| concept.has_gene(p.gene));
        if let Some(p) = partner {
            return Explanation::partly(
                format!(
                    "{gene} forms the {} ({}) with {}, a core {} gene",
                    p.complex.label, p.complex.key, p.gene, concept.label
                ),
                format!("GO cellular component {}", p.complex.key),
            );
        }
        if let Some(set) = concept
            .neighbourhood
            .iter()
            .filter_map(|key| self.sets.get(key))
            .find(|set| set.members.iter().any(|m| m == gene))
        {
            return Explanation::partly(
                format!(
                    "{gene} is in {} ({}), a gene set around {}",
                    set.label, set.key, concept.label
                ),
                set.key.clone(),
            );
        }
        if let Some((link, other)) = self
            .concepts
            .linked(&concept.id)
            .into_iter()
            .find(|(_, other)| other.has_gene(gene))
        {
            return Explanation::partly(
                format!("{gene} is a core {} gene; {}", other.label, link.text),
                &link.source,
            );
        }
        Explanation::Unexplained
    }

    fn gene_and_gene(&self, a: &str, b: &str) -> Explanation {
        if a == b {
            return Explanation::known(
                format!("both are {a}: a cis relation of one gene's products"),
                "nomenclature",
            );
        }
        let shared_complex = self.complexes.shared(a, b);
        if let Some(complex) = shared_complex.filter(|c| c.members.len() <= PARTNER_COMPLEX_MAX) {
            return Explanation::known(
                format!(
                    "{a} and {b} are both in the {} ({})",
                    complex.label, complex.key
                ),
                format!("GO cellular component {}", complex.key),
            );
        }
        if let Some(fact) = self
            .concepts
            .concepts()
            .iter()
            .flat_map(|c| &c.facts)
            .find(|f| f.genes.iter().any(|g| g == a) && f.genes.iter().any(|g| g == b))
        {
            return Explanation::known(&fact.text, &fact.source);
        }
        if let Some(c) = self
            .concepts
            .concepts()
            .iter()
            .find(|c| c.has_gene(a) && c.has_gene(b))
        {
            return Explanation::partly(
                format!("{a} and {b} are both core {} genes", c.label),
                &c.genes_source,
            );
        }
        if let Some(complex) = shared_complex {
            return Explanation::partly(
                format!(
                    "{a} and {b} are both in the {} ({}, {} genes)",
                    complex.label,
                    complex.key,
                    complex.members.len()
                ),
                format!("GO cellular component {}", complex.key),
            );
        }
        if let Some(set) = self.sets.smallest_shared(a, b, SHARED_SET_MAX) {
            return Explanation::partly(
                format!(
                    "{a} and {b} are both in {} ({}, {} genes)",
                    set.label,
                    set.key,
                    set.members.len()
                ),
                set.key.clone(),
            );
        }
        Explanation::Unexplained
    }

    fn gene_and_set(&self, gene: &str, key: &str) -> Explanation {
        let Some(set) = self.sets.get(key) else {
            return Explanation::Unexplained;
        };
        if self.sets.contains(key, gene) {
            return Explanation::known(format!("{gene} is a member of {} ({key})", set.label), key);
        }
        if let Some(p) = self
            .complexes
            .partners(gene)
            .into_iter()
            .take_while(|p| p.complex.members.len() <= PARTNER_COMPLEX_MAX)
            .find(|p| set.members.iter().any(|m| m == p.gene))
        {
            return Explanation::partly(
                format!(
                    "{gene} forms the {} ({}) with {}, a member of {} ({key})",
                    p.complex.label, p.complex.key, p.gene, set.label
                ),
                format!("GO cellular component {}; {key}", p.complex.key),
            );
        }
        Explanation::Unexplained
    }

    fn clinical_and_set(&self, variable: &str, level: Option<&str>, key: &str) -> Explanation {
        let Some(set) = self.sets.get(key) else {
            return Explanation::Unexplained;
        };
        let mut best = Explanation::Unexplained;
        for concept in self.concepts.matching(variable, level) {
            best = best.or(|| {
                if concept.neighbourhood.iter().any(|k| k == key) {
                    return Explanation::known(
                        format!(
                            "{} ({key}) is a gene set around {}",
                            set.label, concept.label
                        ),
                        key,
                    );
                }
                let core: Vec<&str> = concept
                    .genes
                    .iter()
                    .filter(|g| set.members.contains(g))
                    .map(String::as_str)
                    .collect();
                if core.len() >= SET_CORE_GENES_MIN {
                    return Explanation::partly(
                        format!(
                            "{} ({key}) holds {}, core {} genes",
                            set.label,
                            core.join(", "),
                            concept.label
                        ),
                        &concept.genes_source,
                    );
                }
                Explanation::Unexplained
            });
        }
        best
    }

    fn clinical_and_clinical(
        &self,
        (v1, l1): (&str, Option<&str>),
        (v2, l2): (&str, Option<&str>),
    ) -> Explanation {
        let first = self.concepts.matching(v1, l1);
        let second = self.concepts.matching(v2, l2);
        if let Some(shared) = first.iter().find(|c| second.contains(c)) {
            return Explanation::known(
                format!("{v1} and {v2} both describe {}", shared.label),
                "concept map (graph/knowledge/concepts.toml)",
            );
        }
        for c1 in &first {
            for c2 in &second {
                if let Some(link) = self.concepts.link_between(&c1.id, &c2.id) {
                    return Explanation::partly(&link.text, &link.source);
                }
            }
        }
        Explanation::Unexplained
    }

    fn set_and_set(&self, a: &str, b: &str) -> Explanation {
        let (Some(x), Some(y)) = (self.sets.get(a), self.sets.get(b)) else {
            return Explanation::Unexplained;
        };
        if a == b {
            return Explanation::known(format!("the same gene set, {}", x.label), a);
        }
        let shared = x.members.iter().filter(|m| y.members.contains(m)).count();
        let smaller = x.members.len().min(y.members.len());
        // Half of the smaller set shared: the two describe overlapping biology.
        if smaller > 0 && shared * 2 >= smaller {
            return Explanation::partly(
                format!(
                    "{} and {} share {shared} of the smaller set's {smaller} genes",
                    x.label, y.label
                ),
                format!("{a}; {b}"),
            );
        }
        Explanation::Unexplained
    }
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
