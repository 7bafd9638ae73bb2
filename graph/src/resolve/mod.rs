//! Entity resolution: turns a caller's name for an entity ([`EntityRef`]) into its canonical
//! identity (kind + key), plus the parent it belongs to by name (a site's gene) and a note when
//! the name was translated, ambiguous or unknown. Names are never dropped: an unresolvable gene
//! still gets a node, marked unresolved, so no finding is lost.

pub mod feature;
pub mod mirna;

use crate::error::GraphError;
use crate::knowledge::{GeneIndex, GeneMatch, GeneResolution};
use crate::model::{EntityKind, EntityRef, RelationKind};
use feature::{ACETYL_RESIDUES, PHOSPHO_RESIDUES, split_site};
use serde::Serialize;
use serde_json::{Value, json};

/// A resolved entity identity, ready to be looked up or created.
#[derive(Clone, Debug, PartialEq)]
pub struct Canonical {
    pub kind: EntityKind,
    pub key: String,
    pub label: String,
    pub attrs: Value,
    /// The entity this one belongs to by naming, and the relation linking them.
    pub parent: Option<(Box<Canonical>, RelationKind)>,
    pub note: Option<ResolutionNote>,
}

impl Canonical {
    fn plain(kind: EntityKind, key: String) -> Self {
        Self {
            kind,
            label: key.clone(),
            key,
            attrs: json!({}),
            parent: None,
            note: None,
        }
    }

    /// Notes of this entity and its parents.
    pub fn notes(&self) -> Vec<ResolutionNote> {
        let mut out = Vec::new();
        let mut current = Some(self);
        while let Some(c) = current {
            out.extend(c.note.clone());
            current = c.parent.as_ref().map(|(p, _)| p.as_ref());
        }
        out
    }
}

/// Something worth telling the caller about how a name was resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolutionNote {
    pub query: String,
    pub kind: EntityKind,
    /// The key the entity got.
    pub key: String,
    pub issue: ResolutionIssue,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
pub enum ResolutionIssue {
    /// Found under another name or id (outdated symbol, Entrez, UniProt ...).
    Translated { via: GeneMatch },
    /// The name is a current symbol and also another gene's alias; the symbol was taken.
    PreferredSymbol { also_alias_of: Vec<String> },
    /// Several genes claim the name; the entity keeps the name as given, unresolved.
    Ambiguous { candidates: Vec<String> },
    /// No gene has this name; the entity keeps the name as given, unresolved.
    Unknown,
}

fn non_empty(name: &str) -> Result<&str, GraphError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(GraphError::InvalidEntity {
            name: name.to_owned(),
            reason: "empty name".into(),
        });
    }
    Ok(trimmed)
}

/// Resolves a reference to its canonical identity.
pub fn canonicalize(entity: &EntityRef, genes: &GeneIndex) -> Result<Canonical, GraphError> {
    match entity {
        EntityRef::Gene(name) => Ok(gene(non_empty(name)?, genes)),
        EntityRef::Phosphosite(id) => site(
            id,
            EntityKind::Phosphosite,
            PHOSPHO_RESIDUES,
            genes,
            "expected GENE-S123, GENE-T123 or GENE-Y123",
        ),
        EntityRef::Acetylsite(id) => site(
            id,
            EntityKind::Acetylsite,
            ACETYL_RESIDUES,
            genes,
            "expected GENE-K123",
        ),
        EntityRef::Mutation(name) => {
            let name = non_empty(name)?;
            let gene_part = name.split_once("_p.").map_or(name, |(g, _)| g);
            let parent = gene(non_empty(gene_part)?, genes);
            let mut c = Canonical::plain(EntityKind::Mutation, parent.key.clone());
            c.label = format!("{} mutation", parent.key);
            c.parent = Some((Box::new(parent), RelationKind::MutationOf));
            Ok(c)
        }
        EntityRef::Mirna(name) => {
            let name = non_empty(name)?;
            let mut c = Canonical::plain(EntityKind::Mirna, name.to_owned());
            if let Some(host) = mirna::host_gene(name, genes) {
                c.parent = Some((Box::new(gene(&host.symbol, genes)), RelationKind::EncodedBy));
            }
            Ok(c)
        }
        EntityRef::ClinicalLevel { variable, level } => {
            let variable = non_empty(variable)?;
            let level = non_empty(level)?;
            let parent = Canonical::plain(EntityKind::ClinicalVariable, variable.to_owned());
            let mut c = Canonical::plain(EntityKind::ClinicalLevel, format!("{variable}={level}"));
            c.parent = Some((Box::new(parent), RelationKind::LevelOf));
            Ok(c)
        }
        EntityRef::ClinicalVariable(name)
        | EntityRef::GeneSet(name)
        | EntityRef::SampleGroup(name)
        | EntityRef::Study(name) => {
            Ok(Canonical::plain(entity.kind(), non_empty(name)?.to_owned()))
        }
    }
}

/// Canonical gene: current symbol when resolvable, else the name as given, marked unresolved.
pub fn gene(name: &str, genes: &GeneIndex) -> Canonical {
    let note = |key: &str, issue| ResolutionNote {
        query: name.to_owned(),
        kind: EntityKind::Gene,
        key: key.to_owned(),
        issue,
    };
    match genes.resolve(name) {
        GeneResolution::Resolved {
            gene,
            via,
            also_alias_of,
        } => {
            let mut c = Canonical::plain(EntityKind::Gene, gene.symbol.clone());
            c.label = gene.name.clone();
            c.attrs = gene_attrs(gene);
            c.note = if !also_alias_of.is_empty() {
                Some(note(
                    &gene.symbol,
                    ResolutionIssue::PreferredSymbol {
                        also_alias_of: also_alias_of.into_iter().map(str::to_owned).collect(),
                    },
                ))
            } else if via != GeneMatch::Symbol {
                Some(note(&gene.symbol, ResolutionIssue::Translated { via }))
            } else {
                None
            };
            c
        }
        GeneResolution::Ambiguous { candidates, .. } => {
            let mut c = Canonical::plain(EntityKind::Gene, name.to_owned());
            c.attrs = json!({"resolved": false, "candidates": candidates});
            c.note = Some(note(
                name,
                ResolutionIssue::Ambiguous {
                    candidates: candidates.into_iter().map(str::to_owned).collect(),
                },
            ));
            c
        }
        GeneResolution::Unknown => {
            let mut c = Canonical::plain(EntityKind::Gene, name.to_owned());
            c.attrs = json!({"resolved": false});
            c.note = Some(note(name, ResolutionIssue::Unknown));
            c
        }
    }
}

/// Facts kept on a gene node (the full record stays in the embedded index).
pub fn gene_attrs(gene: &crate::knowledge::GeneRecord) -> Value {
    json!({
        "resolved": true,
        "entrez": gene.entrez,
        "gene_type": gene.gene_type,
        "chromosome": gene.chromosome,
    })
}

fn site(
    id: &str,
    kind: EntityKind,
    residues: &[char],
    genes: &GeneIndex,
    expected: &str,
) -> Result<Canonical, GraphError> {
    let (gene_part, position) =
        split_site(id, residues).ok_or_else(|| GraphError::InvalidEntity {
            name: id.to_owned(),
            reason: expected.to_owned(),
        })?;
    let parent = gene(gene_part, genes);
    let mut c = Canonical::plain(kind, format!("{}-{position}", parent.key));
    c.parent = Some((Box::new(parent), RelationKind::SiteOf));
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(e: EntityRef) -> Canonical {
        canonicalize(&e, GeneIndex::embedded().unwrap()).unwrap()
    }

    #[test]
    fn sites_take_the_current_gene_symbol() {
        // CTGF is the outdated symbol of CCN2.
        let c = canon(EntityRef::Phosphosite("CTGF-S100".into()));
        assert_eq!(c.key, "CCN2-S100");
        let (parent, rel) = c.parent.clone().unwrap();
        assert_eq!(parent.key, "CCN2");
        assert_eq!(rel, RelationKind::SiteOf);
        assert_eq!(c.notes().len(), 1);
        assert!(matches!(
            c.notes()[0].issue,
            ResolutionIssue::Translated {
                via: GeneMatch::Alias
            }
        ));
    }

    #[test]
    fn malformed_or_empty_names_are_errors() {
        let genes = GeneIndex::embedded().unwrap();
        assert!(canonicalize(&EntityRef::Phosphosite("PTEN".into()), genes).is_err());
        assert!(canonicalize(&EntityRef::Gene("  ".into()), genes).is_err());
    }

    #[test]
    fn levels_and_mutations_have_parents() {
        let level = canon(EntityRef::clinical_level("stage", "III"));
        assert_eq!(level.key, "stage=III");
        assert_eq!(level.parent.unwrap().0.kind, EntityKind::ClinicalVariable);
        let m = canon(EntityRef::Mutation("TP53_p.R175H".into()));
        assert_eq!(m.key, "TP53");
        assert_eq!(m.parent.unwrap().1, RelationKind::MutationOf);
    }

    #[test]
    fn unknown_gene_keeps_its_name_and_says_so() {
        let c = canon(EntityRef::gene("NOT_A_GENE_XYZ"));
        assert_eq!(c.key, "NOT_A_GENE_XYZ");
        assert_eq!(c.attrs["resolved"], false);
        assert_eq!(c.note.unwrap().issue, ResolutionIssue::Unknown);
    }
}
