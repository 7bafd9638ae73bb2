//! Load benchmark of the server (issue 16): reads at a fixed rate against a store with `--runs`
//! recorded runs, reporting p50/p99 latency and errors in three phases measured in the same run:
//!
//! 1. `idle`: nothing else happening (the peer the other phases are compared with);
//! 2. `job`: one job running in the server's worker (the agent writing the store every step);
//! 3. `job+streams`: the same with `--streams` live event streams open on that job.
//!
//! Requests are sent open-loop (on a fixed schedule, not after the previous answer), so a slow
//! server shows up as latency rather than as a lower request rate. Figures are ratios against the
//! idle phase. Release figures are the lead's to measure:
//! `cargo bench -p hypomics-web --bench load -- --runs 20 --rate 200 --seconds 20 --streams 200`.
//! A quick debug check that it works: `cargo build --workspace --benches`, then run
//! `target/debug/deps/load-*` with `--runs 2 --rate 20 --seconds 3 --streams 200`.

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "load-benchmark-token-0123";

struct Args {
    runs: usize,
    rate: u32,
    seconds: u64,
    streams: usize,
}

fn args() -> Args {
    let mut args = Args {
        runs: 20,
        rate: 200,
        seconds: 20,
        streams: 200,
    };
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < given.len() {
        let value = given.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (given[i].as_str(), value) {
            ("--runs", Some(v)) => args.runs = v as usize,
            ("--rate", Some(v)) => args.rate = v.max(1) as u32,
            ("--seconds", Some(v)) => args.seconds = v.max(1),
            ("--streams", Some(v)) => args.streams = v as usize,
            // cargo bench passes `--bench`; anything else unknown is ignored too.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    args
}

/// Records `n` runs of the bundled demo (small budgets, different seeds) into `store`.
fn record_runs(store: &std::path::Path, out: &std::path::Path, n: usize) {
    let study = datasets::demo::load().expect("demo study");
    let knowledge = agent::knowledge::Knowledge::embedded().expect("knowledge");
    for seed in 0..n as u64 {
        let config = agent::run::RunConfig {
            seed,
            permutations: 0,
            budget: agent::run::Budget {
                max_analyses: 6,
                max_seconds: 600.0,
            },
            ..Default::default()
        };
        let dir = out.join(format!("run-{seed}"));
        std::fs::create_dir_all(&dir).expect("run dir");
        let persistence = agent::run::Persistence {
            out_dir: dir,
            resume: false,
            store: Some(store.to_path_buf()),
            stop: None,
            fence: None,
        };
        let mut planner = agent::planner::OfflinePlanner::default();
        agent::run::run(
            &study,
            &knowledge,
            &config,
            Some(&persistence),
            &mut planner,
            &mut |_| {},
        )
        .expect("agent run");
    }
}

/// The read mix: list and detail endpoints and a dashboard page.
fn read_paths(runs: &[i64]) -> Vec<String> {
    let mut paths = vec![
        "/api/health".to_owned(),
        "/api/runs".to_owned(),
        "/api/studies".to_owned(),
        "/api/jobs".to_owned(),
        "/".to_owned(),
    ];
    for run in runs.iter().take(5) {
        paths.push(format!("/api/runs/{run}/hypotheses"));
        paths.push(format!("/api/findings?run={run}&limit=50"));
    }
    paths
}

struct Phase {
    name: &'static str,
    sent: usize,
    errors: usize,
    p50: Duration,
    p99: Duration,
}

/// Sends GETs at `rate` per second for `seconds`, cycling through `paths`.
async fn measure(
    name: &'static str,
    client: &reqwest::Client,
    addr: SocketAddr,
    paths: &[String],
    rate: u32,
    seconds: u64,
) -> Phase {
    let total = rate as usize * seconds as usize;
    let period = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tokio::time::sleep_until(start + period * i as u32).await;
        let request = client
            .get(format!("http://{addr}{}", paths[i % paths.len()]))
            .bearer_auth(TOKEN);
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let ok = match request.send().await {
                Ok(reply) => reply.status().is_success() && reply.bytes().await.is_ok(),
                Err(_) => false,
            };
            (began.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((took, ok)) => {
                latencies.push(took);
                errors += usize::from(!ok);
            }
            Err(_) => errors += 1,
        }
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Phase {
        name,
        sent: total,
        errors,
        p50: at(0.50),
        p99: at(0.99),
    }
}

async fn post(client: &reqwest::Client, addr: SocketAddr, path: &str, body: Value) -> Value {
    client
        .post(format!("http://{addr}{path}"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

fn main() {
    let args = args();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let setup = Instant::now();
    record_runs(&store, &dir.path().join("recorded"), args.runs);
    eprintln!(
        "recorded {} runs in {:.1} s",
        args.runs,
        setup.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let config = web::ServerConfig {
            store: store.clone(),
            addr: "127.0.0.1:0".parse().expect("addr"),
            workspace: Some(web::WorkspaceConfig {
                workers: 1,
                ..web::WorkspaceConfig::new(dir.path().join("ws"))
            }),
            access: web::auth::AccessPolicy::new(Some(TOKEN.into()), false)
                .event_streams(args.streams.max(1) + 8),
            limits: web::listen::Limits::default(),
        };
        let server = web::Server::bind(config).await.expect("bind");
        let addr = server.local_addr();
        tokio::spawn(server.run());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        let runs: Vec<i64> = client
            .get(format!("http://{addr}/api/runs"))
            .send()
            .await
            .expect("runs")
            .json::<Value>()
            .await
            .expect("json")["runs"]
            .as_array()
            .map(|r| r.iter().filter_map(|r| r["id"].as_i64()).collect())
            .unwrap_or_default();
        let paths = read_paths(&runs);
        let mut phases = Vec::new();
        phases.push(measure("idle", &client, addr, &paths, args.rate, args.seconds).await);

        // One long job in the worker for the remaining phases.
        let job = post(
            &client,
            addr,
            "/api/jobs",
            json!({"study": "demo", "spec": {"max_analyses": 1000, "permutations": 2}}),
        )
        .await;
        let id = job["job"]["id"].as_i64().expect("job id");
        tokio::time::sleep(Duration::from_secs(1)).await;
        phases.push(measure("job", &client, addr, &paths, args.rate, args.seconds).await);

        let streams: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let mut readers = Vec::new();
        for _ in 0..args.streams {
            let (client, streams) = (client.clone(), streams.clone());
            readers.push(tokio::spawn(async move {
                let Ok(mut reply) = client
                    .get(format!("http://{addr}/api/jobs/{id}/events"))
                    .send()
                    .await
                else {
                    return;
                };
                if reply.status().is_success() {
                    streams.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    while let Ok(Some(_)) = reply.chunk().await {}
                }
            }));
        }
        // Wait (at most 30 s) until every stream is open before measuring.
        for _ in 0..300 {
            if streams.load(std::sync::atomic::Ordering::SeqCst) >= args.streams {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let open = streams.load(std::sync::atomic::Ordering::SeqCst);
        phases.push(measure("job+streams", &client, addr, &paths, args.rate, args.seconds).await);
        for reader in readers {
            reader.abort();
        }
        let _ = post(&client, addr, &format!("/api/jobs/{id}/cancel"), json!({})).await;

        println!(
            "reads at {} req/s for {} s over {} recorded runs; {open} of {} event streams open in the last phase",
            args.rate, args.seconds, args.runs, args.streams
        );
        println!("phase         sent  errors   p50 ms   p99 ms   p50/idle  p99/idle");
        let (p50, p99) = (phases[0].p50, phases[0].p99);
        for p in &phases {
            let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
            println!(
                "{:<12} {:>5} {:>7} {:>8.2} {:>8.2} {:>10.2} {:>9.2}",
                p.name,
                p.sent,
                p.errors,
                p.p50.as_secs_f64() * 1e3,
                p.p99.as_secs_f64() * 1e3,
                ratio(p.p50, p50),
                ratio(p.p99, p99),
            );
        }
    });
}
