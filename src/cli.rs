//! The command line's arguments (clap): every subcommand and option, and the few values parsed
//! from them. What each command does is in `main.rs`, which calls into the crates.

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
pub enum StoreCommand {
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

/// Which synthetic truth `synth` and `bench-synth` write.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SynthPreset {
    Classic,
    Harder,
}

impl SynthPreset {
    pub fn config(self) -> datasets::synth::SynthConfig {
        match self {
            Self::Classic => datasets::synth::SynthConfig::default(),
            Self::Harder => datasets::synth::SynthConfig::harder(),
        }
    }
}

/// `100..110` -> 100, 101, ..., 109.
pub fn parse_seed_range(text: &str) -> Result<Vec<u64>> {
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
