//! The `hypomics` command line. It only parses arguments and calls into the crates.

mod init;

use agent::planner_choice::PlannerChoice;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hypomics",
    version,
    about = "Scored, evidence-backed hypotheses from multiomics tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a study folder and summarise its layers, samples and clinical variables.
    Inspect {
        /// The study folder (tables, optionally a study.toml).
        dir: Option<PathBuf>,
        /// Inspect the bundled demo study (CPTAC endometrial carcinoma, trimmed).
        #[arg(long, conflicts_with = "dir")]
        demo: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write DIR/study.toml with everything hypomics infers for the folder, each decision
    /// explained in a comment, for you to edit.
    Init {
        /// The study folder.
        dir: PathBuf,
        /// Overwrite an existing study.toml.
        #[arg(long)]
        force: bool,
    },
    /// Explore a study autonomously and write ranked, evidence-backed hypotheses.
    Run {
        /// The study folder.
        dir: Option<PathBuf>,
        /// Run on the bundled demo study.
        #[arg(long, conflicts_with = "dir")]
        demo: bool,
        /// Output folder: report.html, hypotheses.json, findings.tsv, summary.json, journal.jsonl.
        #[arg(long, default_value = "hypomics-out")]
        out: PathBuf,
        /// Seed for the discovery/validation split and clustering; the same seed gives the same run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Most analyses to run. Default: 40, grown to fit a first screen of every clinical
        /// variable, recurrent mutation and survival outcome plus 20 analyses for follow-ups.
        #[arg(long)]
        max_analyses: Option<usize>,
        /// Wall-time budget for exploration, in seconds.
        #[arg(long, default_value_t = 600.0)]
        max_seconds: f64,
        /// Label-shuffled re-runs for the empirical false-hypothesis rate (with a 95% interval).
        #[arg(long, default_value_t = 10)]
        permutations: usize,
        /// Continue a run that was interrupted, from its journal in --out.
        #[arg(long)]
        resume: bool,
        /// Who chooses directions: `offline` rules (default), or `llm` (an OpenAI-compatible
        /// endpoint from HYPOMICS_LLM_BASE_URL, falling back to the rules step by step).
        #[arg(long, default_value = "offline")]
        planner: PlannerChoice,
        /// Re-test every hypothesis on this external cohort as well (a study folder).
        #[arg(long)]
        validate_with: Option<PathBuf>,
        /// Graph store the run records itself in: a SQLite file or a postgres:// URL; several
        /// runs and studies can share one. Default: OUT/hypomics.db.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Run the whole loop on K label-shuffled copies of a study (clinical rows and mutation
    /// profiles reassigned at random) and report how many hypotheses survive there: the empirical
    /// false-hypothesis rate, next to the count on the real labels.
    Calibrate {
        /// The study folder.
        dir: Option<PathBuf>,
        /// Calibrate on the bundled demo study.
        #[arg(long, conflicts_with = "dir")]
        demo: bool,
        /// Label-shuffled runs.
        #[arg(long, default_value_t = 10)]
        permutations: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Most analyses per run (default: as `run`).
        #[arg(long)]
        max_analyses: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Score a run on a synthetic study against its truth.json: recall of planted relations
    /// among the hypotheses, and the fraction of hypotheses that are not planted.
    Eval {
        /// The synthetic study folder (with truth.json).
        dir: PathBuf,
        /// The run's output folder (with hypotheses.json); without it, the agent runs first.
        #[arg(long)]
        run: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic study with planted relationships of known size, plus its truth.json.
    Synth {
        /// Folder to write (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Random seed: the same seed writes byte-identical files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of tumour samples.
        #[arg(long)]
        tumours: Option<usize>,
        /// `harder` (default): background co-expression modules, co-regulated planted sets, a
        /// batch effect and a hypermutated subgroup confounding one gene's mutation; `classic`:
        /// the study as written before those existed.
        #[arg(long, value_enum, default_value = "harder")]
        preset: SynthPreset,
    },
    /// Benchmark the agent on many synthetic studies: for each seed, synth -> run -> eval, then
    /// mean recall, mean fraction of hypotheses not planted, confounded claims, per kind.
    BenchSynth {
        /// Seeds as `FIRST..END` (END excluded), e.g. `100..110`; develop on low seeds and keep
        /// these unseen.
        #[arg(long, default_value = "100..110")]
        seeds: String,
        /// Folder for the studies and runs (one `seed-N` folder each) and `bench.json`.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "harder")]
        preset: SynthPreset,
        /// Analyses per run (default: the run's default budget).
        #[arg(long)]
        max_analyses: Option<usize>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run many studies from one TOML manifest (each with its own planner, budget and optional
    /// schedule), up to `parallel` at a time, then print a summary with the change since each
    /// study's previous run. Exits non-zero if any job failed.
    Batch {
        /// The manifest: `[batch]` (workspace, store, parallel, webhook) and `[[study]]` tables.
        manifest: PathBuf,
        /// Seconds a job's claim lasts without renewal (how soon a killed batch's job is resumed).
        #[arg(long, default_value_t = 60)]
        lease_seconds: u64,
        /// Print the summary as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// No progress lines.
        #[arg(long)]
        quiet: bool,
        /// Secret the manifest's webhook calls are signed with (HMAC-SHA256 in the
        /// X-Hypomics-Signature header); required when the manifest has a webhook.
        #[arg(long, env = "HYPOMICS_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
    },
    /// Manage graph stores (SQLite files and PostgreSQL databases).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Serve the dashboard and REST API (OpenAPI at /api/openapi.json) and run queued jobs.
    /// With no options it keeps everything in ./hypomics-workspace, with the demo study ready.
    Serve {
        /// Folder for the graph store, job outputs and uploads (created if missing).
        #[arg(long, default_value = "hypomics-workspace")]
        workspace: PathBuf,
        /// The graph store: a SQLite file (default WORKSPACE/hypomics.db) or a postgres:// URL
        /// that several servers share.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Only read an existing store: no job queue, no workspace, no writes.
        #[arg(long)]
        read_only: bool,
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = web::DEFAULT_ADDR)]
        addr: std::net::SocketAddr,
        /// Folders under this one may be registered as studies through the API.
        #[arg(long)]
        data_root: Option<PathBuf>,
        /// Token for writes (default: $HYPOMICS_TOKEN, else a random one printed at start).
        #[arg(long, env = "HYPOMICS_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Reads need the token too.
        #[arg(long)]
        private: bool,
        /// Worker threads running jobs (0: this server only queues them).
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Largest accepted upload, in MiB.
        #[arg(long, default_value_t = 512)]
        upload_limit_mb: usize,
        /// Seconds a job's claim lasts without renewal (how soon a killed server's job is resumed).
        #[arg(long, default_value_t = 60)]
        lease_seconds: u64,
        /// URL that receives a JSON summary (POST) whenever a job ends.
        #[arg(long)]
        webhook: Option<String>,
        /// Secret the webhook's bodies are signed with (HMAC-SHA256 in the
        /// X-Hypomics-Signature header); required with --webhook.
        #[arg(long, env = "HYPOMICS_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: Option<String>,
        /// Also answer for this host name (repeatable); loopback names and IP addresses always
        /// work. Needed when the server is reached by a DNS name (guards against DNS rebinding).
        #[arg(long = "allowed-host", value_name = "NAME")]
        allowed_hosts: Vec<String>,
        /// The server is reached over HTTPS (a TLS proxy in front): session cookies get `Secure`.
        #[arg(long)]
        secure_cookie: bool,
        /// Connections served at once (more wait until one closes).
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
        /// Live job event streams served at once (more get 503).
        #[arg(long, default_value_t = web::auth::DEFAULT_EVENT_STREAMS)]
        max_event_streams: usize,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Copy a whole store (runs, findings, hypotheses, studies, jobs, events, schedules) into a
    /// new, empty store, e.g. from a SQLite file to a PostgreSQL database or back, then check
    /// that both hold the same values table by table.
    Migrate {
        /// The store to copy: a SQLite file or a postgres:// URL (migrated to this version's
        /// schema first, as any writable open would).
        #[arg(long)]
        from: String,
        /// The store to create: a SQLite file or a postgres:// URL of an existing, empty database.
        #[arg(long)]
        to: String,
        /// Print the per-table report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The chain of causes, one per line; a backtrace helps us, not the user.
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect { dir, demo, json } => {
            let study = load_study(dir, demo)?;
            let summary = datasets::StudySummary::of(&study);
            if json {
                emit(&serde_json::to_string_pretty(&summary)?)?;
            } else {
                emit(&summary.to_string())?;
            }
        }
        Command::Init { dir, force } => emit(&init::write_study_toml(&dir, force)?)?,
        Command::Run {
            dir,
            demo,
            out,
            seed,
            max_analyses,
            max_seconds,
            permutations,
            resume,
            planner,
            validate_with,
            store,
        } => {
            let study = load_study(dir, demo)?;
            let external = validate_with
                .map(|d| load_study(Some(d), false))
                .transpose()?;
            let config = agent::run::RunConfig {
                seed,
                budget: agent::run::Budget {
                    max_analyses: max_analyses
                        .unwrap_or(agent::run::Budget::default().max_analyses),
                    max_seconds,
                },
                permutations,
                grow_budget: max_analyses.is_none(),
                ..Default::default()
            };
            let store = store.unwrap_or_else(|| out.join("hypomics.db"));
            run_agent(
                &study,
                &config,
                out,
                resume,
                planner,
                external.as_ref(),
                Some(store),
            )?;
        }
        Command::Calibrate {
            dir,
            demo,
            permutations,
            seed,
            max_analyses,
            json,
        } => {
            let study = load_study(dir, demo)?;
            let knowledge = agent::knowledge::Knowledge::embedded().map_err(anyhow::Error::msg)?;
            let config = agent::run::RunConfig {
                seed,
                permutations,
                budget: agent::run::Budget {
                    max_analyses: max_analyses
                        .unwrap_or(agent::run::Budget::default().max_analyses),
                    ..Default::default()
                },
                grow_budget: max_analyses.is_none(),
                ..Default::default()
            };
            let mut planner = agent::planner::OfflinePlanner::default();
            let result =
                agent::run::run(&study, &knowledge, &config, None, &mut planner, &mut |e| {
                    if let agent::run::Event::Calibrating { .. } = e {
                        eprintln!("{}", e.progress().line());
                    }
                })?;
            let c = &result.summary.calibration;
            if json {
                emit(&serde_json::to_string_pretty(c)?)?;
            } else {
                emit(&format!(
                    "real labels: {} label-dependent hypotheses ({} replicated on held-out samples) in {} analyses\n\
                     {} label-shuffled runs: {:?} hypotheses ({:?} replicated) in {:?} analyses\n\
                     {}\n\
                     empirical false-hypothesis rate {}, among replicated {}\n",
                    c.real_hypotheses,
                    c.real_replicated,
                    c.real_analyses,
                    c.permutations,
                    c.null_hypotheses,
                    c.null_replicated,
                    c.null_analyses,
                    agent::output::null_rate_text(c),
                    c.false_hypothesis_rate
                        .map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                    c.false_replicated_rate
                        .map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0)),
                ))?;
            }
        }
        Command::Eval { dir, run, json } => {
            let study = load_study(Some(dir.clone()), false)?;
            let truth = datasets::synth::Truth::read(&dir)?;
            let out = run.unwrap_or_else(|| dir.join("hypomics-out"));
            if !out.join("hypotheses.json").exists() {
                run_agent(
                    &study,
                    &agent::run::RunConfig::default(),
                    out.clone(),
                    false,
                    PlannerChoice::Offline,
                    None,
                    None,
                )?;
            }
            let file = agent::output::read_hypotheses(&out.join("hypotheses.json"))
                .map_err(anyhow::Error::msg)?;
            let report = agent::eval::evaluate(&truth, &file.hypotheses, &study);
            if json {
                emit(&serde_json::to_string_pretty(&report)?)?;
            } else {
                let mut t = format!(
                    "recall {:.0}% ({} of {} planted relations), {:.0}% of {} hypotheses not planted, {} about nuisance, {} confounded relations claimed\n",
                    report.recall * 100.0,
                    report.recovered,
                    report.planted,
                    report.not_planted_fraction * 100.0,
                    report.hypotheses,
                    report.nuisance_found,
                    report.confounded_claimed
                );
                t.push_str(&kind_lines(
                    &report.by_planted_kind,
                    &report.by_hypothesis_kind,
                ));
                for r in &report.relations {
                    t.push_str(&format!(
                        "  {} {:<30} {}\n",
                        r.id,
                        r.kind,
                        if r.recovered {
                            format!("found by {}", r.by.join(", "))
                        } else {
                            "missed".into()
                        }
                    ));
                }
                for u in &report.unmatched_hypotheses {
                    t.push_str(&format!("  not planted: {u}\n"));
                }
                for u in &report.confounded_hypotheses {
                    t.push_str(&format!("  confounded: {u}\n"));
                }
                emit(&t)?;
            }
        }
        Command::BenchSynth {
            seeds,
            out,
            preset,
            max_analyses,
            json,
        } => {
            let seeds = parse_seed_range(&seeds)?;
            let mut config = agent::run::RunConfig {
                permutations: 0,
                ..Default::default()
            };
            if let Some(n) = max_analyses {
                config.budget.max_analyses = n;
            }
            let mut reports = Vec::new();
            for seed in seeds {
                let dir = out.join(format!("seed-{seed}"));
                let synth = datasets::synth::SynthConfig {
                    seed,
                    ..preset.config()
                };
                let truth = datasets::synth::write_synthetic_study(&dir, &synth)
                    .with_context(|| format!("writing synthetic study to {}", dir.display()))?;
                let study = load_study(Some(dir.clone()), false)?;
                let run_out = dir.join("hypomics-out");
                run_agent(
                    &study,
                    &config,
                    run_out.clone(),
                    false,
                    PlannerChoice::Offline,
                    None,
                    None,
                )?;
                let file = agent::output::read_hypotheses(&run_out.join("hypotheses.json"))
                    .map_err(anyhow::Error::msg)?;
                let report = agent::eval::evaluate(&truth, &file.hypotheses, &study);
                eprintln!(
                    "seed {seed}: recall {:.0}%, {:.0}% not planted, {} confounded claimed",
                    report.recall * 100.0,
                    report.not_planted_fraction * 100.0,
                    report.confounded_claimed
                );
                reports.push((seed, report));
            }
            let summary = agent::eval::aggregate(&reports);
            let text = serde_json::to_string_pretty(&summary)?;
            std::fs::write(out.join("bench.json"), &text)
                .with_context(|| format!("writing {}", out.join("bench.json").display()))?;
            if json {
                emit(&text)?;
            } else {
                emit(&bench_text(&summary))?;
            }
        }
        Command::Synth {
            out,
            seed,
            tumours,
            preset,
        } => {
            let mut config = datasets::synth::SynthConfig {
                seed,
                ..preset.config()
            };
            if let Some(n) = tumours {
                config.n_tumours = n;
            }
            let truth = datasets::synth::write_synthetic_study(&out, &config)
                .with_context(|| format!("writing synthetic study to {}", out.display()))?;
            emit(&format!(
                "wrote {} ({} tumours, {} normals, {} planted relations; truth in {})\n",
                out.display(),
                truth.n_tumours,
                truth.n_normals,
                truth.planted.len(),
                out.join(datasets::synth::TRUTH_FILE).display()
            ))?;
        }
        Command::Batch {
            manifest,
            lease_seconds,
            json,
            quiet,
            webhook_secret,
        } => {
            let manifest = web::batch::Manifest::load(&manifest)?;
            let options = web::batch::BatchOptions {
                lease: std::time::Duration::from_secs(lease_seconds.max(1)),
                progress: if quiet {
                    web::batch::progress::ProgressMode::Quiet
                } else {
                    web::batch::progress::ProgressMode::Auto
                },
                llm: llm_from_env()?,
                webhook_secret,
                ..Default::default()
            };
            let report = web::batch::run_batch(
                &manifest,
                &options,
                std::sync::Arc::new(web::jobs::SystemClock),
            )?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                emit(&report.table())?;
            }
            let failed = report.failed();
            anyhow::ensure!(
                failed == 0,
                "{failed} of {} jobs did not finish; their errors are listed above (store {})",
                report.rows.len(),
                graph::sql::shown(&report.store)
            );
        }
        Command::Store {
            command: StoreCommand::Migrate { from, to, json },
        } => {
            let from = graph::sql::StoreLocation::parse(&from);
            let to = graph::sql::StoreLocation::parse(&to);
            let report = graph::store::copy::copy_store(&from, &to)
                .with_context(|| format!("copying store {from} to {to}"))?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                let mut text = format!(
                    "copied {} rows from {} to {}; every table checked equal:\n",
                    report.rows(),
                    report.from,
                    report.to
                );
                for t in &report.tables {
                    text.push_str(&format!(
                        "  {:<16} {:>9} rows  sha256 {}\n",
                        t.table,
                        t.rows,
                        &t.sha256[..16]
                    ));
                }
                emit(&text)?;
            }
        }
        Command::Serve {
            workspace,
            store,
            read_only,
            addr,
            data_root,
            token,
            private,
            workers,
            upload_limit_mb,
            lease_seconds,
            webhook,
            webhook_secret,
            allowed_hosts,
            secure_cookie,
            max_connections,
            max_event_streams,
        } => {
            let store = store.unwrap_or_else(|| workspace.join("hypomics.db"));
            let llm = llm_from_env()?;
            let webhook = webhook
                .map(|url| {
                    web::jobs::webhook::Webhook::new(url, webhook_secret.unwrap_or_default())
                })
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let workspace = (!read_only).then(|| web::WorkspaceConfig {
                data_root,
                workers,
                upload_limit: upload_limit_mb.saturating_mul(1024 * 1024),
                lease: std::time::Duration::from_secs(lease_seconds.max(1)),
                webhook,
                llm,
                ..web::WorkspaceConfig::new(workspace)
            });
            // A private server always has a token: without one it could serve nobody.
            let token = match (token, &workspace) {
                (Some(t), _) if !t.trim().is_empty() => Some(t.trim().to_owned()),
                (_, Some(_)) => Some(web::auth::generate_token()),
                (_, None) if private => Some(web::auth::generate_token()),
                (_, None) => None,
            };
            web::serve_blocking(web::ServerConfig {
                store,
                addr,
                workspace,
                access: web::auth::AccessPolicy::new(token, private)
                    .allow_hosts(allowed_hosts)
                    .secure_cookie(secure_cookie)
                    .event_streams(max_event_streams),
                limits: web::listen::Limits {
                    max_connections,
                    ..Default::default()
                },
            })?;
        }
    }
    Ok(())
}

/// The model `llm` jobs use, when `HYPOMICS_LLM_BASE_URL` is set; a set but unusable variable
/// is an error now rather than a failed job later.
fn llm_from_env() -> Result<Option<web::jobs::worker::LlmSetting>> {
    Ok(agent::llm::LlmConfig::from_env()?.map(web::jobs::worker::LlmSetting))
}

fn load_study(dir: Option<PathBuf>, demo: bool) -> Result<datasets::Study> {
    match (dir, demo) {
        (Some(dir), _) => {
            datasets::Study::load(&dir).with_context(|| format!("loading study {}", dir.display()))
        }
        (None, true) => datasets::demo::load().context("loading the bundled demo study"),
        (None, false) => anyhow::bail!("give a study folder, or --demo"),
    }
}

/// Which synthetic truth `synth` and `bench-synth` write.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SynthPreset {
    Classic,
    Harder,
}

impl SynthPreset {
    fn config(self) -> datasets::synth::SynthConfig {
        match self {
            Self::Classic => datasets::synth::SynthConfig::default(),
            Self::Harder => datasets::synth::SynthConfig::harder(),
        }
    }
}

/// `100..110` -> 100, 101, ..., 109.
fn parse_seed_range(text: &str) -> Result<Vec<u64>> {
    let (a, b) = text
        .split_once("..")
        .with_context(|| format!("--seeds {text:?}: expected FIRST..END, e.g. 100..110"))?;
    let (a, b): (u64, u64) = (
        a.trim()
            .parse()
            .with_context(|| format!("--seeds {text:?}: {a:?} is not a seed"))?,
        b.trim()
            .parse()
            .with_context(|| format!("--seeds {text:?}: {b:?} is not a seed"))?,
    );
    if b <= a {
        anyhow::bail!("--seeds {text:?}: END must be above FIRST");
    }
    Ok((a..b).collect())
}

/// Recall per kind of planted relation and false fraction per kind of hypothesis.
fn kind_lines(
    planted: &[agent::eval::PlantedKindRecall],
    hypotheses: &[agent::eval::HypothesisKindFalse],
) -> String {
    let mut t = String::from("  recall per kind of planted relation:\n");
    for k in planted {
        t.push_str(&format!(
            "    {:<30} {:>3} of {:>3} ({:.0}%)\n",
            k.kind,
            k.recovered,
            k.planted,
            k.recall * 100.0
        ));
    }
    t.push_str("  hypotheses not planted per kind of question:\n");
    for k in hypotheses {
        t.push_str(&format!(
            "    {:<30} {:>3} of {:>3} ({:.0}%), {} confounded\n",
            k.kind,
            k.not_planted,
            k.hypotheses,
            k.not_planted_fraction * 100.0,
            k.confounded
        ));
    }
    t
}

fn bench_text(s: &agent::eval::BenchSummary) -> String {
    let mut t = format!(
        "{} seeds: mean recall {:.1}%, mean {:.1}% of hypotheses not planted, {} confounded relations claimed (in {} runs), {} hypotheses about nuisance\n",
        s.seeds.len(),
        s.mean_recall * 100.0,
        s.mean_not_planted_fraction * 100.0,
        s.confounded_claimed,
        s.seeds_with_confounded_claims,
        s.nuisance_found
    );
    t.push_str(&kind_lines(&s.by_planted_kind, &s.by_hypothesis_kind));
    for r in &s.runs {
        t.push_str(&format!(
            "  seed {:>5}: recall {:.0}%, {:.0}% of {} not planted, {} confounded\n",
            r.seed,
            r.recall * 100.0,
            r.not_planted_fraction * 100.0,
            r.hypotheses,
            r.confounded_claimed
        ));
    }
    t
}

fn run_agent(
    study: &datasets::Study,
    config: &agent::run::RunConfig,
    out: PathBuf,
    resume: bool,
    planner_choice: PlannerChoice,
    external: Option<&datasets::Study>,
    store: Option<PathBuf>,
) -> Result<()> {
    use agent::run::Event;
    let llm = match planner_choice {
        PlannerChoice::Llm => agent::llm::LlmConfig::from_env()?,
        PlannerChoice::Offline => None,
    };
    let mut planner = planner_choice.build(llm)?;
    let knowledge = agent::knowledge::Knowledge::embedded().map_err(anyhow::Error::msg)?;
    let bar = indicatif::ProgressBar::new(config.budget.max_analyses as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} analyses {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut on_event = |event: Event<'_>| {
        let progress = event.progress();
        match event {
            Event::Step { .. } | Event::StepFailed { .. } => {
                bar.inc(1);
                bar.println(progress.line());
            }
            Event::Validating { .. } | Event::Calibrating { .. } => {
                bar.set_message(progress.line())
            }
            _ => bar.println(progress.line()),
        }
    };
    if let Some(store) = &store {
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        bar.println(format!(
            "recording in graph store {}",
            graph::sql::shown(store)
        ));
    }
    let persistence = agent::run::Persistence {
        out_dir: out.clone(),
        resume,
        store,
        stop: None,
        fence: None,
    };
    let mut result = agent::run::run(
        study,
        &knowledge,
        config,
        Some(&persistence),
        planner.as_mut(),
        &mut on_event,
    )?;
    bar.finish_and_clear();
    if let Some(other) = external {
        agent::validate::validate_external(
            &mut result.hypotheses,
            other,
            &knowledge.gene_sets,
            config.seed,
        );
    }
    agent::output::write_outputs(&result, study, &out)?;
    emit(&agent::output::text_summary(&result, &out))
}

/// Writes to stdout; a closed pipe (`hypomics inspect | head`) is not an error.
fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
