//! Recording the research process in the graph store as the agent works: the run, each direction
//! and analysis with its provenance (module, parameters, layers, samples, input file hashes), its
//! findings with the entity relations they support, and at the end the hypotheses with their
//! evidence and the run's final q-values. Each analysis is one transaction, so a crash loses at
//! most the analysis in flight; a resumed run finds what it already recorded and does not repeat it.

use crate::hypothesis::Hypothesis;
use crate::ledger::{AnalysisRecord, Ledger, Q_STRONG, TestRow};
use crate::question::Question;
use crate::validate::ReplicationStatus;
use datasets::{FeatureId, Study};
use graph::{
    AnalysisId, EvidenceRole, FindingId, GraphError, HypothesisStatus, InputFile, Mention,
    NewAnalysis, NewDirection, NewFinding, NewHypothesis, ResearchGraph, RunId,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Kinds whose every test result is kept in the graph: follow-ups are small, and a non-change
/// ("its RNA does not change") is evidence too. Screens keep their nominally significant rows;
/// findings.tsv keeps every test.
fn keeps_all_rows(q: &Question) -> bool {
    q.kind().is_follow_up()
}

const SCREEN_P_KEPT: f64 = 0.05;

/// Starts the line of a run's notes that names its study folder.
const STUDY_FOLDER_NOTE: &str = "study folder: ";

/// The notes a run starts with. They name the study folder (absolute) so that a reader of the
/// store, such as the dashboard, can re-open the data behind the run's findings; the embedded
/// demo has no folder and is known by its name.
pub fn run_notes(study: &Study) -> String {
    if study.root.is_dir() {
        let root = study
            .root
            .canonicalize()
            .unwrap_or_else(|_| study.root.clone());
        format!("hypomics run\n{STUDY_FOLDER_NOTE}{}", root.display())
    } else {
        "hypomics run".to_owned()
    }
}

/// The study folder recorded in a run's notes by [`run_notes`]. It is the last line, so a path
/// is read whole even if it contains a line break.
pub fn study_folder(notes: &str) -> Option<PathBuf> {
    let (_, path) = notes.split_once(&format!("\n{STUDY_FOLDER_NOTE}"))?;
    (!path.is_empty()).then(|| PathBuf::from(path))
}

pub struct GraphRecorder {
    graph: ResearchGraph,
    run: RunId,
    study: String,
    inputs: Vec<InputFile>,
    /// step -> (analysis, finding id per ledger row when the row was recorded)
    steps: HashMap<usize, (AnalysisId, Vec<Option<FindingId>>)>,
}

impl GraphRecorder {
    /// Opens (or creates) the store, imports the pathway knowledge once, and starts the run — or
    /// finds it again when resuming (runs are labelled by study, seed and output folder). With a
    /// `fence`, every write is refused once the job's lease moved to another worker.
    pub fn open(
        path: &Path,
        study: &Study,
        label: &str,
        resume: bool,
        fence: Option<graph::control::Fence>,
    ) -> Result<Self, GraphError> {
        let mut graph = ResearchGraph::open(path)?;
        graph.set_fence(fence);
        graph.import_knowledge(graph::KnowledgeSelection::pathways())?;
        let existing = if resume {
            graph
                .runs()
                .filter(|r| r.label == label)
                .map(|r| r.id)
                .max()
        } else {
            None
        };
        let run = match existing {
            Some(run) => run,
            None => graph.start_run(label, Some(&run_notes(study)))?,
        };
        let inputs = study
            .files
            .iter()
            .filter_map(|f| {
                f.sha256.as_ref().map(|sha| InputFile {
                    path: f.name.clone(),
                    sha256: sha.clone(),
                })
            })
            .collect();
        Ok(Self {
            graph,
            run,
            study: study.name.clone(),
            inputs,
            steps: HashMap::new(),
        })
    }

    pub fn run_id(&self) -> RunId {
        self.run
    }

    pub fn graph(&self) -> &ResearchGraph {
        &self.graph
    }

    fn new_analysis(
        &self,
        record: &AnalysisRecord,
        direction: Option<graph::DirectionId>,
    ) -> NewAnalysis {
        let derived_from = record
            .direction
            .parent_step
            .and_then(|s| self.steps.get(&s).map(|(a, _)| *a))
            .into_iter()
            .collect();
        NewAnalysis {
            run: self.run,
            study: self.study.clone(),
            direction,
            module: record.module.clone(),
            params: serde_json::json!({"step": record.step, "question": record.direction.question, "settings": record.params}),
            input_layers: record.layers.clone(),
            sample_set: record.samples.clone(),
            inputs: self.inputs.clone(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
            derived_from,
        }
    }

    /// Records one completed analysis (skipped when a resumed run already recorded it).
    pub fn record_step(
        &mut self,
        record: &AnalysisRecord,
        ledger: &Ledger,
    ) -> Result<(), GraphError> {
        let index = ledger.index_of(record.step);
        let strong: std::collections::HashSet<usize> = index
            .map(|i| ledger.strong_rows(i, Q_STRONG).into_iter().collect())
            .unwrap_or_default();
        let probe = self.new_analysis(record, None);
        let hash =
            graph::fingerprint::input_hash(&probe.inputs, &probe.input_layers, &probe.sample_set);
        if let Some(done) = self
            .graph
            .find_analysis(self.run, &probe.module, &probe.params, &hash)
        {
            // Already recorded before an interruption: map its findings back to rows.
            let ids = self.graph.findings_of(done);
            let mut it = ids.into_iter();
            let rows = record
                .rows
                .iter()
                .map(|row| {
                    kept(&record.direction.question, row)
                        .then(|| it.next())
                        .flatten()
                })
                .collect();
            self.steps.insert(record.step, (done, rows));
            return Ok(());
        }
        // The direction is its own transaction: a run interrupted right after it left it
        // without its analysis, and completing it keeps the graph as an uninterrupted run's.
        let question = record.direction.question.describe();
        let direction = match self.graph.find_unanswered_direction(self.run, &question) {
            Some(d) => d,
            None => {
                let classes = record.direction.question.direction_classes(&record.layers);
                self.graph.add_direction(NewDirection {
                    run: self.run,
                    question,
                    subject: classes.subject,
                    relation: classes.relation,
                    object: classes.object,
                    rationale: Some(record.direction.rationale.clone()),
                    focus: classes.focus,
                })?
            }
        };
        let analysis = self.new_analysis(record, Some(direction));
        let mut findings = Vec::new();
        let mut row_of_finding = Vec::new();
        for (r, row) in record.rows.iter().enumerate() {
            if !kept(&record.direction.question, row) {
                continue;
            }
            let claim = if strong.contains(&r) {
                record.direction.question.claim(row, ledger)
            } else {
                None
            };
            findings.push(NewFinding {
                layer: row.layer.clone(),
                feature: FeatureId::new(row.feature.as_str()),
                variable: row.variable.clone(),
                contrast: Some(row.contrast.clone()),
                test: row.test,
                statistic: finite_or_zero(row.statistic),
                effect: finite_or_zero(row.effect),
                ci_low: row.ci_low.is_finite().then_some(row.ci_low),
                ci_high: row.ci_high.is_finite().then_some(row.ci_high),
                p: row.p.clamp(0.0, 1.0),
                q: None,
                n: u32::try_from(row.n).unwrap_or(u32::MAX),
                claim,
                warning: row.warning.clone(),
            });
            row_of_finding.push(r);
        }
        let recorded = self.graph.record_analysis(analysis, findings)?;
        let mut rows = vec![None; record.rows.len()];
        for (r, id) in row_of_finding.into_iter().zip(recorded.findings) {
            rows[r] = Some(id);
        }
        self.steps.insert(record.step, (recorded.analysis, rows));
        Ok(())
    }

    /// The graph id of a ledger row, if it was recorded.
    pub fn finding(&self, step: usize, row: usize) -> Option<FindingId> {
        self.steps.get(&step)?.1.get(row).copied().flatten()
    }

    /// Writes the run's final session-wide q-values onto the recorded findings: q depends on every
    /// test of the run, so it is only final when exploration ends.
    pub fn record_final_q(&mut self, ledger: &Ledger) -> Result<(), GraphError> {
        let mut updates = Vec::new();
        for (i, a) in ledger.analyses().iter().enumerate() {
            let Some((_, rows)) = self.steps.get(&a.step) else {
                continue;
            };
            for (r, id) in rows.iter().enumerate() {
                let q = ledger.q(i, r);
                if let (Some(id), true) = (id, q.is_finite()) {
                    updates.push((*id, q.clamp(0.0, 1.0)));
                }
            }
        }
        self.graph.set_finding_qs(&updates)
    }

    /// The graph run this recorder writes.
    pub fn run(&self) -> RunId {
        self.run
    }

    /// Records the run's hypotheses with the findings behind them, each once: a resumed run
    /// skips those recorded before the interruption (one transaction each).
    pub fn record_hypotheses(&mut self, hypotheses: &[Hypothesis]) -> Result<(), GraphError> {
        for h in hypotheses.iter().map(|h| &h.model) {
            if self.graph.find_hypothesis(self.run, &h.statement).is_some() {
                continue;
            }
            let mut supported_by = Vec::new();
            let mut contradicted_by = Vec::new();
            // Findings named by the hypothesis's contradictions (an adjustment it did not
            // survive, the same gene moving the other way in another layer) contradict it.
            let against: Vec<(usize, usize)> = h
                .score
                .contradictions
                .iter()
                .flat_map(|c| &c.findings)
                .filter_map(|f| parse_finding_id(f))
                .collect();
            for e in &h.evidence {
                let Some(id) = self.finding(e.step, e.row) else {
                    continue;
                };
                if e.role != EvidenceRole::Primary && against.contains(&(e.step, e.row)) {
                    contradicted_by.push(id);
                } else {
                    supported_by.push(id);
                }
            }
            for &(step, row) in &against {
                if let Some(id) = self.finding(step, row)
                    && !contradicted_by.contains(&id)
                    && !supported_by.contains(&id)
                {
                    contradicted_by.push(id);
                }
            }
            let status = match h.replication.status {
                ReplicationStatus::Replicated => HypothesisStatus::Supported,
                _ => HypothesisStatus::Proposed,
            };
            self.graph.add_hypothesis(NewHypothesis {
                run: self.run,
                hypothesis: h.clone(),
                status,
                supported_by,
                contradicted_by,
                derived_from: Vec::new(),
                concerns: h.entities.iter().map(Mention::entity).collect(),
            })?;
        }
        Ok(())
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

fn kept(q: &Question, row: &TestRow) -> bool {
    (keeps_all_rows(q) || row.p <= SCREEN_P_KEPT)
        && row.p.is_finite()
        && row.effect.is_finite()
        && row.statistic.is_finite()
}

/// `F<step>.<row>` back to its step and row.
fn parse_finding_id(id: &str) -> Option<(usize, usize)> {
    let (step, row) = id.strip_prefix('F')?.split_once('.')?;
    Some((step.parse().ok()?, row.parse().ok()?))
}
