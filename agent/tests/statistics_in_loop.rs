//! The gene-set, phosphosite and survival statistics of issue 17 as the loop uses them, on
//! synthetic studies with planted truth (`datasets::synth`):
//!
//! - a screen's enrichment follow-up ranks the screen's whole signed statistic and tests the gene
//!   sets by preranked GSEA and CAMERA (with the inter-gene correlation estimated from the
//!   screen's residuals), and a set made of a planted module comes out on top, in the planted
//!   direction; sets of unplanted genes do not;
//! - per-sample pathway scores (ssGSEA) carry a planted module's shift as one strong test;
//! - phosphosite findings of a mutation screen are re-fitted with their protein held fixed: sites
//!   that only follow a protein the mutation moves lose their effect, sites the mutation
//!   phosphorylates directly keep it; a copy-number screen of phosphosites is read beyond
//!   protein abundance;
//! - a feature that separates the deaths is fitted by Firth's penalised Cox instead of being
//!   dropped, and a feature whose effect reverses over follow-up carries a proportional-hazards
//!   warning.

use agent::execute::Context;
use agent::hypothesis::Draft;
use agent::kinds::enrichment::Enrichment;
use agent::kinds::pathway_scores::PathwayScores;
use agent::kinds::phospho_adjusted::{BEYOND_PROTEIN, PhosphoAdjusted};
use agent::kinds::{FollowUpContext, Question};
use agent::ledger::{AnalysisRecord, Ledger, TestRow};
use agent::question::PlannedDirection;
use analysis::gmt::GeneSet;
use datasets::synth::{PlantedRelation, SynthConfig, SynthLayer, Truth, write_synthetic_study};
use datasets::{FeatureId, Matrix, SampleId, Study};
use graph::TestKind;
use std::collections::HashSet;

fn study(config: SynthConfig) -> (tempfile::TempDir, Study, Truth) {
    let dir = tempfile::tempdir().unwrap();
    let truth = write_synthetic_study(dir.path(), &config).unwrap();
    let study = Study::load(dir.path()).unwrap();
    (dir, study, truth)
}

fn all_samples(study: &Study) -> HashSet<SampleId> {
    study.clinical.samples.iter().cloned().collect()
}

/// The planted module of `gene`'s mutation in `layer`.
fn planted_module(truth: &Truth, gene: &str, layer: SynthLayer) -> Vec<FeatureId> {
    truth
        .planted
        .iter()
        .find_map(|p| match &p.relation {
            PlantedRelation::MutationShiftsModule {
                mutation,
                layer: l,
                features,
                ..
            } if mutation == gene && *l == layer => Some(features.clone()),
            _ => None,
        })
        .expect("the planted module")
}

/// Runs `question` on `ctx` and appends it to `ledger` as step `step`.
fn push(ledger: &mut Ledger, ctx: &Context<'_>, step: usize, question: Question) {
    let produced = question.execute(ctx).expect("the analysis runs");
    ledger.push(AnalysisRecord {
        step,
        direction: PlannedDirection {
            id: step,
            question,
            priority: 1.0,
            parent_step: None,
            rationale: String::new(),
        },
        module: produced.module.to_owned(),
        params: produced.params,
        layers: produced.layers,
        samples: produced.samples,
        rows: produced.rows,
        not_testable: produced.not_testable,
        notes: produced.notes,
    });
}

/// The follow-ups the analysis at `index` opens.
fn follow_ups(study: &Study, ledger: &Ledger, index: usize) -> Vec<Question> {
    let opened = FollowUpContext::new(study, ledger, index).expect("strong findings");
    opened
        .record
        .direction
        .question
        .follow_ups(&opened)
        .into_iter()
        .map(|(q, _)| q)
        .collect()
}

/// Gene sets: the planted PTEN module's genes (with five unplanted genes mixed in) and sets of
/// unplanted genes of the same size.
fn gene_sets(study: &Study, planted: &[FeatureId]) -> Vec<GeneSet> {
    let planted_genes: HashSet<&str> = planted.iter().map(|f| f.gene_symbol()).collect();
    let proteome = study.layer_named("proteome").unwrap();
    let others: Vec<String> = proteome
        .matrix
        .features()
        .iter()
        .map(|f| f.gene_symbol().to_owned())
        .filter(|g| !planted_genes.contains(g.as_str()))
        .collect();
    let mut sets = vec![GeneSet {
        name: "PLANTED_PTEN".into(),
        description: "the planted PTEN module".into(),
        genes: planted_genes
            .iter()
            .map(|g| g.to_string())
            .chain(others[..5].iter().cloned())
            .collect(),
    }];
    for (i, chunk) in others[5..].chunks(25).take(30).enumerate() {
        sets.push(GeneSet {
            name: format!("RANDOM_{i}"),
            description: "unplanted genes".into(),
            genes: chunk.to_vec(),
        });
    }
    sets
}

#[test]
fn enrichment_follow_up_runs_gsea_and_camera_on_the_screens_ranking() {
    let (_dir, study, truth) = study(SynthConfig {
        seed: 5,
        ..SynthConfig::default()
    });
    let planted = planted_module(&truth, "PTEN", SynthLayer::Proteome);
    let sets = gene_sets(&study, &planted);
    let scope = all_samples(&study);
    let ctx = Context {
        study: &study,
        scope: &scope,
        gene_sets: &sets,
        seed: 1,
    };
    let mut ledger = Ledger::default();
    push(
        &mut ledger,
        &ctx,
        0,
        agent::kinds::mutation_impact::MutationImpact {
            gene: "PTEN".into(),
            layer: "proteome".into(),
        }
        .into(),
    );
    let enrichment: Enrichment = follow_ups(&study, &ledger, 0)
        .into_iter()
        .find_map(|q| match q {
            Question::Enrichment(e) => Some(e),
            _ => None,
        })
        .expect("the screen opens an enrichment follow-up");
    let ranking = enrichment.ranking.as_ref().expect("ranked by the screen");
    assert_eq!(ranking.contrast, "mutated vs wild-type");
    assert_eq!(
        ranking.groups.as_ref().map(|g| g.variable.as_str()),
        Some("PTEN mutation")
    );
    // Scores are signed z of the screen's p: a planted (lowered) protein scores negative.
    let planted_ids: HashSet<&str> = planted.iter().map(|f| f.as_str()).collect();
    let planted_scores: Vec<f64> = ranking
        .features
        .iter()
        .zip(&ranking.scores.0)
        .filter(|(f, _)| planted_ids.contains(f.as_str()))
        .map(|(_, s)| *s)
        .collect();
    assert!(planted_scores.len() >= 15);
    assert!(planted_scores.iter().filter(|s| **s < -2.0).count() >= 10);

    push(&mut ledger, &ctx, 1, enrichment.into());
    let record = &ledger.analyses()[1];
    assert_eq!(record.module, "gene_set_tests");
    assert!(
        record.params["camera"]["inter_gene_correlation"]
            .as_str()
            .unwrap()
            .starts_with("estimated"),
        "{}",
        record.params
    );
    for test in [TestKind::Gsea, TestKind::Camera] {
        let rows: Vec<&TestRow> = record.rows.iter().filter(|r| r.test == test).collect();
        assert_eq!(rows.len(), sets.len(), "{test}: every set is tested");
        let best = rows.iter().min_by(|a, b| a.p.total_cmp(&b.p)).unwrap();
        assert_eq!(best.feature, "PLANTED_PTEN", "{test}");
        assert_eq!(best.contrast, "down", "{test}: PTEN lowers its module");
        assert!(best.effect < 0.0 && best.p < 0.01, "{test}: {best:?}");
        // The genes carrying the signal are named, for the pathway clause of hypotheses.
        assert!(
            best.gene
                .split(',')
                .filter(|g| planted.iter().any(|f| f.gene_symbol() == *g))
                .count()
                >= 10
        );
        let random_small = rows
            .iter()
            .filter(|r| r.feature.starts_with("RANDOM") && r.p < 0.001)
            .count();
        assert!(
            random_small <= 1,
            "{test}: {random_small} random sets at p < 0.001"
        );
    }
    // Every set's p-value is in the run's family: the planted set is claimed run-wide.
    let claimed = ledger.strong_rows(1, agent::ledger::Q_STRONG);
    assert!(
        claimed
            .iter()
            .any(|&r| record.rows[r].feature == "PLANTED_PTEN"),
        "the planted set is claimed"
    );
    assert!(
        claimed
            .iter()
            .all(|&r| !record.rows[r].feature.starts_with("RANDOM")),
        "no random set is claimed"
    );
}

#[test]
fn pathway_scores_carry_a_planted_module_as_one_test() {
    let (_dir, study, truth) = study(SynthConfig {
        seed: 6,
        ..SynthConfig::default()
    });
    let planted = planted_module(&truth, "PTEN", SynthLayer::Proteome);
    let sets = gene_sets(&study, &planted);
    let scope = all_samples(&study);
    let ctx = Context {
        study: &study,
        scope: &scope,
        gene_sets: &sets,
        seed: 1,
    };
    let question: Question = PathwayScores {
        layer: "proteome".into(),
        focus: None,
    }
    .into();
    let produced = question.execute(&ctx).unwrap();
    assert_eq!(produced.module, "pathway_scores");
    let pten: Vec<&TestRow> = produced
        .rows
        .iter()
        .filter(|r| r.variable == "PTEN mutation")
        .collect();
    assert_eq!(
        pten.len(),
        sets.len(),
        "every pathway is tested against PTEN"
    );
    let best = pten.iter().min_by(|a, b| a.p.total_cmp(&b.p)).unwrap();
    assert_eq!(best.feature, "PLANTED_PTEN");
    assert!(best.p < 1e-6 && best.effect < 0.0, "{best:?}");
    assert_eq!(best.test, TestKind::MannWhitney);
    // Survival and clinical variables are tested too.
    assert!(produced.rows.iter().any(|r| r.test.is_cox()));
    assert!(
        produced
            .rows
            .iter()
            .filter(|r| r.feature.starts_with("RANDOM") && r.variable == "PTEN mutation")
            .all(|r| r.p > 1e-4)
    );

    // The hypothesis names the pathway and the method, and its re-test asks one pathway
    // against one variable.
    let mut ledger = Ledger::default();
    push(&mut ledger, &ctx, 0, question.clone());
    let record = &ledger.analyses()[0];
    let r = record
        .rows
        .iter()
        .position(|r| r.feature == "PLANTED_PTEN" && r.variable == "PTEN mutation")
        .unwrap();
    let mut draft = Draft {
        ledger: &ledger,
        index: 0,
        analysis: record,
        row: &record.rows[r],
        q: ledger.q(0, r),
        feature: graph::Mention::feature("proteome pathway scores".to_owned(), "x".to_owned()),
        stats: String::new(),
        entities: Vec::new(),
        relations: Vec::new(),
        evidence: Vec::new(),
        validation_question: None,
    };
    let statement = question.statement(&mut draft).expect("a statement");
    assert!(
        statement.contains("PLANTED_PTEN") && statement.contains("ssGSEA"),
        "{statement}"
    );
    assert!(
        statement.starts_with("PTEN-mutated tumours have lower"),
        "{statement}"
    );
    assert_eq!(
        draft.feature,
        graph::Mention::Pathway("PLANTED_PTEN".into())
    );
    let Some(Question::PathwayScores(PathwayScores {
        focus: Some(focus), ..
    })) = &draft.validation_question
    else {
        panic!("validated on the one pathway");
    };
    assert_eq!(
        (focus.set.as_str(), focus.variable.as_str()),
        ("PLANTED_PTEN", "PTEN mutation")
    );
    let validation = draft.validation_question.clone().unwrap();
    let again = validation.execute(&ctx).unwrap();
    assert!(again.rows.iter().all(|r| r.variable == "PTEN mutation"));
    assert!(again.rows.iter().all(|r| r.feature == "PLANTED_PTEN"));
}

#[test]
fn phosphosites_are_read_beyond_their_protein() {
    let (_dir, base, truth) = study(SynthConfig {
        seed: 7,
        ..SynthConfig::default()
    });
    // PIK3CA phosphorylates sites directly (planted in the phosphosite layer). PTEN lowers
    // proteins; sites that merely follow those proteins (added here: the protein's value plus
    // noise) change with PTEN too, but not beyond their protein.
    let pten_proteins = planted_module(&truth, "PTEN", SynthLayer::Proteome);
    let pik3ca_sites = planted_module(&truth, "PIK3CA", SynthLayer::Phospho);
    let phospho = base
        .layers
        .iter()
        .find(|l| l.kind == datasets::LayerKind::Phosphosite)
        .expect("a phosphosite layer")
        .name
        .clone();
    let proteome = &base.layer_named("proteome").unwrap().matrix;
    let site_samples = base
        .layer_named(&phospho)
        .unwrap()
        .matrix
        .samples()
        .to_vec();
    let extra: Vec<(String, Vec<f64>)> = pten_proteins
        .iter()
        .map(|p| {
            let f = proteome.feature_index(p.as_str()).unwrap();
            let values = site_samples
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let noise = (((i * 7919 + f * 104_729) % 1000) as f64 / 1000.0 - 0.5) * 0.6;
                    proteome
                        .sample_index(s.as_str())
                        .map_or(f64::NAN, |r| proteome.feature(f)[r] + noise)
                })
                .collect();
            (format!("{}-S9999", p.gene_symbol()), values)
        })
        .collect();
    let sites_following_protein: Vec<String> = extra.iter().map(|(id, _)| id.clone()).collect();
    let study = with_features(&base, &phospho, extra);
    let scope = all_samples(&study);
    let ctx = Context {
        study: &study,
        scope: &scope,
        gene_sets: &[],
        seed: 1,
    };

    for (gene, sites, holds) in [
        (
            "PIK3CA",
            pik3ca_sites
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>(),
            true,
        ),
        ("PTEN", sites_following_protein, false),
    ] {
        let mut ledger = Ledger::default();
        push(
            &mut ledger,
            &ctx,
            0,
            agent::kinds::mutation_impact::MutationImpact {
                gene: gene.into(),
                layer: phospho.clone(),
            }
            .into(),
        );
        let opened = follow_ups(&study, &ledger, 0);
        let adjusted = opened
            .iter()
            .find_map(|q| match q {
                Question::PhosphoAdjusted(p) => Some(p.clone()),
                _ => None,
            })
            .expect("a phosphosite screen of a study with a proteome opens the re-fit");
        assert_eq!(adjusted.contrasts, ["mutated vs wild-type"]);
        // Re-fit the sites in question (the planted ones), as the follow-up does for its own.
        let refit: Question = PhosphoAdjusted {
            features: sites.clone(),
            ..adjusted
        }
        .into();
        push(&mut ledger, &ctx, 1, refit);
        let record = &ledger.analyses()[1];
        let rows: Vec<&TestRow> = record.rows.iter().collect();
        assert!(rows.len() >= 5, "{gene}: {} sites re-fitted", rows.len());
        assert!(rows.iter().all(|r| r.test == TestKind::OlsT
            && r.contrast == format!("mutated vs wild-type, {BEYOND_PROTEIN}")));
        let significant = rows.iter().filter(|r| r.p < 0.01).count();
        let screen: Vec<&TestRow> = ledger.analyses()[0]
            .rows
            .iter()
            .filter(|r| sites.contains(&r.feature))
            .collect();
        let screen_significant = screen.iter().filter(|r| r.p < 0.01).count();
        if holds {
            assert!(
                2 * significant >= rows.len(),
                "{gene}: direct phosphorylation holds with the protein fixed ({significant} of {})",
                rows.len()
            );
        } else {
            assert!(
                screen_significant >= 3,
                "{gene}: the sites follow their proteins in the screen ({screen_significant})"
            );
            assert!(
                significant * 4 <= screen_significant,
                "{gene}: with the protein held fixed the change is mostly gone ({significant} vs {screen_significant})"
            );
        }
    }

    // Copy number on phosphosites is read beyond protein abundance.
    let cis: Question = agent::kinds::cis::Cis {
        source: study
            .layers
            .iter()
            .find(|l| l.kind == datasets::LayerKind::CopyNumber)
            .unwrap()
            .name
            .clone(),
        target: phospho.clone(),
    }
    .into();
    let produced = cis.execute(&ctx).unwrap();
    assert_eq!(produced.module, "cis_beyond_protein");
    assert!(!produced.rows.is_empty());
    assert!(
        produced
            .rows
            .iter()
            .all(|r| r.test == TestKind::OlsT && r.contrast.ends_with(BEYOND_PROTEIN))
    );
}

/// `study` with extra features in `layer` (one value per sample of the layer).
fn with_features(study: &Study, layer: &str, extra: Vec<(String, Vec<f64>)>) -> Study {
    let mut study = study.clone();
    let layer = study.layers.iter_mut().find(|l| l.name == layer).unwrap();
    let m = &layer.matrix;
    let mut ids: Vec<FeatureId> = m.features().to_vec();
    let mut columns: Vec<Vec<f64>> = m.feature_columns().map(|c| c.to_vec()).collect();
    for (name, values) in extra {
        ids.push(FeatureId::from(name.as_str()));
        columns.push(values);
    }
    layer.matrix = Matrix::from_features(m.samples().to_vec(), ids, columns).unwrap();
    study
}

#[test]
fn survival_rescues_separation_with_firth_and_warns_on_non_proportional_hazards() {
    let (_dir, base, _truth) = study(SynthConfig {
        seed: 8,
        ..SynthConfig::default()
    });
    let samples = base
        .layer_named("proteome")
        .unwrap()
        .matrix
        .samples()
        .to_vec();
    let outcome = base.clinical.survival[0].name.clone();
    let (time, event) = base.clinical.outcome_for(&outcome, &samples).unwrap();
    let observed: Vec<f64> = time
        .iter()
        .zip(&event)
        .filter(|(t, e)| t.is_finite() && **e == Some(true))
        .map(|(t, _)| *t)
        .collect();
    let mut sorted = observed.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    // Separation (monotone likelihood): a feature high only in patients who never die, the
    // event-free group of Heinze & Schemper: the twelve longest-followed censored tumours.
    let mut censored: Vec<(f64, usize)> = time
        .iter()
        .zip(&event)
        .enumerate()
        .filter(|(_, (t, e))| t.is_finite() && **e == Some(false))
        .map(|(i, (t, _))| (*t, i))
        .collect();
    censored.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(censored.len() >= 20);
    let event_free: HashSet<usize> = censored.iter().take(12).map(|c| c.1).collect();
    let separator: Vec<f64> = (0..time.len())
        .map(|i| if event_free.contains(&i) { 1.0 } else { 0.0 })
        .collect();
    // An effect that fades: early deaths high, late deaths low, the censored in between.
    let crossing: Vec<f64> = time
        .iter()
        .zip(&event)
        .enumerate()
        .map(|(i, (t, e))| {
            let jitter = ((i * 7919) % 101) as f64 / 1000.0;
            match e {
                Some(true) if *t < median => 1.0 + jitter,
                Some(true) => jitter,
                _ => 0.5 + jitter,
            }
        })
        .collect();
    let study = with_features(
        &base,
        "proteome",
        vec![
            ("SEPARATOR".to_owned(), separator),
            ("CROSSING".to_owned(), crossing),
        ],
    );
    let scope = all_samples(&study);
    let ctx = Context {
        study: &study,
        scope: &scope,
        gene_sets: &[],
        seed: 1,
    };
    let question: Question = agent::kinds::survival::Survival {
        layer: "proteome".into(),
        outcome: Some(outcome),
    }
    .into();
    let produced = question.execute(&ctx).unwrap();
    let separator = produced
        .rows
        .iter()
        .find(|r| r.feature == "SEPARATOR")
        .unwrap_or_else(|| {
            panic!(
                "the separating feature is tested, not dropped: {:?}",
                produced.notes
            )
        });
    assert_eq!(separator.test, TestKind::CoxFirth);
    // No deaths among the high: a finite, negative log hazard ratio.
    assert!(separator.effect.is_finite() && separator.effect < 0.0);
    assert!(separator.p < 0.01, "{separator:?}");
    assert!(
        separator
            .warning
            .as_deref()
            .unwrap()
            .contains("monotone likelihood")
    );
    assert_eq!(produced.params["firth"], 1, "{}", produced.params);
    // Ordinary features keep the ordinary Cox Wald test.
    assert!(
        produced
            .rows
            .iter()
            .filter(|r| r.feature != "SEPARATOR")
            .all(|r| r.test == TestKind::CoxWald)
    );

    let crossing = produced
        .rows
        .iter()
        .find(|r| r.feature == "CROSSING")
        .unwrap();
    assert!(crossing.p < 0.05, "{crossing:?}");
    let warning = crossing.warning.as_deref().expect("a PH warning");
    assert!(warning.contains("Schoenfeld"), "{warning}");
    // Most features, with proportional hazards by construction, carry no warning.
    let warned = produced.rows.iter().filter(|r| r.warning.is_some()).count();
    assert!(warned * 20 < produced.rows.len(), "{warned} warnings");
    // The planted prognostic feature (proportional by construction) is checked and passes.
    assert!(produced.params["ph_checked"].as_u64().unwrap() >= 2);
}

/// The loop itself takes these paths: on a synthetic study with a gene set of the planted PTEN
/// module among the shipped-like sets, a run opens the ranked gene-set follow-up (GSEA and
/// CAMERA rows, named in findings.tsv), scores pathways per sample, re-fits phosphosite findings
/// beyond their protein, and checks proportional hazards in its survival screens.
#[test]
fn a_run_uses_the_new_statistics() {
    // Strong planted effects, so that the run-wide error control claims them on the discovery
    // half and their follow-ups open.
    let (_dir, study, truth) = study(SynthConfig {
        seed: 9,
        n_genes: 1000,
        mutation_modules: vec![
            datasets::synth::MutationModuleSpec {
                gene: "PTEN".into(),
                frequency: 0.3,
                layer: SynthLayer::Proteome,
                n_features: 20,
                effect: -1.5,
            },
            datasets::synth::MutationModuleSpec {
                gene: "PIK3CA".into(),
                frequency: 0.3,
                layer: SynthLayer::Phospho,
                n_features: 15,
                effect: 2.0,
            },
        ],
        ..SynthConfig::default()
    });
    let planted = planted_module(&truth, "PTEN", SynthLayer::Proteome);
    let knowledge = agent::knowledge::Knowledge::from_sets(gene_sets(&study, &planted));
    let config = agent::run::RunConfig {
        permutations: 0,
        budget: agent::run::Budget {
            max_analyses: 70,
            max_seconds: 1200.0,
        },
        ..agent::run::RunConfig::default()
    };
    let mut planner = agent::planner::OfflinePlanner::default();
    let result =
        agent::run::run(&study, &knowledge, &config, None, &mut planner, &mut |_| {}).expect("run");
    let analyses = result.ledger.analyses();
    let of =
        |pick: fn(&Question) -> bool| analyses.iter().filter(move |a| pick(&a.direction.question));
    let ranked: Vec<&AnalysisRecord> = of(|q| matches!(q, Question::Enrichment(_))).collect();
    assert!(!ranked.is_empty(), "an enrichment follow-up ran");
    for a in &ranked {
        assert_eq!(a.module, "gene_set_tests");
        assert!(a.rows.iter().any(|r| r.test == TestKind::Gsea));
        assert!(a.rows.iter().any(|r| r.test == TestKind::Camera));
    }
    assert!(of(|q| matches!(q, Question::PathwayScores(_))).count() >= 1);
    let listing: Vec<String> = analyses
        .iter()
        .map(|a| {
            format!(
                "{} {} ({} strong)",
                a.step,
                a.direction.question.describe(),
                result
                    .ledger
                    .strong_rows(
                        result.ledger.index_of(a.step).unwrap(),
                        agent::ledger::Q_STRONG
                    )
                    .len()
            )
        })
        .collect();
    assert!(
        of(|q| matches!(q, Question::PhosphoAdjusted(_))).count() >= 1,
        "{listing:#?}"
    );
    let survival: Vec<&AnalysisRecord> = of(|q| matches!(q, Question::Survival(_))).collect();
    assert!(!survival.is_empty());
    assert!(survival.iter().all(|a| a.params["ph_checked"].is_u64()));
    let tsv = agent::output::findings_tsv(&result);
    assert!(tsv.lines().next().unwrap().ends_with("\twarning"));
    for name in ["gsea_preranked", "camera"] {
        assert!(
            tsv.contains(&format!("\t{name}\t")),
            "findings.tsv names {name}"
        );
    }
}
