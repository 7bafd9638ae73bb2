//! Importing prior knowledge into a store: genes as entity nodes, gene sets and pathways as
//! entity nodes with prior `member_of` edges (PROGENy edges carry the response weight). One
//! transaction for everything; each source is recorded in the store's meta table with the hash
//! of its file, so importing again is a no-op and a new file version is added on top.

use crate::error::Result;
use crate::ids::EntityId;
use crate::knowledge::embedded::{EmbeddedFile, GENES, GO_BP, PROGENY, WIKIPATHWAYS};
use crate::knowledge::gene_sets::{GeneSetDef, go_bp, progeny_key, progeny_model, wikipathways};
use crate::knowledge::{GeneIndex, GeneResolution};
use crate::model::{EdgeKind, EntityKind, KnowledgeSource, RelationKind};
use crate::research_graph::ResearchGraph;
use crate::resolve::{Canonical, gene_attrs};
use crate::staging::Staging;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;

/// Which knowledge files to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnowledgeSelection {
    /// All 42,815 genes as nodes (otherwise genes appear as sets or data mention them).
    pub genes: bool,
    pub go_bp: bool,
    pub wikipathways: bool,
    pub progeny: bool,
}

impl KnowledgeSelection {
    pub fn all() -> Self {
        Self {
            genes: true,
            go_bp: true,
            wikipathways: true,
            progeny: true,
        }
    }

    /// Only the small pathway files (quick; enough for novelty checks on pathways).
    pub fn pathways() -> Self {
        Self {
            genes: false,
            go_bp: false,
            wikipathways: true,
            progeny: true,
        }
    }
}

/// What one source contributed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceReport {
    pub source: KnowledgeSource,
    /// Already in the store with the same file hash; nothing was done.
    pub already_imported: bool,
    pub entities_added: usize,
    pub edges_added: usize,
    /// Member symbols that no current gene (or several) answers to; left out.
    pub unresolved_members: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub sources: Vec<SourceReport>,
    pub elapsed_ms: u128,
}

fn meta_key(source: KnowledgeSource) -> String {
    format!("knowledge.{}", source.as_str())
}

impl ResearchGraph {
    /// Imports the selected knowledge files (idempotent; see module docs).
    pub fn import_knowledge(&mut self, selection: KnowledgeSelection) -> Result<ImportReport> {
        let started = Instant::now();
        let genes = Self::genes()?;
        let mut wanted: Vec<(KnowledgeSource, EmbeddedFile)> = Vec::new();
        if selection.genes {
            wanted.push((KnowledgeSource::NcbiGene, GENES));
        }
        if selection.go_bp {
            wanted.push((KnowledgeSource::GoBp, GO_BP));
        }
        if selection.wikipathways {
            wanted.push((KnowledgeSource::WikiPathways, WIKIPATHWAYS));
        }
        if selection.progeny {
            wanted.push((KnowledgeSource::Progeny, PROGENY));
        }

        let mut report = self.write(|g| g.stage_knowledge(genes, wanted))?;
        report.elapsed_ms = started.elapsed().as_millis();
        Ok(report)
    }

    /// Stages the sources not yet imported (checked against the store's meta under the write
    /// lock, so two processes opening a fresh store import each source once).
    fn stage_knowledge(
        &self,
        genes: &GeneIndex,
        wanted: Vec<(KnowledgeSource, EmbeddedFile)>,
    ) -> Result<(crate::store::ChangeSet, ImportReport)> {
        let mut report = ImportReport::default();
        let mut st = Staging::new(&self.mem, genes);
        let mut gene_ids: HashMap<String, Option<EntityId>> = HashMap::new();
        for (source, file) in wanted {
            let hash = file.sha256();
            if self.meta(&meta_key(source)) == Some(hash.as_str()) {
                report.sources.push(SourceReport {
                    source,
                    already_imported: true,
                    entities_added: 0,
                    edges_added: 0,
                    unresolved_members: 0,
                });
                continue;
            }
            let (nodes_before, edges_before) = (st.cs.nodes.len(), st.cs.edges.len());
            let unresolved = match source {
                KnowledgeSource::NcbiGene => {
                    import_genes(&mut st, genes);
                    0
                }
                KnowledgeSource::GoBp => import_sets(&mut st, &mut gene_ids, go_bp()?, source),
                KnowledgeSource::WikiPathways => {
                    import_sets(&mut st, &mut gene_ids, wikipathways()?, source)
                }
                KnowledgeSource::Progeny => import_progeny(&mut st, &mut gene_ids)?,
                KnowledgeSource::Nomenclature => 0,
            };
            st.cs.meta.push((meta_key(source), hash));
            report.sources.push(SourceReport {
                source,
                already_imported: false,
                entities_added: st.cs.nodes.len() - nodes_before,
                edges_added: st.cs.edges.len() - edges_before,
                unresolved_members: unresolved,
            });
        }
        Ok((st.finish().0, report))
    }
}

fn gene_canonical(gene: &crate::knowledge::GeneRecord) -> Canonical {
    Canonical {
        kind: EntityKind::Gene,
        key: gene.symbol.clone(),
        label: gene.name.clone(),
        attrs: gene_attrs(gene),
        parent: None,
        note: None,
    }
}

fn import_genes(st: &mut Staging<'_>, genes: &GeneIndex) {
    for gene in genes.genes() {
        st.canonical(&gene_canonical(gene));
    }
}

/// The entity of a member symbol, resolved through aliases; `None` when unresolvable.
fn member(
    st: &mut Staging<'_>,
    cache: &mut HashMap<String, Option<EntityId>>,
    symbol: &str,
) -> Option<EntityId> {
    if let Some(hit) = cache.get(symbol) {
        return *hit;
    }
    let id = match st.genes().resolve(symbol) {
        GeneResolution::Resolved { gene, .. } => Some(st.canonical(&gene_canonical(gene))),
        GeneResolution::Ambiguous { .. } | GeneResolution::Unknown => None,
    };
    cache.insert(symbol.to_owned(), id);
    id
}

fn set_entity(st: &mut Staging<'_>, set: &GeneSetDef) -> EntityId {
    st.canonical(&Canonical {
        kind: EntityKind::GeneSet,
        key: set.key.clone(),
        label: set.label.clone(),
        attrs: json!({"source": set.source, "size": set.members.len()}),
        parent: None,
        note: None,
    })
}

fn import_sets(
    st: &mut Staging<'_>,
    cache: &mut HashMap<String, Option<EntityId>>,
    sets: Vec<GeneSetDef>,
    source: KnowledgeSource,
) -> usize {
    let mut unresolved = 0;
    for set in &sets {
        let set_id = set_entity(st, set);
        for symbol in &set.members {
            match member(st, cache, symbol) {
                Some(gene) => {
                    st.edge(
                        gene.node(),
                        set_id.node(),
                        EdgeKind::Relation(RelationKind::MemberOf),
                        Some(source),
                        None,
                    );
                }
                None => unresolved += 1,
            }
        }
    }
    unresolved
}

fn import_progeny(
    st: &mut Staging<'_>,
    cache: &mut HashMap<String, Option<EntityId>>,
) -> Result<usize> {
    let mut unresolved = 0;
    let model = progeny_model()?;
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for w in &model {
        *sizes.entry(w.pathway.as_str()).or_default() += 1;
    }
    for w in &model {
        let set = GeneSetDef {
            source: KnowledgeSource::Progeny,
            key: progeny_key(&w.pathway),
            label: w.pathway.clone(),
            members: Vec::new(),
        };
        let set_id = st.canonical(&Canonical {
            kind: EntityKind::GeneSet,
            key: set.key,
            label: set.label,
            attrs: json!({
                "source": KnowledgeSource::Progeny,
                "size": sizes.get(w.pathway.as_str()).copied().unwrap_or_default(),
            }),
            parent: None,
            note: None,
        });
        match member(st, cache, &w.gene) {
            Some(gene) => {
                st.edge(
                    gene.node(),
                    set_id.node(),
                    EdgeKind::Relation(RelationKind::MemberOf),
                    Some(KnowledgeSource::Progeny),
                    Some(w.weight),
                );
            }
            None => unresolved += 1,
        }
    }
    Ok(unresolved)
}
