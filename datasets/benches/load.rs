//! Loading a whole study (`Study::load`: decompress, parse, harmonise, prepare every layer), timed
//! and with its peak memory, next to pandas `read_csv` of the same files in the same run
//! (`datasets/benches/load_peer.py`, started by this bench).
//!
//! Run with `cargo bench -p hypomics-datasets --bench load` (release; the goal is full CPTAC UCEC
//! in <= 1 s on 2 cores with peak memory <= 2x the loaded matrices). The study folder is the first
//! argument or `HYPOMICS_BENCH_STUDY`, else `../shared/data/cptac-ucec` beside the workspace.
//! A debug build can be checked on a small folder:
//! `target/debug/deps/load-* datasets/fixtures/layouts/cbioportal`.
//!
//! Peak memory is the process's high-water mark (`VmHWM`), read right after the first load (the
//! repetitions that follow, `HYPOMICS_BENCH_REPETITIONS`, default 3, only time): this process does
//! nothing else, so it is the loader's peak (plus the binary itself).

use datasets::Study;
use datasets::kinds::FileRole;
use std::path::{Path, PathBuf};
use std::time::Instant;

const REPETITIONS: usize = 3;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HYPOMICS_BENCH_STUDY").map(PathBuf::from))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/cptac-ucec")
        });
    if !dir.is_dir() {
        println!(
            "skipping the load benchmark: {} not found (give a study folder as argument or in \
             HYPOMICS_BENCH_STUDY)",
            dir.display()
        );
        return;
    }
    if let Err(e) = run(&dir) {
        eprintln!("load benchmark failed: {e}");
        std::process::exit(1);
    }
}

/// The process's peak resident memory in bytes (Linux `VmHWM`), if readable.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn run(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let repetitions = std::env::var("HYPOMICS_BENCH_REPETITIONS")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
        .unwrap_or(REPETITIONS)
        .max(1);
    let start = Instant::now();
    let study = Study::load(dir)?;
    let mut times = vec![start.elapsed()];
    // The peak of the first load alone: later repetitions run while it is still held.
    let peak = peak_rss();
    for _ in 1..repetitions {
        let start = Instant::now();
        let again = Study::load(dir)?;
        times.push(start.elapsed());
        drop(again);
    }
    times.sort();
    let median = times[times.len() / 2];
    let matrices: u64 = study
        .layers
        .iter()
        .map(|l| (l.matrix.n_samples() * l.matrix.n_features() * 8) as u64)
        .sum();
    println!("study {} ({} layers)", dir.display(), study.layers.len());
    println!(
        "{:<28} {:>10} {:>12} {:>14}",
        "loader", "wall", "peak RSS", "peak/matrices"
    );
    let ratio = |p: Option<u64>| {
        p.map_or("n/a".into(), |p| {
            format!("{:.2}", p as f64 / matrices as f64)
        })
    };
    println!(
        "{:<28} {:>10} {:>12} {:>14}",
        "hypomics Study::load",
        format!("{:.3} s", median.as_secs_f64()),
        peak.map_or("n/a".into(), mb),
        ratio(peak)
    );
    println!("loaded matrices: {} (f64, after filtering)", mb(matrices));

    // The peer reads the same files with pandas in a separate process.
    let files: Vec<PathBuf> = study
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.role,
                FileRole::Clinical | FileRole::Layer(_) | FileRole::MutationCalls
            )
        })
        .map(|f| dir.join(&f.name))
        .filter(|p| p.is_file())
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/load_peer.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .args(&files)
        .output();
    match output {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let parsed: serde_json::Value = serde_json::from_str(text.trim())?;
            let wall = parsed["wall_s"].as_f64().unwrap_or(f64::NAN);
            let peer_peak = parsed["peak_rss_bytes"].as_u64();
            println!(
                "{:<28} {:>10} {:>12} {:>14}",
                "pandas read_csv (peer)",
                format!("{wall:.3} s"),
                peer_peak.map_or("n/a".into(), mb),
                ratio(peer_peak)
            );
            println!(
                "wall ratio hypomics / pandas: {:.2}",
                median.as_secs_f64() / wall
            );
        }
        Ok(out) => println!(
            "pandas peer did not run ({}); install pandas to compare",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => println!("pandas peer did not start: {e}"),
    }
    Ok(())
}
