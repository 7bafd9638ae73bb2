//! The curated concept map (`graph/knowledge/concepts.toml`): common clinical concepts (MSI,
//! POLE, ER/PR, grade, histology, immune, hypoxia, EMT), the genes that textbooks tie to them with
//! a cited fact, the shipped gene sets around them, and which clinical variable names and levels
//! mean them. It lets the agent recognise "MLH1 lower in MSI-H" as the known cause, not a finding.

use crate::error::KnowledgeError;
use crate::knowledge::embedded::{CONCEPTS, CONCEPTS_FILE, parsed_once};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// Identifier of a concept (`mismatch_repair`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConceptId(String);

impl ConceptId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConceptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A textbook fact about one or more genes within a concept, with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub genes: Vec<String>,
    pub text: String,
    pub source: String,
}

/// A clinical concept and what is known about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub id: ConceptId,
    pub label: String,
    /// Why a finding about this concept matters, in one line.
    pub why: String,
    pub why_source: String,
    #[serde(default)]
    name_tokens: Vec<String>,
    #[serde(default)]
    name_substrings: Vec<String>,
    #[serde(default)]
    level_tokens: Vec<String>,
    #[serde(default)]
    level_substrings: Vec<String>,
    /// Core genes: a relation between one of them and the concept is known.
    pub genes: Vec<String>,
    pub genes_source: String,
    /// Keys of shipped gene sets (GO BP, WikiPathways, PROGENy) around the concept: a member is
    /// partly known.
    #[serde(default)]
    pub neighbourhood: Vec<String>,
    #[serde(default, rename = "fact")]
    pub facts: Vec<Fact>,
}

impl Concept {
    pub fn has_gene(&self, gene: &str) -> bool {
        self.genes.iter().any(|g| g == gene)
    }

    /// The fact naming `gene`, if the map has one.
    pub fn fact_for(&self, gene: &str) -> Option<&Fact> {
        self.facts
            .iter()
            .find(|f| f.genes.iter().any(|g| g == gene))
    }

    fn matches(tokens: &[String], substrings: &[String], text: &Normalized) -> bool {
        tokens.iter().any(|t| text.tokens.contains(t))
            || substrings.iter().any(|s| text.joined.contains(s.as_str()))
    }
}

/// Two concepts known to go together (MSI-H tumours are more immune-infiltrated).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConceptLink {
    pub concepts: [ConceptId; 2],
    pub text: String,
    pub source: String,
}

impl ConceptLink {
    /// The other end of the link, when `id` is one end.
    pub fn other(&self, id: &ConceptId) -> Option<&ConceptId> {
        match &self.concepts {
            [a, b] if a == id => Some(b),
            [a, b] if b == id => Some(a),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptFile {
    concept: Vec<Concept>,
    #[serde(default)]
    link: Vec<ConceptLink>,
}

/// A variable name or level, lower-cased and cut into alphanumeric tokens.
struct Normalized {
    tokens: Vec<String>,
    /// Tokens joined with `_`, for substring patterns.
    joined: String,
}

impl Normalized {
    fn new(text: &str) -> Self {
        let tokens: Vec<String> = text
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let joined = tokens.join("_");
        Self { tokens, joined }
    }
}

/// Lower-cased alphanumeric tokens of a clinical variable name (`MSI_status` -> msi, status).
pub fn name_tokens(name: &str) -> Vec<String> {
    Normalized::new(name).tokens
}

/// The parsed, validated concept map.
#[derive(Debug)]
pub struct ConceptMap {
    concepts: Vec<Concept>,
    links: Vec<ConceptLink>,
}

impl ConceptMap {
    /// The embedded `concepts.toml`, parsed once per process.
    pub fn embedded() -> Result<&'static ConceptMap, KnowledgeError> {
        static PARSED: OnceLock<Result<ConceptMap, String>> = OnceLock::new();
        parsed_once(&PARSED, CONCEPTS_FILE, || {
            ConceptMap::parse(CONCEPTS, CONCEPTS_FILE)
        })
    }

    /// Parses and checks the map: unique ids, every concept with genes and sources, every link
    /// between two known concepts.
    pub fn parse(text: &str, file: &'static str) -> Result<Self, KnowledgeError> {
        let parsed: ConceptFile = toml::from_str(text).map_err(|e| KnowledgeError::Format {
            file,
            line: e
                .span()
                .map_or(0, |span| text[..span.start].matches('\n').count() + 1),
            detail: e.message().to_owned(),
        })?;
        let invalid = |detail: String| KnowledgeError::Format {
            file,
            line: 0,
            detail,
        };
        let mut ids = HashSet::new();
        for c in &parsed.concept {
            if !ids.insert(&c.id) {
                return Err(invalid(format!("concept `{}` is defined twice", c.id)));
            }
            if c.genes.is_empty() || c.genes_source.trim().is_empty() || c.why.trim().is_empty() {
                return Err(invalid(format!(
                    "concept `{}` needs genes, genes_source and why",
                    c.id
                )));
            }
            if let Some(f) = c.facts.iter().find(|f| f.source.trim().is_empty()) {
                return Err(invalid(format!(
                    "a fact of concept `{}` has no source: {}",
                    c.id, f.text
                )));
            }
        }
        for link in &parsed.link {
            if let Some(unknown) = link.concepts.iter().find(|id| !ids.contains(id)) {
                return Err(invalid(format!("a link names unknown concept `{unknown}`")));
            }
        }
        Ok(Self {
            concepts: parsed.concept,
            links: parsed.link,
        })
    }

    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    pub fn links(&self) -> &[ConceptLink] {
        &self.links
    }

    pub fn get(&self, id: &ConceptId) -> Option<&Concept> {
        self.concepts.iter().find(|c| &c.id == id)
    }

    /// The concepts a clinical variable (and optionally one of its levels) stands for: by the
    /// variable name, or by the level whatever the variable is called
    /// (`Genomics_subtype` = `MSI-H`).
    pub fn matching(&self, variable: &str, level: Option<&str>) -> Vec<&Concept> {
        let name = Normalized::new(variable);
        let level = level.map(Normalized::new);
        self.concepts
            .iter()
            .filter(|c| {
                Concept::matches(&c.name_tokens, &c.name_substrings, &name)
                    || level
                        .as_ref()
                        .is_some_and(|l| Concept::matches(&c.level_tokens, &c.level_substrings, l))
            })
            .collect()
    }

    /// Links from `id` to other concepts, with the concept at the other end.
    pub fn linked(&self, id: &ConceptId) -> Vec<(&ConceptLink, &Concept)> {
        self.links
            .iter()
            .filter_map(|l| l.other(id).and_then(|o| self.get(o)).map(|o| (l, o)))
            .collect()
    }

    /// The link between two concepts, if the map has one.
    pub fn link_between(&self, a: &ConceptId, b: &ConceptId) -> Option<&ConceptLink> {
        self.links.iter().find(|l| l.other(a) == Some(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{GeneIndex, gene_sets};

    fn map() -> &'static ConceptMap {
        ConceptMap::embedded().expect("concepts.toml parses")
    }

    fn ids(variable: &str, level: Option<&str>) -> Vec<&'static str> {
        map()
            .matching(variable, level)
            .into_iter()
            .map(|c| c.id.as_str())
            .collect()
    }

    #[test]
    fn clinical_names_map_to_concepts() {
        assert_eq!(ids("MSI_status", None), ["mismatch_repair"]);
        assert_eq!(ids("POLE_subtype", None), ["polymerase_proofreading"]);
        assert_eq!(ids("Estrogen_Receptor", None), ["hormone_receptor"]);
        assert_eq!(ids("PR_PGR", None), ["hormone_receptor"]);
        assert_eq!(ids("Histologic_Grade_FIGO", None), ["proliferation"]);
        assert_eq!(ids("ESTIMATE_ImmuneScore", None), ["immune_infiltration"]);
        assert_eq!(ids("EPIC_CD8_Tcells", None), ["immune_infiltration"]);
        assert_eq!(ids("Pathway_activity_Hypoxia", None), ["hypoxia"]);
        assert_eq!(
            ids("Log2_variant_per_Mbp", None),
            ["polymerase_proofreading"]
        );
        assert_eq!(
            ids("Histologic_type", None),
            ["serous_like", "endometrioid"]
        );
        assert_eq!(ids("CNV_class", Some("CNV_HIGH")), ["serous_like"]);
        // A level names its concept under any variable name.
        assert_eq!(ids("Genomics_subtype", Some("MSI-H")), ["mismatch_repair"]);
        assert_eq!(
            ids("Genomics_subtype", Some("POLE")),
            ["polymerase_proofreading"]
        );
        assert!(ids("Genomics_subtype", Some("CNV_low")).is_empty());
        // Names that mean none of them.
        for name in [
            "Age",
            "BMI",
            "Tumor_purity",
            "FIGO_stage",
            "ESTIMATE_StromalScore",
            "Race",
        ] {
            assert!(ids(name, None).is_empty(), "{name}: {:?}", ids(name, None));
        }
    }

    #[test]
    fn every_gene_and_set_in_the_map_is_shipped() {
        // The map is hand-written: a typo in a symbol or set key would silently match nothing.
        let genes = GeneIndex::embedded().expect("genes");
        let mut keys: HashSet<String> = HashSet::new();
        for set in gene_sets::go_bp()
            .into_iter()
            .chain(gene_sets::wikipathways())
            .chain(gene_sets::progeny_sets())
            .flatten()
        {
            keys.insert(set.key);
        }
        for c in map().concepts() {
            for g in c.genes.iter().chain(c.facts.iter().flat_map(|f| &f.genes)) {
                assert!(
                    genes.get(g).is_some(),
                    "{}: `{g}` is not a current symbol",
                    c.id
                );
            }
            for f in &c.facts {
                assert!(
                    f.genes.iter().all(|g| c.has_gene(g)),
                    "{}: fact genes must be core genes",
                    c.id
                );
            }
            for key in &c.neighbourhood {
                assert!(keys.contains(key), "{}: no shipped set `{key}`", c.id);
            }
        }
    }

    #[test]
    fn links_and_facts() {
        let m = map();
        let msi = ConceptId("mismatch_repair".into());
        let immune = ConceptId("immune_infiltration".into());
        assert!(m.link_between(&msi, &immune).is_some());
        assert!(m.link_between(&immune, &msi).is_some());
        let linked: Vec<&str> = m.linked(&msi).iter().map(|(_, c)| c.id.as_str()).collect();
        assert!(linked.contains(&"immune_infiltration"));
        let fact = m
            .get(&msi)
            .and_then(|c| c.fact_for("MLH1"))
            .expect("MLH1 fact");
        assert!(fact.text.contains("promoter hypermethylation"));
        assert!(!fact.source.is_empty());
    }

    #[test]
    fn malformed_maps_are_errors_naming_the_problem() {
        let err = ConceptMap::parse("[[concept]]\nid = 3\n", "t.toml").unwrap_err();
        assert!(err.to_string().starts_with("t.toml line 2"), "{err}");
        let one = "[[concept]]\nid = \"a\"\nlabel = \"A\"\nwhy = \"w\"\nwhy_source = \"s\"\n\
                   genes = [\"X\"]\ngenes_source = \"s\"\n";
        let err = ConceptMap::parse(&format!("{one}{one}"), "t.toml").unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
        let link = "[[link]]\nconcepts = [\"a\", \"b\"]\ntext = \"t\"\nsource = \"s\"\n";
        let err = ConceptMap::parse(&format!("{one}{link}"), "t.toml").unwrap_err();
        assert!(err.to_string().contains("unknown concept `b`"), "{err}");
        let unsourced = one.replace("genes_source = \"s\"", "genes_source = \" \"");
        assert!(ConceptMap::parse(&unsourced, "t.toml").is_err());
    }
}
