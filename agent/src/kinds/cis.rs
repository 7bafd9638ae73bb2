//! Per-gene correlation between two layers (copy number -> RNA -> protein). A cis finding
//! alone states no hypothesis; a gene whose copy number drives its RNA and whose RNA drives its
//! protein does (a cascade, chained across two analyses).

use super::follow::FollowUpContext;
use super::relations::{DirectionClasses, features};
use super::{Kind, PlotKind, Proposal, Question, QuestionKind};
use crate::assemble::PER_ANALYSIS;
use crate::chain::{ChainDraft, LinkCheck, LinkDraft, ledger_finding};
use crate::execute::{Context, ExecError, Produced, association, phospho};
use crate::hypothesis::{Candidate, Draft, ValidationKey, evidence, fmt_effect, fmt_p};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, Q_STRONG, TestRow};
use crate::profile::StudyProfile;
use datasets::synth::PlantedRelation;
use datasets::{LayerKind, Study};
use graph::{
    Claim, EntityClass, EntityKind, EntityRef, EvidenceRole, LinkDirection, Mention, Relation,
    RelationKind,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cis {
    pub source: String,
    pub target: String,
}

impl QuestionKind for Cis {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = false;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let find = |k: LayerKind| {
            profile
                .layers
                .iter()
                .find(|l| l.kind == k)
                .map(|l| l.name.clone())
        };
        let chain = [
            (find(LayerKind::CopyNumber), find(LayerKind::Rna)),
            (find(LayerKind::Rna), find(LayerKind::Proteome)),
            (find(LayerKind::CopyNumber), find(LayerKind::Proteome)),
        ];
        let mut out: Vec<Proposal> = chain
            .into_iter()
            .filter_map(|pair| match pair {
                (Some(source), Some(target)) => Some(Proposal {
                    question: Self { source, target }.into(),
                    priority: 0.7,
                    rationale: "dosage effects propagate from DNA to RNA to protein".into(),
                    layer: None,
                }),
                _ => None,
            })
            .collect();
        // Copy number on phosphosites, read with the protein held fixed (`execute`).
        if let (Some(source), Some(target), Some(_)) = (
            find(LayerKind::CopyNumber),
            find(LayerKind::Phosphosite),
            find(LayerKind::Proteome),
        ) {
            out.push(Proposal {
                question: Self { source, target }.into(),
                priority: 0.5,
                rationale: "does copy number change phosphorylation beyond protein abundance?"
                    .into(),
                layer: None,
            });
        }
        out
    }

    fn describe(&self) -> String {
        format!("{} -> {} in cis (same gene)", self.source, self.target)
    }

    /// Spearman per gene; on a phosphosite target of a study with a proteome, the site's
    /// regression on the source with its protein held fixed (phosphorylation beyond protein
    /// abundance: a site rises with its gene's copies simply because its protein does).
    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        match phospho::protein_layer_for(ctx.study, &self.target) {
            Some(protein) => {
                phospho::cis_beyond_protein(ctx, &self.source, &self.target, &protein.name)
            }
            None => association::cis(ctx, &self.source, &self.target),
        }
    }

    fn follow_ups(&self, _opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        Vec::new()
    }

    fn statement(&self, _draft: &mut Draft<'_>) -> Option<String> {
        None
    }

    fn chained(ledger: &Ledger) -> Vec<Candidate> {
        cascades(ledger)
    }

    /// Copy number, RNA and protein of one gene are one gene entity: a cis effect is a property
    /// of the gene, carried by the finding itself rather than by an edge to itself.
    fn claim(&self, _row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        None
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::Gene),
            RelationKind::CisRegulates,
            features(layers),
        )
    }

    fn subject(&self) -> Option<crate::coverage::Subject> {
        None
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        None
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        None
    }

    fn novelty(_h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        (
            0.3,
            "copy-number dosage effects in cis are well established".into(),
        )
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        0.4
    }

    fn plot(
        &self,
        _layers: &[String],
        variable: &str,
        _contrast: &str,
        gene: Option<&str>,
    ) -> Option<PlotKind> {
        let stripped = variable.strip_prefix(&format!("{} ", self.source));
        let gene = gene.or(stripped).unwrap_or(variable).to_owned();
        Some(PlotKind::Cis {
            source_feature: stripped.map_or_else(|| gene.clone(), str::to_owned),
            gene,
            source: self.source.clone(),
            target: self.target.clone(),
        })
    }

    fn matches_truth(
        &self,
        _study: &Study,
        key: &ValidationKey,
        planted: &PlantedRelation,
    ) -> bool {
        let PlantedRelation::CisCopyNumber { genes, .. } = planted else {
            return false;
        };
        let gene = datasets::FeatureId::from(key.feature.as_str())
            .gene_symbol()
            .to_owned();
        genes.contains(&gene)
    }
}

/// (analysis index, row index) in the ledger.
type RowRef = (usize, usize);

/// Genes whose copy number moves their RNA and their RNA moves their protein, both strongly.
fn cascades(ledger: &Ledger) -> Vec<Candidate> {
    use std::collections::HashMap;
    let mut by_pair: HashMap<(String, String), HashMap<String, (usize, usize)>> = HashMap::new();
    for (i, a) in ledger.analyses().iter().enumerate() {
        if let Question::Cis(Cis { source, target }) = &a.direction.question {
            let strong = ledger.strong_rows(i, Q_STRONG);
            let entry = by_pair.entry((source.clone(), target.clone())).or_default();
            for r in strong {
                if a.rows[r].effect > 0.0 {
                    entry.insert(a.rows[r].gene.clone(), (i, r));
                }
            }
        }
    }
    let mut out = Vec::new();
    let pairs: Vec<(String, String)> = by_pair.keys().cloned().collect();
    for (s1, t1) in &pairs {
        for (s2, t2) in &pairs {
            if t1 != s2 || s1 == t2 {
                continue;
            }
            let (Some(first), Some(second)) = (
                by_pair.get(&(s1.clone(), t1.clone())),
                by_pair.get(&(s2.clone(), t2.clone())),
            ) else {
                continue;
            };
            let mut genes: Vec<(&String, RowRef, RowRef)> = first
                .iter()
                .filter_map(|(g, a)| second.get(g).map(|b| (g, *a, *b)))
                .collect();
            genes.sort_by(|x, y| {
                let px =
                    ledger.analyses()[x.1.0].rows[x.1.1].p + ledger.analyses()[x.2.0].rows[x.2.1].p;
                let py =
                    ledger.analyses()[y.1.0].rows[y.1.1].p + ledger.analyses()[y.2.0].rows[y.2.1].p;
                px.total_cmp(&py)
            });
            for (gene, (i1, r1), (i2, r2)) in genes.into_iter().take(PER_ANALYSIS) {
                let a = &ledger.analyses()[i1].rows[r1];
                let b = &ledger.analyses()[i2].rows[r2];
                let statement = format!(
                    "Copy number of {gene} drives its own {t1} (rho {}, q={}) and its {t1} drives its {t2} (rho {}, q={}): a dosage effect that reaches the {t2}.",
                    fmt_effect(a.effect),
                    fmt_p(ledger.q(i1, r1)),
                    fmt_effect(b.effect),
                    fmt_p(ledger.q(i2, r2))
                );
                out.push(Candidate {
                    kind: Kind::Cis,
                    statement,
                    entities: vec![
                        Mention::Gene(gene.clone()),
                        Mention::feature(s1.clone(), gene.clone()),
                        Mention::feature(t1.clone(), gene.clone()),
                        Mention::feature(t2.clone(), gene.clone()),
                    ],
                    relations: vec![
                        Relation {
                            subject: Mention::feature(s1.clone(), gene.clone()),
                            relation: RelationKind::CisRegulates,
                            object: Mention::feature(t1.clone(), gene.clone()),
                        },
                        Relation {
                            subject: Mention::feature(t1.clone(), gene.clone()),
                            relation: RelationKind::CisRegulates,
                            object: Mention::feature(t2.clone(), gene.clone()),
                        },
                    ],
                    evidence: [
                        evidence(ledger, i1, r1, EvidenceRole::Cis),
                        evidence(ledger, i2, r2, EvidenceRole::Cis),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                    validation: ValidationKey {
                        question: ledger.analyses()[i2].direction.question.clone(),
                        feature: b.feature.clone(),
                        contrast: b.contrast.clone(),
                        effect_sign: 1.0,
                    },
                    chain: cascade_chain(ledger, gene, [(s1, t1, i1, r1), (t1, t2, i2, r2)]),
                });
            }
        }
    }
    out
}

/// The cascade as a chain: copy number -> RNA -> protein of one gene, each link its cis finding,
/// re-tested by asking the same cis question on held-out samples.
fn cascade_chain(
    ledger: &Ledger,
    gene: &str,
    links: [(&String, &String, usize, usize); 2],
) -> Option<ChainDraft> {
    let mut out = Vec::new();
    for (source, target, i, r) in links {
        let row = ledger.analyses().get(i)?.rows.get(r)?;
        out.push(LinkDraft {
            from: Mention::feature(source.clone(), gene.to_owned()),
            to: Mention::feature(target.clone(), gene.to_owned()),
            predicted: LinkDirection::of(row.effect),
            rationale: "dosage: more copies, more transcript, more protein".into(),
            discovery: ledger_finding(ledger, i, r)?,
            check: LinkCheck::Retest(ValidationKey {
                question: ledger.analyses()[i].direction.question.clone(),
                feature: row.feature.clone(),
                contrast: row.contrast.clone(),
                effect_sign: row.effect.signum(),
            }),
        });
    }
    let (first, last) = (&links[0].0, &links[1].1);
    let middle = &links[0].1;
    Some(ChainDraft {
        links: out,
        refutation: format!(
            "Partial correlation of {gene} {first} and {last} given its {middle}: the chain predicts it near zero (the dosage effect passes through {middle}); a strong residual correlation refutes {middle} as the route."
        ),
    })
}
