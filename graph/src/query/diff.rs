//! What changed between two runs of a study: which hypotheses are new, which were lost, and which
//! held up better or worse. A rerun with another budget, seed or planner rewords and re-ranks its
//! hypotheses, so they are matched by what they are about, not by text or rank (see
//! [`ResearchGraph::hypothesis_key`]).

use crate::error::{GraphError, Result};
use crate::ids::{EntityId, FindingId, HypothesisId, RunId};
use crate::model::{
    EdgeKind, EntityRef, Finding, HypothesisRecord, Node, ProcessKind, ReplicationStatus,
};
use crate::research_graph::ResearchGraph;
use crate::resolve::canonicalize;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A change of the total score larger than this counts as stronger or weaker. Totals are in
/// [0, 1] and are rounded noise below a few hundredths (a rerun on a different split moves
/// reliability a little); 0.05 is about a tenth of the spread between a run's best and worst
/// hypotheses, so smaller moves are reported as unchanged rather than drowning the real ones.
pub const SCORE_CHANGE: f64 = 0.05;

/// Question kinds (as the agent names them in the score JSON) whose hypotheses chain several
/// findings of equal standing rather than growing from one primary finding.
pub const CHAINED_KINDS: [&str; 1] = ["cis"];

/// One hypothesis matched across two runs (or present in only one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HypothesisChange {
    /// The identity key both runs' hypotheses share.
    pub key: String,
    /// Kind of question the hypothesis answers (`mutation_impact`, ...), from its score JSON.
    pub kind: Option<String>,
    /// The statement in `to` when the hypothesis is there, else in `from`.
    pub statement: String,
    pub from_id: Option<HypothesisId>,
    pub to_id: Option<HypothesisId>,
    pub from_rank: Option<u64>,
    pub to_rank: Option<u64>,
    pub score_before: Option<f64>,
    pub score_after: Option<f64>,
    /// After minus before, when both runs scored it.
    pub score_delta: Option<f64>,
    /// Replication as the agent recorded it.
    pub replication_before: Option<ReplicationStatus>,
    pub replication_after: Option<ReplicationStatus>,
}

/// The hypotheses of `to` compared with those of `from`. Every hypothesis of `to` is in exactly
/// one of `new`, `strengthened`, `weakened`, `unchanged`; every hypothesis of `from` in exactly
/// one of `lost`, `strengthened`, `weakened`, `unchanged`. Each list is in `to`'s rank order
/// (`lost` in `from`'s).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunDiff {
    pub from: RunId,
    pub to: RunId,
    /// The score change threshold used, so a reader can tell what "unchanged" means.
    pub score_threshold: f64,
    pub new: Vec<HypothesisChange>,
    pub lost: Vec<HypothesisChange>,
    pub strengthened: Vec<HypothesisChange>,
    pub weakened: Vec<HypothesisChange>,
    pub unchanged: Vec<HypothesisChange>,
}

/// Where a hypothesis of `to` lands.
enum Category {
    New,
    Strengthened,
    Weakened,
    Unchanged,
}

/// Rank order: ranked first by rank, then unranked, ties by id.
type RankOrder = (bool, Option<u64>, HypothesisId);

/// What the diff reads of one hypothesis.
struct Side<'g> {
    id: HypothesisId,
    h: &'g HypothesisRecord,
    rank: Option<u64>,
    total: Option<f64>,
    replication: Option<ReplicationStatus>,
}

impl<'g> Side<'g> {
    fn of(id: HypothesisId, h: &'g HypothesisRecord) -> Self {
        Self {
            id,
            h,
            rank: Some(h.hypothesis.rank as u64).filter(|&r| r > 0),
            total: Some(h.hypothesis.score.total).filter(|t| t.is_finite()),
            replication: Some(h.hypothesis.replication.status),
        }
    }

    fn replicated(&self) -> bool {
        self.replication == Some(ReplicationStatus::Replicated)
    }

    /// Rank order, unranked last, ties by id.
    fn order(&self) -> RankOrder {
        (self.rank.is_none(), self.rank, self.id)
    }
}

fn kind_of(h: &HypothesisRecord) -> Option<String> {
    Some(h.hypothesis.kind.clone()).filter(|k| !k.is_empty())
}

fn change(key: &str, from: Option<&Side<'_>>, to: Option<&Side<'_>>) -> HypothesisChange {
    let latest = to.or(from);
    HypothesisChange {
        key: key.to_owned(),
        kind: latest.and_then(|s| kind_of(s.h)),
        statement: latest
            .map(|s| s.h.hypothesis.statement.clone())
            .unwrap_or_default(),
        from_id: from.map(|s| s.id),
        to_id: to.map(|s| s.id),
        from_rank: from.and_then(|s| s.rank),
        to_rank: to.and_then(|s| s.rank),
        score_before: from.and_then(|s| s.total),
        score_after: to.and_then(|s| s.total),
        score_delta: from
            .and_then(|f| f.total)
            .zip(to.and_then(|t| t.total))
            .map(|(before, after)| after - before),
        replication_before: from.and_then(|s| s.replication),
        replication_after: to.and_then(|s| s.replication),
    }
}

impl ResearchGraph {
    /// Hypotheses recorded by a run, in rank order.
    fn run_hypotheses(&self, run: RunId) -> Vec<Side<'_>> {
        let mut out: Vec<Side<'_>> = self
            .mem
            .g
            .node_weights()
            .filter_map(|slot| match &slot.node {
                Node::Hypothesis(h) if h.run == run => {
                    Some(Side::of(HypothesisId::from_node(slot.id), h))
                }
                _ => None,
            })
            .collect();
        out.sort_by_key(Side::order);
        out
    }

    /// Findings supporting a hypothesis, in id (recording) order.
    fn supporting_findings(&self, id: HypothesisId) -> Vec<FindingId> {
        let Some(ix) = self.mem.index(id.node()) else {
            return Vec::new();
        };
        let g = &self.mem.g;
        let mut out: Vec<FindingId> = g
            .edges_directed(ix, Incoming)
            .filter(|e| e.weight().kind == EdgeKind::Process(ProcessKind::Supports))
            .filter_map(|e| g.node_weight(e.source()))
            .filter(|slot| matches!(slot.node, Node::Finding(_)))
            .map(|slot| FindingId::from_node(slot.id))
            .collect();
        out.sort();
        out
    }

    /// Entities a hypothesis is recorded as concerning, as sorted `kind:key` labels.
    fn concerned_entities(&self, id: HypothesisId) -> Vec<String> {
        let Some(ix) = self.mem.index(id.node()) else {
            return Vec::new();
        };
        let g = &self.mem.g;
        let labels: BTreeSet<String> = g
            .edges_directed(ix, Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::Process(ProcessKind::Concerns))
            .filter_map(|e| g.node_weight(e.target()))
            .filter_map(|slot| match &slot.node {
                Node::Entity(e) => Some(format!("{}:{}", e.kind.as_str(), e.key)),
                _ => None,
            })
            .collect();
        labels.into_iter().collect()
    }

    /// What a finding is about, as text: layer, the feature's canonical entity (so an alias or
    /// an outdated symbol in another release of the data cannot split a match), the variable and
    /// contrast tested, and the sign of the effect.
    fn finding_label(&self, f: &Finding) -> String {
        let feature = Self::genes()
            .and_then(|genes| canonicalize(&EntityRef::from_feature(&f.feature), genes))
            .map(|c| format!("{}:{}", c.kind.as_str(), c.key))
            .unwrap_or_else(|_| f.feature.as_str().to_owned());
        format!(
            "{}|{feature}|{}|{}|{}",
            f.layer,
            f.variable,
            f.contrast.as_deref().unwrap_or(""),
            f.direction.as_str()
        )
    }

    /// The identity of a hypothesis across runs of one study.
    ///
    /// Statements are reworded (numbers change with the samples, an LLM may rewrite them) and
    /// ranks move with every rerun, so neither can match hypotheses. What stays fixed is what the
    /// hypothesis is about: the agent builds each one from a single primary finding, and the
    /// question kind plus that finding's layer, feature (as its canonical entity), variable,
    /// contrast and effect sign say what it claims. The primary is the earliest-recorded
    /// supporting finding: follow-ups that add mechanism, adjustment or pathway evidence run after
    /// the analysis whose finding opened them, and which follow-ups ran depends on the budget, so
    /// only the primary is used.
    ///
    /// The finding's fields are used rather than the entity relation (claim) it supports because
    /// a finding only gets a claim when it was strong at the time it was recorded, before the
    /// run's final q-values; the same primary can carry a claim in one run and not in another.
    /// The effect sign is part of the key: a reversal between runs is a different claim (one lost
    /// and one new), not a weaker version of the same one. The layer is kept because a protein and
    /// its RNA are one gene entity but different hypotheses.
    ///
    /// Kinds that chain findings of equal standing ([`CHAINED_KINDS`]: a copy-number -> RNA ->
    /// protein cascade) have no single primary, and which link is recorded first depends on the
    /// order of exploration, so they are keyed by all their supporting findings. A hypothesis
    /// without supporting findings (recorded by another tool) falls back on the entities it
    /// concerns, and only as a last resort on its statement.
    pub fn hypothesis_key(&self, id: HypothesisId) -> Option<String> {
        let h = self.hypothesis(id)?;
        let kind = kind_of(h).unwrap_or_else(|| "unknown".to_owned());
        let findings: Vec<&Finding> = self
            .supporting_findings(id)
            .into_iter()
            .filter_map(|f| self.finding(f))
            .collect();
        if CHAINED_KINDS.contains(&kind.as_str()) && !findings.is_empty() {
            let labels: BTreeSet<String> = findings.iter().map(|f| self.finding_label(f)).collect();
            let labels: Vec<String> = labels.into_iter().collect();
            return Some(format!("{kind}|{}", labels.join("+")));
        }
        if let Some(primary) = findings.first() {
            return Some(format!("{kind}|{}", self.finding_label(primary)));
        }
        let concerns = self.concerned_entities(id);
        if !concerns.is_empty() {
            return Some(format!("{kind}|{}", concerns.join("+")));
        }
        Some(format!(
            "{kind}|statement:{}",
            h.hypothesis.statement.trim()
        ))
    }

    /// Compares the hypotheses of two runs (normally of the same study, `from` the earlier).
    ///
    /// A matched hypothesis is stronger or weaker when its total score moved by more than
    /// [`SCORE_CHANGE`] or when it gained or lost replication on held-out samples; a change of
    /// replication decides the direction even against a small score move, because it is the
    /// stronger statement about whether the hypothesis holds. When one run has several
    /// hypotheses with one key (rare: two cascades of one gene), they are paired in rank order
    /// and the rest count as new or lost.
    pub fn diff_runs(&self, from: RunId, to: RunId) -> Result<RunDiff> {
        for run in [from, to] {
            if self.run(run).is_none() {
                return Err(GraphError::UnknownRun(run));
            }
        }
        let keyed = |run| -> BTreeMap<String, Vec<Side<'_>>> {
            let mut map: BTreeMap<String, Vec<Side<'_>>> = BTreeMap::new();
            for side in self.run_hypotheses(run) {
                if let Some(key) = self.hypothesis_key(side.id) {
                    map.entry(key).or_default().push(side);
                }
            }
            map
        };
        let mut before = keyed(from);
        let after = keyed(to);
        let mut diff = RunDiff {
            from,
            to,
            score_threshold: SCORE_CHANGE,
            new: Vec::new(),
            lost: Vec::new(),
            strengthened: Vec::new(),
            weakened: Vec::new(),
            unchanged: Vec::new(),
        };
        // (order in `to`, change) so each list can be put in rank order at the end.
        let mut placed: Vec<(RankOrder, Category, HypothesisChange)> = Vec::new();
        for (key, sides) in &after {
            let mut olds = before.remove(key).unwrap_or_default().into_iter();
            for side in sides {
                let old = olds.next();
                let entry = change(key, old.as_ref(), Some(side));
                let bucket = match &old {
                    None => Category::New,
                    Some(old) => match (old.replicated(), side.replicated()) {
                        (false, true) => Category::Strengthened,
                        (true, false) => Category::Weakened,
                        _ => match entry.score_delta {
                            Some(d) if d > SCORE_CHANGE => Category::Strengthened,
                            Some(d) if d < -SCORE_CHANGE => Category::Weakened,
                            _ => Category::Unchanged,
                        },
                    },
                };
                placed.push((side.order(), bucket, entry));
            }
            for old in olds {
                diff.lost.push(change(key, Some(&old), None));
            }
        }
        for (key, olds) in &before {
            for old in olds {
                diff.lost.push(change(key, Some(old), None));
            }
        }
        placed.sort_by_key(|(order, ..)| *order);
        for (_, bucket, entry) in placed {
            match bucket {
                Category::New => diff.new.push(entry),
                Category::Strengthened => diff.strengthened.push(entry),
                Category::Weakened => diff.weakened.push(entry),
                Category::Unchanged => diff.unchanged.push(entry),
            }
        }
        diff.lost
            .sort_by_key(|c| (c.from_rank.is_none(), c.from_rank, c.from_id));
        Ok(diff)
    }

    /// Studies whose data a run used: through its own analyses and through the findings its
    /// hypotheses rest on (a run may reuse an identical earlier analysis instead of recording
    /// its own, so its hypotheses can cite another run's findings of the same study).
    pub fn studies_of_run(&self, run: RunId) -> BTreeSet<EntityId> {
        let mut studies = BTreeSet::new();
        for slot in self.mem.g.node_weights() {
            match &slot.node {
                Node::Analysis(a) if a.run == run => {
                    studies.insert(a.study);
                }
                Node::Hypothesis(h) if h.run == run => {
                    for f in self.supporting_findings(HypothesisId::from_node(slot.id)) {
                        if let Some(a) = self.finding(f).and_then(|f| self.analysis(f.analysis)) {
                            studies.insert(a.study);
                        }
                    }
                }
                _ => {}
            }
        }
        studies
    }

    /// The latest earlier run that used data of a study `run` used, for "what changed since
    /// last time". Run ids grow with time (the store assigns them in order), so "earlier" is a
    /// smaller id; a run that recorded nothing yet shares no study and has no predecessor.
    pub fn previous_run_of_same_study(&self, run: RunId) -> Option<RunId> {
        let studies = self.studies_of_run(run);
        if studies.is_empty() {
            return None;
        }
        let mut earlier: Vec<RunId> = self.runs().map(|r| r.id).filter(|r| *r < run).collect();
        earlier.sort();
        earlier
            .into_iter()
            .rev()
            .find(|r| !self.studies_of_run(*r).is_disjoint(&studies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntityRef, HypothesisStatus, RelationKind};
    use crate::write::{Claim, NewAnalysis, NewFinding, NewHypothesis};
    use crate::{InputFile, RecordedAnalysis};
    use datasets::{FeatureId, SampleId};
    use serde_json::json;

    fn analysis(run: RunId, study: &str, step: u32) -> NewAnalysis {
        NewAnalysis {
            run,
            study: study.into(),
            direction: None,
            module: "mutation_impact".into(),
            params: json!({ "step": step, "run": run.get() }),
            input_layers: vec!["proteomics".into()],
            sample_set: (1..=12).map(|i| SampleId::new(format!("S{i}"))).collect(),
            inputs: vec![InputFile {
                path: "proteomics.tsv".into(),
                sha256: "a".repeat(64),
            }],
            software_version: "test".into(),
            derived_from: Vec::new(),
        }
    }

    /// `gene` protein lower (effect < 0) or higher in `mutation`-mutated tumours.
    fn finding(gene: &str, mutation: &str, effect: f64) -> NewFinding {
        NewFinding {
            layer: "proteomics".into(),
            feature: FeatureId::new(gene),
            variable: format!("{mutation} mutation"),
            contrast: Some("mutated vs wild-type".into()),
            test: crate::TestKind::WelchT,
            statistic: effect * 3.0,
            effect,
            ci_low: None,
            ci_high: None,
            p: 1e-4,
            q: Some(1e-3),
            n: 12,
            warning: None,
            claim: Some(Claim {
                subject: EntityRef::gene(gene),
                relation: if effect < 0.0 {
                    RelationKind::LowerIn
                } else {
                    RelationKind::HigherIn
                },
                object: EntityRef::Mutation(mutation.into()),
            }),
        }
    }

    fn hypothesis(
        run: RunId,
        statement: &str,
        rank: u64,
        total: f64,
        replication: &str,
        supported_by: Vec<FindingId>,
    ) -> NewHypothesis {
        NewHypothesis {
            run,
            hypothesis: crate::model::Hypothesis {
                id: format!("H{rank}"),
                rank: rank as usize,
                kind: "mutation_impact".into(),
                statement: statement.into(),
                score: crate::model::ScoreBreakdown {
                    total,
                    ..Default::default()
                },
                replication: crate::model::Replication {
                    status: serde_json::from_value(json!(replication)).unwrap(),
                    ..Default::default()
                },
                ..Default::default()
            },
            status: HypothesisStatus::Proposed,
            supported_by,
            contradicted_by: Vec::new(),
            derived_from: Vec::new(),
            concerns: Vec::new(),
        }
    }

    struct Planted {
        first: RunId,
        second: RunId,
        other_study: RunId,
        stable: (HypothesisId, HypothesisId),
        stronger: (HypothesisId, HypothesisId),
        flipped: (HypothesisId, HypothesisId),
        removed: HypothesisId,
        added: HypothesisId,
    }

    /// Two runs of one study: one hypothesis each unchanged, scored higher, losing replication,
    /// only in the first and only in the second; plus a run of another study in between.
    fn plant(g: &mut ResearchGraph) -> Planted {
        let first = g.start_run("first", None).unwrap();
        let a: RecordedAnalysis = g
            .record_analysis(
                analysis(first, "ucec", 1),
                vec![
                    finding("PTEN", "PTEN", -1.0),
                    finding("AKT1", "PTEN", 0.8),
                    finding("TP53", "TP53", 0.9),
                    finding("CTNNB1", "CTNNB1", 1.1),
                ],
            )
            .unwrap();
        let f = &a.findings;
        let stable_1 = g
            .add_hypothesis(hypothesis(
                first,
                "PTEN protein falls",
                1,
                0.80,
                "replicated",
                vec![f[0]],
            ))
            .unwrap();
        let stronger_1 = g
            .add_hypothesis(hypothesis(
                first,
                "AKT1 rises",
                2,
                0.50,
                "not_tested",
                vec![f[1]],
            ))
            .unwrap();
        let flipped_1 = g
            .add_hypothesis(hypothesis(
                first,
                "TP53 rises",
                3,
                0.60,
                "replicated",
                vec![f[2]],
            ))
            .unwrap();
        let removed = g
            .add_hypothesis(hypothesis(
                first,
                "CTNNB1 rises",
                4,
                0.40,
                "not_tested",
                vec![f[3]],
            ))
            .unwrap();

        let other_study = g.start_run("other", None).unwrap();
        let o = g
            .record_analysis(
                analysis(other_study, "brca", 1),
                vec![finding("PTEN", "PTEN", -1.0)],
            )
            .unwrap();
        g.add_hypothesis(hypothesis(
            other_study,
            "PTEN falls in BRCA",
            1,
            0.7,
            "replicated",
            vec![o.findings[0]],
        ))
        .unwrap();

        let second = g.start_run("second", None).unwrap();
        let b = g
            .record_analysis(
                analysis(second, "ucec", 1),
                vec![
                    // An alias of PTEN's current symbol would land on the same entity too.
                    finding("PTEN", "PTEN", -1.02),
                    finding("AKT1", "PTEN", 0.9),
                    finding("TP53", "TP53", 0.85),
                    finding("KRAS", "KRAS", 0.7),
                ],
            )
            .unwrap();
        let f = &b.findings;
        // Reworded and re-ranked, score within the threshold.
        let stable_2 = g
            .add_hypothesis(hypothesis(
                second,
                "PTEN-mutated tumours have lower PTEN",
                2,
                0.82,
                "replicated",
                vec![f[0]],
            ))
            .unwrap();
        let stronger_2 = g
            .add_hypothesis(hypothesis(
                second,
                "AKT1 is higher",
                1,
                0.70,
                "not_tested",
                vec![f[1]],
            ))
            .unwrap();
        let flipped_2 = g
            .add_hypothesis(hypothesis(
                second,
                "TP53 rises",
                3,
                0.61,
                "not_replicated",
                vec![f[2]],
            ))
            .unwrap();
        let added = g
            .add_hypothesis(hypothesis(
                second,
                "KRAS rises",
                4,
                0.45,
                "not_tested",
                vec![f[3]],
            ))
            .unwrap();
        Planted {
            first,
            second,
            other_study,
            stable: (stable_1, stable_2),
            stronger: (stronger_1, stronger_2),
            flipped: (flipped_1, flipped_2),
            removed,
            added,
        }
    }

    fn ids(list: &[HypothesisChange]) -> Vec<(Option<HypothesisId>, Option<HypothesisId>)> {
        list.iter().map(|c| (c.from_id, c.to_id)).collect()
    }

    #[test]
    fn diff_puts_each_planted_change_in_its_category() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let p = plant(&mut g);
        let d = g.diff_runs(p.first, p.second).unwrap();
        assert_eq!(ids(&d.new), vec![(None, Some(p.added))]);
        assert_eq!(ids(&d.lost), vec![(Some(p.removed), None)]);
        assert_eq!(
            ids(&d.strengthened),
            vec![(Some(p.stronger.0), Some(p.stronger.1))]
        );
        assert_eq!(
            ids(&d.weakened),
            vec![(Some(p.flipped.0), Some(p.flipped.1))]
        );
        assert_eq!(
            ids(&d.unchanged),
            vec![(Some(p.stable.0), Some(p.stable.1))]
        );

        let s = &d.strengthened[0];
        assert_eq!((s.score_before, s.score_after), (Some(0.5), Some(0.7)));
        assert_eq!(s.statement, "AKT1 is higher", "the later wording is shown");
        assert_eq!((s.from_rank, s.to_rank), (Some(2), Some(1)));
        let w = &d.weakened[0];
        assert_eq!(w.replication_before, Some(ReplicationStatus::Replicated));
        assert_eq!(w.replication_after, Some(ReplicationStatus::NotReplicated));
        assert_eq!(
            d.unchanged[0].key,
            "mutation_impact|proteomics|gene:PTEN|PTEN mutation|mutated vs wild-type|negative"
        );
        // The other study's run is not part of the comparison.
        let all: Vec<_> = [&d.new, &d.lost, &d.strengthened, &d.weakened, &d.unchanged]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(all.len(), 5);
    }

    #[test]
    fn diff_in_reverse_swaps_new_and_lost_and_strong_and_weak() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let p = plant(&mut g);
        let d = g.diff_runs(p.second, p.first).unwrap();
        assert_eq!(ids(&d.new), vec![(None, Some(p.removed))]);
        assert_eq!(ids(&d.lost), vec![(Some(p.added), None)]);
        assert_eq!(
            ids(&d.weakened),
            vec![(Some(p.stronger.1), Some(p.stronger.0))]
        );
        assert_eq!(
            ids(&d.strengthened),
            vec![(Some(p.flipped.1), Some(p.flipped.0))]
        );
    }

    #[test]
    fn diff_of_unknown_run_is_an_error() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let p = plant(&mut g);
        let missing = RunId::new(999);
        assert!(matches!(
            g.diff_runs(p.first, missing),
            Err(GraphError::UnknownRun(r)) if r == missing
        ));
    }

    #[test]
    fn diff_previous_run_skips_other_studies() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let p = plant(&mut g);
        assert_eq!(g.previous_run_of_same_study(p.second), Some(p.first));
        assert_eq!(g.previous_run_of_same_study(p.first), None);
        assert_eq!(g.previous_run_of_same_study(p.other_study), None);
        let empty = g.start_run("empty", None).unwrap();
        assert_eq!(g.previous_run_of_same_study(empty), None);
    }

    #[test]
    fn diff_key_ignores_wording_rank_and_later_evidence() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let p = plant(&mut g);
        // Follow-up evidence recorded later does not change what the hypothesis is about.
        let follow = g
            .record_analysis(
                analysis(p.second, "ucec", 9),
                vec![finding("MTOR", "PTEN", 0.5)],
            )
            .unwrap();
        let before = g.hypothesis_key(p.stable.1);
        g.add_hypothesis_evidence(
            p.stable.1,
            follow.findings[0],
            crate::model::Stance::Supports,
        )
        .unwrap();
        assert_eq!(g.hypothesis_key(p.stable.1), before);
        assert_eq!(g.hypothesis_key(p.stable.0), before);
        assert_ne!(g.hypothesis_key(p.stronger.1), before);
    }

    #[test]
    fn diff_key_survives_missing_claims_aliases_and_cascade_order() {
        let mut g = ResearchGraph::open_in_memory().unwrap();
        let cis = |h: NewHypothesis| NewHypothesis {
            hypothesis: crate::model::Hypothesis {
                kind: "cis".into(),
                rank: 1,
                score: crate::model::ScoreBreakdown {
                    total: 0.5,
                    ..Default::default()
                },
                ..h.hypothesis
            },
            ..h
        };
        let cascade = |gene: &str, variable: &str| NewFinding {
            variable: variable.into(),
            claim: None,
            ..finding(gene, "PTEN", 0.6)
        };
        let mut keys = Vec::new();
        let mut runs = Vec::new();
        for (run_label, feature, claimed, order) in [
            ("a", "CTGF", true, ["cnv", "rna"]),
            ("b", "CCN2", false, ["rna", "cnv"]),
        ] {
            let run = g.start_run(run_label, None).unwrap();
            let mut f = finding(feature, "PTEN", 0.8);
            if !claimed {
                f.claim = None;
            }
            let a = g
                .record_analysis(
                    analysis(run, "ucec", 1),
                    vec![f, cascade("MYC", order[0]), cascade("MYC", order[1])],
                )
                .unwrap();
            let plain = g
                .add_hypothesis(hypothesis(
                    run,
                    "x",
                    1,
                    0.5,
                    "replicated",
                    vec![a.findings[0]],
                ))
                .unwrap();
            let chained = g
                .add_hypothesis(cis(hypothesis(
                    run,
                    "y",
                    2,
                    0.5,
                    "replicated",
                    vec![a.findings[1], a.findings[2]],
                )))
                .unwrap();
            keys.push((g.hypothesis_key(plain), g.hypothesis_key(chained)));
            runs.push(run);
        }
        // CTGF is an alias of CCN2; the claim was recorded in one run only.
        assert_eq!(keys[0].0, keys[1].0);
        assert!(
            keys[0]
                .0
                .as_deref()
                .is_some_and(|k| k.contains("gene:CCN2"))
        );
        assert_eq!(keys[0].1, keys[1].1, "a cascade is one whatever its order");
        let d = g.diff_runs(runs[0], runs[1]).unwrap();
        assert_eq!(d.unchanged.len(), 2, "{d:?}");
    }
}
