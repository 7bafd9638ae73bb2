//! The `hypomics` command line. It only parses arguments (`cli.rs`), calls into the crates and
//! prints.

mod cli;
mod init;

use agent::launch::{Launch, LaunchError};
use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command, StoreCommand};
use std::path::PathBuf;

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
            let launch = Launch {
                config: &config,
                out: out.clone(),
                resume,
                planner,
                external: external.as_ref(),
                store: Some(store.unwrap_or_else(|| out.join("hypomics.db"))),
            };
            run_agent(&study, &launch)?;
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
                emit(&agent::output::calibration_text(c))?;
            }
        }
        Command::Eval { dir, run, json } => {
            let study = load_study(Some(dir.clone()), false)?;
            let truth = datasets::synth::Truth::read(&dir)?;
            let out = run.unwrap_or_else(|| dir.join("hypomics-out"));
            let config = agent::run::RunConfig {
                grow_budget: true,
                ..Default::default()
            };
            let report =
                agent::launch::evaluate_folder(&study, &truth, &out, &config, &mut run_agent)?;
            if json {
                emit(&serde_json::to_string_pretty(&report)?)?;
            } else {
                emit(&report.text())?;
            }
        }
        Command::BenchSynth {
            seeds,
            out,
            preset,
            max_analyses,
            json,
        } => {
            let seeds = cli::parse_seed_range(&seeds)?;
            // The budget a `run` without `--max-analyses` would have: grown to fit the study.
            let mut config = agent::run::RunConfig {
                permutations: 0,
                grow_budget: max_analyses.is_none(),
                ..Default::default()
            };
            if let Some(n) = max_analyses {
                config.budget.max_analyses = n;
            }
            let summary = agent::launch::bench_synth(
                &seeds,
                &preset.config(),
                &config,
                &out,
                &mut run_agent,
                &mut |seed, report| {
                    eprintln!(
                        "seed {seed}: recall {:.0}%, {:.0}% not planted, {} confounded claimed",
                        report.recall * 100.0,
                        report.not_planted_fraction * 100.0,
                        report.confounded_claimed
                    )
                },
            )?;
            if json {
                emit(&serde_json::to_string_pretty(&summary)?)?;
            } else {
                emit(&summary.text())?;
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
                emit(&report.text())?;
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

/// One run with a progress bar on stderr and its summary on stdout.
fn run_agent(study: &datasets::Study, launch: &Launch<'_>) -> Result<(), LaunchError> {
    use agent::run::Event;
    let bar = indicatif::ProgressBar::new(launch.config.budget.max_analyses as u64);
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
    if let Some(store) = &launch.store {
        bar.println(format!(
            "recording in graph store {}",
            graph::sql::shown(store)
        ));
    }
    let result = agent::launch::run_to_folder(study, launch, &mut on_event)?;
    bar.finish_and_clear();
    emit(&agent::output::text_summary(&result, &launch.out)).map_err(|source| LaunchError::Io {
        path: PathBuf::from("stdout"),
        source,
    })
}

/// Writes to stdout; a closed pipe (`hypomics inspect | head`) is not an error.
fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
