//! Knowledge-grounded hypotheses on real data: textbook associations the cohort shows (MLH1 and
//! PMS2 protein lower in MSI-H tumours, MLH1 RNA too, MLH1 with the MSI-H genomic subtype,
//! beta-catenin with endometrioid histology; on the full cohort also MLH1 phosphoprotein, and
//! CTNNB1 and ARID1A protein with their own mutations) come out labelled *known* with the
//! textbook reason and its source, are stated from the side a reader expects, and say why they
//! matter; mutation effects are adjusted for the study's hypermutation axis found from the data.
//! Runs the agent with a scripted planner (the named directions and every follow-up they open),
//! on the bundled demo and, when present, on the full CPTAC UCEC cohort.

use agent::knowledge::Knowledge;
use agent::planner::{Choice, PlanContext, Planner};
use agent::question::{Kind, PlannedDirection};
use agent::run::{Budget, RunConfig, RunResult, run};
use graph::{KnowledgeStatus, Mention};
use std::path::PathBuf;

/// Runs exactly the directions described in `wanted` (as `Question::describe` words them), and
/// every follow-up they open.
struct Scripted {
    wanted: Vec<String>,
}

impl Planner for Scripted {
    fn choose(&mut self, open: &[PlannedDirection], _context: &PlanContext<'_>) -> Choice {
        Choice {
            index: open.iter().position(|d| {
                d.question.kind().is_follow_up() || self.wanted.contains(&d.question.describe())
            }),
            ..Choice::default()
        }
    }

    fn update(&mut self, _kind: Kind, _success: bool) {}

    fn report(&self) -> serde_json::Value {
        serde_json::json!({"planner": "scripted"})
    }
}

/// A textbook association the data show: the gene's feature in a layer, the grouping (a clinical
/// variable or a mutation), and words the textbook reason must contain.
struct Textbook {
    gene: &'static str,
    layer: &'static str,
    grouping: fn() -> Mention,
    words: &'static str,
}

const fn textbook(
    gene: &'static str,
    layer: &'static str,
    grouping: fn() -> Mention,
    words: &'static str,
) -> Textbook {
    Textbook {
        gene,
        layer,
        grouping,
        words,
    }
}

fn msi() -> Mention {
    Mention::Clinical("MSI_status".into())
}
fn subtype() -> Mention {
    Mention::Clinical("Genomics_subtype".into())
}
fn ctnnb1() -> Mention {
    Mention::Mutation("CTNNB1".into())
}
fn arid1a() -> Mention {
    Mention::Mutation("ARID1A".into())
}

const DEMO_DIRECTIONS: &[&str] = &[
    "clinical MSI_status -> proteome",
    "clinical MSI_status -> rna",
    "clinical Genomics_subtype -> proteome",
    "clinical Histologic_type -> proteome",
    "mutation of PTEN -> proteome",
    "mutation of ARID1A -> proteome",
];

const DEMO_TEXTBOOK: &[Textbook] = &[
    textbook("MLH1", "proteome", msi, "MLH1 loss"),
    // PMS2 is either its own hypothesis (MutL-alpha) or a link of the MLH1 chain, whose
    // grounding is then MLH1 loss as the cause of MSI-H.
    textbook("PMS2", "proteome", msi, "MutL-alpha|MLH1 loss"),
    textbook("MLH1", "rna", msi, "MLH1 loss"),
    textbook("MLH1", "proteome", subtype, "MLH1 loss"),
    textbook("ARID1A", "proteome", arid1a, "ARID1A"),
];

/// The full cohort's features change which genes lead each analysis (PMS2 protein and MLH1 RNA
/// are strong there too, but not among an analysis's three strongest), so its set differs.
const CPTAC_DIRECTIONS: &[&str] = &[
    "clinical MSI_status -> proteome",
    "clinical MSI_status -> phospho_gene",
    "clinical Genomics_subtype -> proteome",
    "mutation of CTNNB1 -> proteome",
    "mutation of ARID1A -> proteome",
    "mutation of PTEN -> proteome",
];

const CPTAC_TEXTBOOK: &[Textbook] = &[
    textbook("MLH1", "proteome", msi, "MLH1 loss"),
    textbook("MLH1", "phospho_gene", msi, "MLH1 loss"),
    textbook("MLH1", "proteome", subtype, "MLH1 loss"),
    textbook("CTNNB1", "proteome", ctnnb1, "CTNNB1"),
    textbook("ARID1A", "proteome", arid1a, "ARID1A"),
];

fn run_scripted(study: &datasets::Study, directions: &[&str]) -> RunResult {
    let knowledge = Knowledge::embedded().unwrap();
    let config = RunConfig {
        permutations: 0,
        max_hypotheses: 200,
        budget: Budget {
            max_analyses: 40,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut planner = Scripted {
        wanted: directions.iter().map(|d| (*d).to_owned()).collect(),
    };
    run(study, &knowledge, &config, None, &mut planner, &mut |_| {}).unwrap()
}

fn check_textbook(result: &RunResult, expected: &[Textbook]) {
    let listing: Vec<String> = result
        .hypotheses
        .iter()
        .map(|h| {
            format!(
                "{} [{}: {}]",
                h.model.statement,
                h.model.score.knowledge.status.badge(),
                h.model.score.knowledge.reason
            )
        })
        .collect();
    let mut missing = Vec::new();
    for t in expected {
        let (gene, layer, grouping, words) = (t.gene, t.layer, (t.grouping)(), t.words);
        let found = result.hypotheses.iter().find(|h| {
            h.model.entities.contains(&Mention::feature(layer, gene))
                && h.model.entities.contains(&grouping)
        });
        let Some(h) = found else {
            missing.push(format!("{layer} {gene} with {grouping}: no hypothesis"));
            continue;
        };
        let k = &h.model.score.knowledge;
        if k.status != KnowledgeStatus::Known
            || !words.split('|').any(|w| k.reason.contains(w))
            || k.source.is_empty()
        {
            missing.push(format!(
                "{layer} {gene} with {grouping}: {:?} {:?} ({:?})",
                k.status, k.reason, k.source
            ));
            continue;
        }
        // Known relations are not sold as new, and knowledge support raises plausibility.
        assert!(
            h.model.score.novelty <= 0.2,
            "{}: {:?}",
            h.model.statement,
            h.model.score
        );
        assert_eq!(h.model.score.plausibility, 1.0, "{}", h.model.statement);
        assert!(
            h.model.score.novelty_reason.starts_with("known: "),
            "{:?}",
            h.model.score
        );
        assert!(
            !k.why_it_matters.is_empty(),
            "{}: no why-it-matters line",
            h.model.statement
        );
    }
    assert!(
        missing.is_empty(),
        "textbook associations: {missing:#?}\nhypotheses: {listing:#?}"
    );
    // The statement reads from the level a reader expects.
    let mlh1 = result
        .hypotheses
        .iter()
        .find(|h| {
            h.model.entities.contains(&Mention::Gene("MLH1".into()))
                && h.model
                    .entities
                    .contains(&Mention::Clinical("MSI_status".into()))
        })
        .unwrap();
    assert!(
        mlh1.model
            .statement
            .starts_with("MSI-H tumours (MSI_status) have lower MLH1"),
        "{}",
        mlh1.model.statement
    );
    // Mutation effects are adjusted for the hypermutation axis found from the data (the
    // grouping explaining most of the mutation burden, or the burden itself), and say so.
    let pten: Vec<_> = result
        .hypotheses
        .iter()
        .filter(|h| h.model.entities.contains(&Mention::Mutation("PTEN".into())))
        .collect();
    assert!(
        !pten.is_empty(),
        "no PTEN mutation hypothesis: {listing:#?}"
    );
    for h in pten {
        // A module or pathway score compares carriers among tumours that are not hypermutated
        // instead.
        if matches!(h.kind(), Some(Kind::Modules | Kind::PathwayScores)) {
            assert!(
                h.model
                    .statement
                    .contains("among tumours that are not hypermutated"),
                "{}",
                h.model.statement
            );
            continue;
        }
        assert!(
            h.model
                .evidence
                .iter()
                .any(|e| e.role == graph::EvidenceRole::Adjusted
                    && (e.summary.contains("subtype") || e.summary.contains("mutation burden"))),
            "{}: {:#?}",
            h.model.statement,
            h.model.evidence
        );
        assert!(
            h.model.statement.contains("adjustment for"),
            "{}",
            h.model.statement
        );
    }
    // Unexplained is not rewarded as new: no hypothesis outscores the known ones on novelty
    // alone, and nothing unexplained claims more novelty than 0.5.
    for h in &result.hypotheses {
        if h.model.score.knowledge.status == KnowledgeStatus::Unexplained {
            assert!(h.model.score.novelty <= 0.5, "{:?}", h.model.score);
        }
    }
}

#[test]
fn textbook_associations_are_known_on_the_demo() {
    let study = datasets::demo::load().unwrap();
    check_textbook(&run_scripted(&study, DEMO_DIRECTIONS), DEMO_TEXTBOOK);
}

/// The full cohort: about three minutes in a debug build.
#[test]
fn textbook_associations_are_known_on_full_cptac_ucec() {
    let root = std::env::var_os("HYPOMICS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let dir = root.join("cptac-ucec");
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let study = datasets::Study::load(&dir).unwrap();
    check_textbook(&run_scripted(&study, CPTAC_DIRECTIONS), CPTAC_TEXTBOOK);
}
