//! The `hypomics` command line. It only parses arguments and calls into the crates.

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
            let study = match (dir, demo) {
                (Some(dir), _) => datasets::Study::load(&dir)
                    .with_context(|| format!("loading study {}", dir.display()))?,
                (None, true) => datasets::demo::load().context("loading the bundled demo study")?,
                (None, false) => anyhow::bail!("give a study folder, or --demo"),
            };
            let summary = datasets::StudySummary::of(&study);
            if json {
                emit(&serde_json::to_string_pretty(&summary)?)?;
            } else {
                emit(&summary.to_string())?;
            }
        }
        Command::Synth { out, seed, tumours } => {
            let mut config = datasets::synth::SynthConfig {
                seed,
                ..Default::default()
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
    }
    Ok(())
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
