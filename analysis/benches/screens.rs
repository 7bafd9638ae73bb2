//! Whole-layer screens at the sizes of a real cohort (CPTAC UCEC, Dou et al. 2020), timed step by
//! step and printed as a table. `analysis/reference/bench_peer.py` does the same work with
//! scipy / statsmodels / lifelines on the same files and prints the same table (and the ratios,
//! given this bench's JSON output).
//!
//! Run with `cargo bench -p hypomics-analysis`. The data folder defaults to
//! `../shared/data` beside the workspace; set `HYPOMICS_BENCH_DATA` to point elsewhere. Without
//! the data the bench prints why and exits successfully. `HYPOMICS_BENCH_ONLY=<a>,<b>` times
//! only the steps whose name contains one of the substrings (`bench_peer.py` reads it too).
//!
//! The bench reads the raw gzipped TSVs itself rather than through `datasets::Study::load`, so
//! that both implementations test byte-identical inputs (the study loader filters sparse features
//! and harmonises samples, which the Python peer would have to replicate). Loading time is
//! therefore not part of the comparison.

use analysis::cis::cis_correlations;
use analysis::cluster::{KMeansOptions, choose_k};
use analysis::compare::{CompareOptions, compare_layer};
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::enrichment::{
    GseaOptions, InterGeneCorrelation, SsgseaOptions, camera, preranked_gsea, ssgsea_sample_scores,
};
use analysis::gmt::parse_gmt;
use analysis::groups::{GroupLabels, SampleValues, TwoGroups};
use analysis::moderated::{ModerationOptions, moderated_paired, moderated_two_groups};
use analysis::multiple_testing::{benjamini_hochberg, storey_smoother};
use analysis::mutation_impact::{MutationOptions, mutation_impact};
use analysis::paired::{Pairs, compare_paired_layer};
use analysis::pca::{PcaOptions, pca};
use analysis::phospho::{SiteTerm, site_effects_adjusted_for_protein};
use analysis::survival::{
    Covariate, CoxOptions, SurvivalTimes, TimeTransform, cox_univariate_screen, firth_cox,
    proportional_hazards_test,
};
use datasets::{FeatureId, Matrix, SampleId};
use flate2::read::GzDecoder;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

fn main() {
    let root = std::env::var_os("HYPOMICS_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let ucec = root.join("cptac-ucec");
    if !ucec.join("proteomics.cct.gz").exists() {
        println!(
            "skipping the screens benchmark: {} not found (set HYPOMICS_BENCH_DATA to the folder \
             holding cptac-ucec/ and tcga-acc-mini/)",
            ucec.display()
        );
        return;
    }
    if let Err(e) = run(&root) {
        eprintln!("screens benchmark failed: {e}");
        std::process::exit(1);
    }
}

/// One timed step: the median and fastest of its repetitions.
struct Row {
    step: String,
    input: String,
    reps: usize,
    median: Duration,
    min: Duration,
}

/// Times `f`, unless `HYPOMICS_BENCH_ONLY` is set and names none of `step` (comma-separated
/// substrings, to re-measure or profile some steps without the others).
fn time<T>(rows: &mut Vec<Row>, step: &str, input: String, reps: usize, mut f: impl FnMut() -> T) {
    if let Some(only) = std::env::var_os("HYPOMICS_BENCH_ONLY")
        && !only.to_string_lossy().split(',').any(|o| step.contains(o))
    {
        return;
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    let row = Row {
        step: step.to_owned(),
        input,
        reps,
        median: times[times.len() / 2],
        min: times[0],
    };
    eprintln!("  {:<44} {:>10.4} s", row.step, row.median.as_secs_f64());
    rows.push(row);
}

fn run(root: &Path) -> Result<(), BoxError> {
    let ucec = root.join("cptac-ucec");
    let t0 = Instant::now();
    let proteome = read_tsv_gz(&ucec.join("proteomics.cct.gz"))?;
    let rna = read_tsv_gz(&ucec.join("transcriptomics_linear.cct.gz"))?;
    let phospho = read_tsv_gz(&ucec.join("phosphoproteomics_site.cct.gz"))?;
    let cna = read_tsv_gz(&ucec.join("CNA.cct.gz"))?;
    let variants = read_tsv_gz(&ucec.join("somatic_binary.cbt.gz"))?;
    let clinical = read_clinical(&ucec.join("clinical.txt"))?;
    eprintln!(
        "read inputs in {:.1} s (bench reader, not timed below); {} threads",
        t0.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );

    // Tumour vs normal (adjacent, enriched or myometrium normal), over all 153 samples.
    let tissue = clinical.column("Proteomics_Tumor_Normal")?;
    let labels: Vec<Option<&str>> = tissue
        .iter()
        .map(|t| match t.as_deref() {
            Some("Tumor") => Some("tumor"),
            Some(t) if t.ends_with("normal") => Some("normal"),
            _ => None,
        })
        .collect();
    let split = TwoGroups::from_labels(clinical.samples.clone(), &labels, "tumor", "normal")?;
    let immune: Vec<f64> = clinical
        .column("ESTIMATE_ImmuneScore")?
        .iter()
        .map(|v| {
            v.as_deref()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN)
        })
        .collect();
    let immune = SampleValues::new(clinical.samples.clone(), immune)?;
    let mutations = top_mutated_genes(&variants, 50)?;

    let mut rows = Vec::new();
    let both = CompareOptions {
        rank_test: true,
        ..CompareOptions::default()
    };
    let mut phospho_p = Vec::new();
    for (name, layer, reps) in [
        ("proteome", &proteome, 5),
        ("RNA", &rna, 5),
        ("phosphosites", &phospho, 3),
    ] {
        time(
            &mut rows,
            &format!("Welch + Mann-Whitney, {name}"),
            shape(layer),
            reps,
            || {
                let r = compare_layer(layer, &split, &both);
                if name == "phosphosites" {
                    phospho_p = r
                        .iter()
                        .map(|c| c.as_ref().map_or(f64::NAN, |c| c.welch.p_value))
                        .collect();
                }
                r
            },
        );
    }
    // Moderated and paired screens (issue 17): limma-style tumour vs normal, and tumour vs the
    // matched normal of the same participant.
    time(
        &mut rows,
        "moderated t (eBayes, trend), proteome",
        shape(&proteome),
        5,
        || moderated_two_groups(&proteome, &split, ModerationOptions { trend: true }),
    );
    let participants = GroupLabels::new(
        clinical.samples.clone(),
        &clinical.column("Proteomics_Participant_ID")?,
    )?;
    let pairs = Pairs::within(proteome.samples(), &split, &participants);
    time(
        &mut rows,
        "paired t + signed-rank, proteome",
        format!("{} pairs x {}", pairs.len(), proteome.n_features()),
        5,
        || compare_paired_layer(&proteome, &pairs, 3),
    );
    // The blocked model on the matched pairs and the features complete on them, as the peer
    // (inmoose cannot fit a feature whose missing values empty a participant's column).
    let pair_rows: Vec<usize> = pairs
        .a_rows
        .iter()
        .zip(&pairs.b_rows)
        .flat_map(|(&a, &b)| [a, b])
        .collect();
    let mut blocked = proteome.select_samples(&pair_rows);
    let complete: Vec<bool> = blocked
        .feature_columns()
        .map(|c| c.iter().all(|v| v.is_finite()))
        .collect();
    blocked.retain_features(&complete);
    time(
        &mut rows,
        "patient-blocked moderated t, proteome",
        shape(&blocked),
        3,
        || {
            moderated_paired(
                &blocked,
                &split,
                &participants,
                ModerationOptions::default(),
            )
        },
    );
    time(
        &mut rows,
        "Spearman vs immune score, proteome",
        shape(&proteome),
        5,
        || correlate_layer(&proteome, &immune, CorrelationMethod::Spearman, 3),
    );
    time(
        &mut rows,
        "mutation impact (Welch), 50 genes x proteome",
        format!("50 x {}", shape(&proteome)),
        3,
        || mutation_impact(&mutations, &proteome, &MutationOptions::default()),
    );
    for (name, source, target) in [
        ("CNV -> RNA", &cna, &rna),
        ("RNA -> protein", &rna, &proteome),
        ("CNV -> protein", &cna, &proteome),
    ] {
        time(
            &mut rows,
            &format!("cis Spearman, {name}"),
            format!("{} ~ {}", source.n_features(), target.n_features()),
            3,
            || cis_correlations(source, target, CorrelationMethod::Spearman, 3),
        );
    }

    // Cox: real TCGA-ACC follow-up, and the proteome with deterministic synthetic follow-up (the
    // CPTAC release carries none); bench_peer.py builds the same follow-up.
    let acc = root.join("tcga-acc-mini");
    if acc.join("clinical_colData.csv").exists() {
        let (acc_rna, acc_surv) = read_acc(&acc)?;
        time(
            &mut rows,
            "univariate Cox, TCGA-ACC RNA",
            shape(&acc_rna),
            5,
            || cox_univariate_screen(&acc_rna, &acc_surv, &CoxOptions::default()),
        );
    } else {
        eprintln!("  (tcga-acc-mini not found: skipping the TCGA-ACC Cox step)");
    }
    let synthetic = synthetic_follow_up(proteome.samples())?;
    time(
        &mut rows,
        "univariate Cox, proteome (synthetic follow-up)",
        shape(&proteome),
        3,
        || cox_univariate_screen(&proteome, &synthetic, &CoxOptions::default()),
    );

    time(
        &mut rows,
        "Benjamini-Hochberg, phosphosite Welch p",
        format!("{} p-values", phospho_p.len()),
        20,
        || benjamini_hochberg(&phospho_p),
    );
    time(
        &mut rows,
        "Storey q (qvalue smoother), phosphosite Welch p",
        format!("{} p-values", phospho_p.len()),
        20,
        || storey_smoother(&phospho_p),
    );

    // Gene-set statistics over the tumour-vs-normal Welch t of the proteome, WikiPathways sets
    // shipped with the graph crate (the peer reads the same file).
    let gmt = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph/knowledge/wikipathways.gmt.gz");
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(&gmt)?).read_to_string(&mut text)?;
    let sets = parse_gmt(&text)?;
    let welch = compare_layer(&proteome, &split, &CompareOptions::default());
    let genes: Vec<&str> = proteome.features().iter().map(|f| f.as_str()).collect();
    let t: Vec<f64> = welch
        .iter()
        .map(|c| c.as_ref().map_or(f64::NAN, |c| c.welch.statistic))
        .collect();
    let sets_shape = format!("{} sets x {} genes", sets.len(), genes.len());
    time(
        &mut rows,
        "preranked GSEA (1000 permutations), proteome t",
        sets_shape.clone(),
        3,
        || preranked_gsea(&sets, &genes, &t, &GseaOptions::default()),
    );
    time(
        &mut rows,
        "CAMERA (inter-gene correlation 0.01), proteome t",
        sets_shape.clone(),
        5,
        || camera(&sets, &genes, &t, InterGeneCorrelation::Fixed(0.01), 15),
    );
    let ss_options = SsgseaOptions {
        weight: 0.25,
        min_size: 15,
        normalize: true,
    };
    time(
        &mut rows,
        "ssGSEA scores, proteome",
        format!("{} sets x {}", sets.len(), shape(&proteome)),
        3,
        || ssgsea_sample_scores(&proteome, &sets, &ss_options),
    );

    // Phosphosites adjusted for their protein; PH check and Firth Cox per proteome feature.
    time(
        &mut rows,
        "phosphosite ~ tumour + protein (OLS)",
        shape(&phospho),
        3,
        || site_effects_adjusted_for_protein(&phospho, &proteome, SiteTerm::Groups(&split)),
    );
    let per_feature_cox = |f: usize, firth: bool| {
        let values = proteome.feature(f);
        let covariate = [Covariate {
            name: proteome.features()[f].as_str(),
            values,
        }];
        if firth {
            firth_cox(&covariate, &synthetic, &CoxOptions::default()).map(|_| ())
        } else {
            proportional_hazards_test(
                &covariate,
                &synthetic,
                TimeTransform::Rank,
                &CoxOptions::default(),
            )
            .map(|_| ())
        }
    };
    time(
        &mut rows,
        "Schoenfeld PH test, proteome (synthetic follow-up)",
        shape(&proteome),
        3,
        || {
            (0..proteome.n_features())
                .into_par_iter()
                .map(|f| per_feature_cox(f, false))
                .collect::<Vec<_>>()
        },
    );
    time(
        &mut rows,
        "Firth Cox, proteome (synthetic follow-up)",
        shape(&proteome),
        3,
        || {
            (0..proteome.n_features())
                .into_par_iter()
                .map(|f| per_feature_cox(f, true))
                .collect::<Vec<_>>()
        },
    );

    let mut scores = None;
    time(
        &mut rows,
        "PCA (10 components), proteome",
        shape(&proteome),
        5,
        || {
            let r = pca(&proteome, &PcaOptions::default());
            scores = r.as_ref().ok().and_then(|p| p.scores_matrix().ok());
            r
        },
    );
    if let Some(scores) = scores {
        time(
            &mut rows,
            "k-means k=2..8 by silhouette, PCA scores",
            shape(&scores),
            5,
            || choose_k(&scores, 2..=8, &KMeansOptions::default()),
        );
    }

    print_table(&rows);
    write_json(&rows)?;
    Ok(())
}

fn shape(m: &Matrix) -> String {
    format!("{} x {}", m.n_features(), m.n_samples())
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "hypomics analysis screens (Rust, {} threads)",
        rayon::current_num_threads()
    );
    println!(
        "{:<46} {:>18} {:>5} {:>12} {:>12}",
        "step", "features x samples", "reps", "median s", "min s"
    );
    for r in rows {
        println!(
            "{:<46} {:>18} {:>5} {:>12.4} {:>12.4}",
            r.step,
            r.input,
            r.reps,
            r.median.as_secs_f64(),
            r.min.as_secs_f64()
        );
    }
}

/// Writes the table where bench_peer.py can find it to print ratios.
fn write_json(rows: &[Row]) -> Result<(), BoxError> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    std::fs::create_dir_all(&target)?;
    let path = target.join("bench-screens-rust.json");
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "step": r.step, "input": r.input, "reps": r.reps,
                "median_s": r.median.as_secs_f64(), "min_s": r.min.as_secs_f64(),
            })
        })
        .collect();
    std::fs::write(&path, serde_json::to_string_pretty(&json)?)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

// ------------------------------------------------------------------ inputs

/// A CPTAC `.cct.gz`/`.cbt.gz` table: features as rows, samples as columns, `idx` corner, `NA`
/// for missing.
fn read_tsv_gz(path: &Path) -> Result<Matrix, BoxError> {
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(path)?).read_to_string(&mut text)?;
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty table")?;
    let samples: Vec<SampleId> = header.split('\t').skip(1).map(SampleId::from).collect();
    let mut features = Vec::new();
    let mut values = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let mut cells = line.split('\t');
        features.push(FeatureId::from(cells.next().unwrap_or_default()));
        let before = values.len();
        values.extend(cells.map(|c| c.parse::<f64>().unwrap_or(f64::NAN)));
        if values.len() - before != samples.len() {
            return Err(format!("{}: ragged row {}", path.display(), features.len()).into());
        }
    }
    Ok(Matrix::new(samples, features, values)?)
}

struct Clinical {
    samples: Vec<SampleId>,
    header: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

impl Clinical {
    fn column(&self, name: &str) -> Result<Vec<Option<String>>, BoxError> {
        let at = self
            .header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("clinical column {name} not found"))?;
        Ok(self
            .rows
            .iter()
            .map(|r| r.get(at).cloned().flatten())
            .collect())
    }
}

/// `clinical.txt` is Windows-1252 text; only ASCII columns are used, so a lossy decode is fine.
fn read_clinical(path: &Path) -> Result<Clinical, BoxError> {
    let text = String::from_utf8_lossy(&std::fs::read(path)?).into_owned();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .ok_or("empty clinical table")?
        .split('\t')
        .map(str::to_owned)
        .collect();
    let mut samples = Vec::new();
    let mut rows = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<Option<String>> = line
            .split('\t')
            .map(|c| (!c.is_empty() && c != "NA").then(|| c.to_owned()))
            .collect();
        samples.push(SampleId::from(
            cells.first().cloned().flatten().unwrap_or_default(),
        ));
        rows.push(cells);
    }
    Ok(Clinical {
        samples,
        header,
        rows,
    })
}

/// Collapses variant rows (`GENE_p.X123Y`) to genes (mutated if any variant is) and keeps the
/// `n` genes mutated in most samples (ties by name), as `samples x genes` 0/1.
fn top_mutated_genes(variants: &Matrix, n: usize) -> Result<Matrix, BoxError> {
    let samples = variants.n_samples();
    let mut genes: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (id, col) in variants.features().iter().zip(variants.feature_columns()) {
        let status = genes
            .entry(id.gene_symbol())
            .or_insert_with(|| vec![0.0; samples]);
        for (s, v) in status.iter_mut().zip(col) {
            if *v > 0.0 {
                *s = 1.0;
            }
        }
    }
    let mut ranked: Vec<(&str, Vec<f64>)> = genes.into_iter().collect();
    ranked.sort_by(|a, b| {
        let count = |v: &[f64]| v.iter().filter(|&&x| x > 0.0).count();
        count(&b.1).cmp(&count(&a.1)).then(a.0.cmp(b.0))
    });
    ranked.truncate(n);
    let features = ranked.iter().map(|(g, _)| FeatureId::from(*g)).collect();
    let columns = ranked.into_iter().map(|(_, v)| v).collect();
    Ok(Matrix::from_features(
        variants.samples().to_vec(),
        features,
        columns,
    )?)
}

/// TCGA-ACC RNA-seq as log2(RSEM + 1), columns renamed to patients, with death-or-follow-up
/// survival from the clinical table.
fn read_acc(dir: &Path) -> Result<(Matrix, SurvivalTimes), BoxError> {
    let clinical = std::fs::read_to_string(dir.join("clinical_colData.csv"))?;
    let mut lines = clinical.lines();
    let header = split_csv(lines.next().ok_or("empty clinical")?);
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no {name}"))
    };
    let (death_at, follow_at) = (col("days_to_death")?, col("days_to_last_followup")?);
    let (mut patients, mut death, mut follow) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let cells = split_csv(line);
        let num = |i: usize| {
            cells
                .get(i)
                .and_then(|c| c.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        patients.push(SampleId::from(cells.first().cloned().unwrap_or_default()));
        death.push(num(death_at));
        follow.push(num(follow_at));
    }
    let surv = SurvivalTimes::from_death_or_followup(patients, &death, &follow)?;

    let rna = std::fs::read_to_string(dir.join("RNASeq2GeneNorm.csv"))?;
    let mut lines = rna.lines();
    let header = split_csv(lines.next().ok_or("empty RNA table")?);
    let samples: Vec<SampleId> = header
        .iter()
        .skip(1)
        .map(|c| SampleId::from(c.get(..12).unwrap_or(c)))
        .collect();
    let mut features = Vec::new();
    let mut values = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let cells = split_csv(line);
        features.push(FeatureId::from(cells.first().cloned().unwrap_or_default()));
        values.extend(
            cells
                .iter()
                .skip(1)
                .map(|c| c.parse::<f64>().map_or(f64::NAN, |v| (v + 1.0).log2())),
        );
    }
    Ok((Matrix::new(samples, features, values)?, surv))
}

fn split_csv(line: &str) -> Vec<String> {
    line.split(',')
        .map(|c| c.trim_matches('"').to_owned())
        .collect()
}

/// Follow-up for the proteome's samples that depends only on their position, reproducible in
/// Python: time 100 + (7919 i mod 1000) days, an event unless i is a multiple of 3.
fn synthetic_follow_up(samples: &[SampleId]) -> Result<SurvivalTimes, BoxError> {
    let time = (0..samples.len())
        .map(|i| 100.0 + ((i * 7919) % 1000) as f64)
        .collect();
    let event = (0..samples.len()).map(|i| Some(i % 3 != 0)).collect();
    Ok(SurvivalTimes::new(samples.to_vec(), time, event)?)
}
