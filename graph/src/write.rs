//! Writing to the graph as the agent works. Each call is one transaction: an analysis is stored
//! together with all its findings and the relations they support, or not at all, so a crash
//! loses at most the analysis in flight and never leaves a finding without its analysis.

use crate::error::{GraphError, Result};
use crate::fingerprint::input_hash;
use crate::ids::{
    AnalysisId, DirectionId, EdgeId, EntityId, FindingId, HypothesisId, NodeId, RunId,
};
use crate::knowledge::GeneIndex;
use crate::model::vocab::TestKind;
use crate::model::{
    Analysis, Direction, EdgeKind, EffectSign, EntityClass, EntityRef, Finding, Hypothesis,
    HypothesisRecord, HypothesisStatus, InputFile, Node, ProcessKind, RelationKind, Stance,
};
use crate::research_graph::ResearchGraph;
use crate::resolve::ResolutionNote;
use crate::staging::Staging;
use crate::store::{ChangeSet, FindingQUpdate, HypothesisUpdate};
use crate::time::Timestamp;
use datasets::{FeatureId, SampleId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A research direction to record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewDirection {
    pub run: RunId,
    pub question: String,
    pub subject: EntityClass,
    pub relation: RelationKind,
    pub object: EntityClass,
    pub rationale: Option<String>,
    /// Specific entities the direction is about (the mutated gene G, the variable).
    pub focus: Vec<EntityRef>,
}

/// An analysis to record, with its provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewAnalysis {
    pub run: RunId,
    /// Study name (entity key), e.g. `cptac-ucec`.
    pub study: String,
    pub direction: Option<DirectionId>,
    pub module: String,
    pub params: serde_json::Value,
    pub input_layers: Vec<String>,
    pub sample_set: Vec<SampleId>,
    pub inputs: Vec<InputFile>,
    pub software_version: String,
    /// Earlier analyses this one follows up (a robustness check of, a subgroup of ...).
    pub derived_from: Vec<AnalysisId>,
}

/// A relation between two entities that a finding supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Claim {
    pub subject: EntityRef,
    pub relation: RelationKind,
    pub object: EntityRef,
}

/// One statistical result to record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewFinding {
    pub layer: String,
    pub feature: FeatureId,
    pub variable: String,
    pub contrast: Option<String>,
    pub test: TestKind,
    pub statistic: f64,
    pub effect: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p: f64,
    pub q: Option<f64>,
    pub n: u32,
    pub claim: Option<Claim>,
    /// A caveat on the result (see [`crate::model::Finding::warning`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl NewFinding {
    /// Rejects values that cannot be stored faithfully or compared later (SQLite turns NaN
    /// into NULL); the analysis crate reports untestable features instead of NaN, so a NaN
    /// here is a bug upstream worth surfacing.
    fn validate(&self, index: usize) -> Result<()> {
        let bad = |reason: String| Err(GraphError::InvalidFinding { index, reason });
        for (name, v) in [("statistic", self.statistic), ("effect", self.effect)] {
            if !v.is_finite() {
                return bad(format!("{name} is {v}"));
            }
        }
        for (name, v) in [("p", Some(self.p)), ("q", self.q)] {
            if let Some(v) = v
                && !(0.0..=1.0).contains(&v)
            {
                return bad(format!("{name} = {v} is not a probability"));
            }
        }
        for (name, v) in [("ci_low", self.ci_low), ("ci_high", self.ci_high)] {
            if let Some(v) = v
                && v.is_nan()
            {
                return bad(format!("{name} is NaN"));
            }
        }
        if let (Some(lo), Some(hi)) = (self.ci_low, self.ci_high)
            && lo > hi
        {
            return bad(format!("confidence interval [{lo}, {hi}] is reversed"));
        }
        if self.layer.trim().is_empty() || self.variable.trim().is_empty() {
            return bad("layer and variable must be named".into());
        }
        Ok(())
    }
}

/// What [`ResearchGraph::record_analysis`] stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordedAnalysis {
    pub analysis: AnalysisId,
    pub input_hash: String,
    /// Finding ids in the order the findings were given.
    pub findings: Vec<FindingId>,
    /// Names that were translated, ambiguous or unknown (one note per distinct name).
    pub notes: Vec<ResolutionNote>,
}

/// A hypothesis to record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewHypothesis {
    pub run: RunId,
    /// The hypothesis as the agent stated, scored and ranked it; stored whole.
    pub hypothesis: Hypothesis,
    pub status: HypothesisStatus,
    pub supported_by: Vec<FindingId>,
    pub contradicted_by: Vec<FindingId>,
    /// Directions, analyses or hypotheses it grew out of.
    pub derived_from: Vec<NodeId>,
    /// Entities the statement is about.
    pub concerns: Vec<EntityRef>,
}

/// What [`ResearchGraph::delete_run`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeletedRun {
    pub nodes: usize,
    pub edges: usize,
}

impl ResearchGraph {
    fn require_run(&self, run: RunId) -> Result<()> {
        self.run(run).map(|_| ()).ok_or(GraphError::UnknownRun(run))
    }

    /// Starts a run of the agent.
    pub fn start_run(&mut self, label: &str, notes: Option<&str>) -> Result<RunId> {
        let genes = Self::genes()?;
        self.write(|g| {
            let mut st = Staging::new(&g.mem, genes);
            let run = st.add_run(label.to_owned(), notes.map(str::to_owned));
            Ok((st.finish().0, run))
        })
    }

    /// Ensures an entity exists (creating it and its naming parents) and returns its id.
    pub fn ensure_entity(&mut self, entity: &EntityRef) -> Result<(EntityId, Vec<ResolutionNote>)> {
        let genes = Self::genes()?;
        self.write(|g| {
            let mut st = Staging::new(&g.mem, genes);
            let id = st.entity(entity)?;
            let (cs, notes) = st.finish();
            Ok((cs, (id, notes)))
        })
    }

    /// Records a research direction and `explores` edges to its focus entities.
    pub fn add_direction(&mut self, direction: NewDirection) -> Result<DirectionId> {
        let genes = Self::genes()?;
        self.write(|g| g.stage_direction(genes, direction))
    }

    fn stage_direction(
        &self,
        genes: &GeneIndex,
        direction: NewDirection,
    ) -> Result<(ChangeSet, DirectionId)> {
        self.require_run(direction.run)?;
        let mut st = Staging::new(&self.mem, genes);
        let focus = direction
            .focus
            .iter()
            .map(|e| st.entity(e))
            .collect::<Result<Vec<_>>>()?;
        let id = st.add_node(Node::Direction(Direction {
            run: direction.run,
            question: direction.question,
            subject: direction.subject,
            relation: direction.relation,
            object: direction.object,
            rationale: direction.rationale,
            created_at: Timestamp::now(),
        }));
        for entity in focus {
            st.edge(
                id,
                entity.node(),
                EdgeKind::Process(ProcessKind::Explores),
                None,
                None,
            );
        }
        Ok((st.finish().0, DirectionId::from_node(id)))
    }

    /// Records an analysis with all its findings in one transaction. Each finding with a claim
    /// adds itself to the evidence of that entity relation (creating entities and the relation
    /// as needed).
    pub fn record_analysis(
        &mut self,
        analysis: NewAnalysis,
        findings: Vec<NewFinding>,
    ) -> Result<RecordedAnalysis> {
        let genes = Self::genes()?;
        self.write(|g| g.stage_analysis(genes, analysis, findings))
    }

    fn stage_analysis(
        &self,
        genes: &GeneIndex,
        analysis: NewAnalysis,
        findings: Vec<NewFinding>,
    ) -> Result<(ChangeSet, RecordedAnalysis)> {
        self.require_run(analysis.run)?;
        for (i, f) in findings.iter().enumerate() {
            f.validate(i)?;
        }
        if let Some(d) = analysis.direction {
            self.direction_id(d.node())?;
        }
        for a in &analysis.derived_from {
            self.analysis_id(a.node())?;
        }
        let n_findings = u32::try_from(findings.len()).map_err(|_| GraphError::InvalidFinding {
            index: findings.len(),
            reason: "more than 4 billion findings in one analysis".into(),
        })?;
        let hash = input_hash(
            &analysis.inputs,
            &analysis.input_layers,
            &analysis.sample_set,
        );

        let mut st = Staging::new(&self.mem, genes);
        let study = st.entity(&EntityRef::Study(analysis.study))?;
        let analysis_node = st.add_node(Node::Analysis(Analysis {
            run: analysis.run,
            study,
            direction: analysis.direction,
            module: analysis.module,
            params: analysis.params,
            input_layers: analysis.input_layers,
            sample_set: analysis.sample_set,
            inputs: analysis.inputs,
            input_hash: hash.clone(),
            software_version: analysis.software_version,
            created_at: Timestamp::now(),
            n_findings,
        }));
        let analysis_id = AnalysisId::from_node(analysis_node);
        for earlier in &analysis.derived_from {
            st.edge(
                analysis_node,
                earlier.node(),
                EdgeKind::Process(ProcessKind::DerivedFrom),
                None,
                None,
            );
        }

        let mut ids = Vec::with_capacity(findings.len());
        st.cs.nodes.reserve(findings.len());
        for f in findings {
            let claim = match &f.claim {
                Some(c) => Some(claim_edge(&mut st, c)?),
                None => None,
            };
            let id = st.add_node(Node::Finding(Finding {
                analysis: analysis_id,
                direction: EffectSign::of(f.effect),
                layer: f.layer,
                feature: f.feature,
                variable: f.variable,
                contrast: f.contrast,
                test: f.test,
                statistic: f.statistic,
                effect: f.effect,
                ci_low: f.ci_low,
                ci_high: f.ci_high,
                p: f.p,
                q: f.q,
                n: f.n,
                claim,
                warning: f.warning,
            }));
            ids.push(FindingId::from_node(id));
        }
        let (cs, notes) = st.finish();
        Ok((
            cs,
            RecordedAnalysis {
                analysis: analysis_id,
                input_hash: hash,
                findings: ids,
                notes,
            },
        ))
    }

    /// Records a hypothesis with the findings for and against it.
    pub fn add_hypothesis(&mut self, hypothesis: NewHypothesis) -> Result<HypothesisId> {
        let genes = Self::genes()?;
        self.write(|g| g.stage_hypothesis(genes, hypothesis))
    }

    fn stage_hypothesis(
        &self,
        genes: &GeneIndex,
        hypothesis: NewHypothesis,
    ) -> Result<(ChangeSet, HypothesisId)> {
        self.require_run(hypothesis.run)?;
        for f in hypothesis
            .supported_by
            .iter()
            .chain(&hypothesis.contradicted_by)
        {
            self.finding_id(f.node())?;
        }
        for n in &hypothesis.derived_from {
            if self.node(*n).is_none() {
                return Err(GraphError::UnknownNode(*n));
            }
        }
        let mut st = Staging::new(&self.mem, genes);
        let concerns = hypothesis
            .concerns
            .iter()
            .map(|e| st.entity(e))
            .collect::<Result<Vec<_>>>()?;
        let now = Timestamp::now();
        let id = st.add_node(Node::Hypothesis(HypothesisRecord {
            run: hypothesis.run,
            status: hypothesis.status,
            created_at: now,
            updated_at: now,
            hypothesis: Box::new(hypothesis.hypothesis),
        }));
        let process = |k| EdgeKind::Process(k);
        for f in &hypothesis.supported_by {
            st.edge(f.node(), id, process(ProcessKind::Supports), None, None);
        }
        for f in &hypothesis.contradicted_by {
            st.edge(f.node(), id, process(ProcessKind::Contradicts), None, None);
        }
        for n in &hypothesis.derived_from {
            st.edge(id, *n, process(ProcessKind::DerivedFrom), None, None);
        }
        for e in concerns {
            st.edge(id, e.node(), process(ProcessKind::Concerns), None, None);
        }
        Ok((st.finish().0, HypothesisId::from_node(id)))
    }

    /// Changes a hypothesis' status and content (its score, replication, ...).
    pub fn update_hypothesis(
        &mut self,
        id: HypothesisId,
        status: HypothesisStatus,
        hypothesis: Hypothesis,
    ) -> Result<()> {
        self.write(|g| {
            g.hypothesis_id(id.node())?;
            let cs = ChangeSet {
                hypothesis_updates: vec![HypothesisUpdate {
                    id,
                    status,
                    hypothesis,
                    updated_at: Timestamp::now(),
                }],
                ..ChangeSet::default()
            };
            Ok((cs, ()))
        })
    }

    /// Sets the q-value of many findings in one transaction. Findings are recorded as the
    /// agent works, but Benjamini-Hochberg runs over every test of a run, so final q-values
    /// arrive in bulk when the run ends. Every entry is checked first (a probability, an
    /// existing finding); on the first bad one the error names its index and nothing is
    /// written. An id listed twice takes its last q.
    pub fn set_finding_qs(&mut self, updates: &[(FindingId, f64)]) -> Result<()> {
        self.write(|g| Ok((g.stage_qs(updates)?, ())))
    }

    fn stage_qs(&self, updates: &[(FindingId, f64)]) -> Result<ChangeSet> {
        let mut cs = ChangeSet::default();
        cs.finding_q_updates.reserve(updates.len());
        for (index, &(id, q)) in updates.iter().enumerate() {
            let bad = |reason: String| GraphError::InvalidQUpdate {
                index,
                node: id.node(),
                reason,
            };
            if !(0.0..=1.0).contains(&q) {
                return Err(bad(format!("q = {q} is not a probability")));
            }
            if let Err(e) = self.finding_id(id.node()) {
                return Err(bad(e.to_string()));
            }
            cs.finding_q_updates.push(FindingQUpdate { id, q });
        }
        Ok(cs)
    }

    /// Adds a finding for or against an existing hypothesis.
    pub fn add_hypothesis_evidence(
        &mut self,
        hypothesis: HypothesisId,
        finding: FindingId,
        stance: Stance,
    ) -> Result<()> {
        let kind = match stance {
            Stance::Supports => ProcessKind::Supports,
            Stance::Contradicts => ProcessKind::Contradicts,
        };
        self.write(|g| {
            g.hypothesis_id(hypothesis.node())?;
            g.finding_id(finding.node())?;
            Ok((
                g.stage_process_edge(finding.node(), hypothesis.node(), kind)?,
                (),
            ))
        })
    }

    /// Records that `replication` reproduces `original` (another study, layer or method).
    pub fn mark_replicated(&mut self, original: FindingId, replication: FindingId) -> Result<()> {
        self.write(|g| {
            g.finding_id(original.node())?;
            g.finding_id(replication.node())?;
            let cs = g.stage_process_edge(
                original.node(),
                replication.node(),
                ProcessKind::ReplicatedBy,
            )?;
            Ok((cs, ()))
        })
    }

    fn stage_process_edge(
        &self,
        source: NodeId,
        target: NodeId,
        kind: ProcessKind,
    ) -> Result<ChangeSet> {
        let genes = Self::genes()?;
        let mut st = Staging::new(&self.mem, genes);
        st.edge(source, target, EdgeKind::Process(kind), None, None);
        Ok(st.finish().0)
    }

    /// Removes a run: its directions, analyses, findings and hypotheses, the edges touching
    /// them, and relations left with neither evidence nor prior backing. Entities stay (they
    /// are identities, not results). Ids of everything else remain valid.
    pub fn delete_run(&mut self, run: RunId) -> Result<DeletedRun> {
        self.write(|g| g.stage_delete_run(run))
    }

    fn stage_delete_run(&self, run: RunId) -> Result<(ChangeSet, DeletedRun)> {
        self.require_run(run)?;
        let g = &self.mem.g;
        let mut nodes: BTreeSet<NodeId> = BTreeSet::new();
        for slot in g.node_weights() {
            if self.mem.run_of(slot.id) == Some(run) {
                nodes.insert(slot.id);
            }
        }
        let mut edges: BTreeSet<EdgeId> = BTreeSet::new();
        for id in &nodes {
            let Some(ix) = self.mem.index(*id) else {
                continue;
            };
            let incident = g
                .edges_directed(ix, petgraph::Direction::Outgoing)
                .chain(g.edges_directed(ix, petgraph::Direction::Incoming));
            edges.extend(incident.filter_map(|e| e.weight().id));
            if let Some(Node::Finding(f)) = self.mem.node(*id)
                && let Some(claim) = f.claim
                && let Some(edge) = self.mem.edge_index(claim).and_then(|e| g.edge_weight(e))
                && edge.prior.is_none()
                && edge.evidence.iter().all(|x| nodes.contains(&x.node()))
            {
                edges.insert(claim);
            }
        }
        let deleted = DeletedRun {
            nodes: nodes.len(),
            edges: edges.len(),
        };
        let cs = ChangeSet {
            removed_runs: vec![run],
            removed_nodes: nodes.into_iter().collect(),
            removed_edges: edges.into_iter().collect(),
            ..ChangeSet::default()
        };
        Ok((cs, deleted))
    }
}

/// Resolves a claim's entities and returns the relation edge it supports.
fn claim_edge(st: &mut Staging<'_>, claim: &Claim) -> Result<EdgeId> {
    let subject = st.entity(&claim.subject)?;
    let object = st.entity(&claim.object)?;
    Ok(st.edge(
        subject.node(),
        object.node(),
        EdgeKind::Relation(claim.relation),
        None,
        None,
    ))
}
