//! The run-wide error control at the size of a full cohort: a synthetic family shaped like the
//! one a full CPTAC UCEC run builds (about 230 analyses, 1.6 million tests, a few percent of
//! them real effects, some of them very strong, as tumour-versus-normal contrasts are; module
//! and pathway screens split into per-subject questions), built one analysis at a time as the
//! agent's ledger builds it. Times the claim at q <= 0.05 and the q-value search, with
//! Benjamini-Hochberg over the same p-values as the peer (the closed-form, single-layer
//! procedure the p-filter generalises), and prints the ratio.
//!
//! Run with `cargo bench -p hypomics-analysis --bench p_filter`. `HYPOMICS_BENCH_SCALE=0.1`
//! shrinks the family (for a quick look).

use analysis::multiple_testing::benjamini_hochberg;
use analysis::p_filter::{PFilter, Partition};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One analysis of the synthetic family.
struct Block {
    p: Vec<f64>,
    /// Per row, its question within the analysis (one for most analyses; a subject per row for
    /// module and pathway screens).
    question: Vec<u32>,
}

fn family(scale: f64, rng: &mut ChaCha8Rng) -> Vec<Block> {
    let normal = Normal::standard();
    let analyses = ((232.0 * scale.sqrt()).round() as usize).max(4);
    (0..analyses)
        .map(|a| {
            let n = ((rng.random_range(1_000.0..13_000.0) * scale.sqrt()).round() as usize).max(20);
            // A third of analyses hold nothing; the others a few percent to a third real effects,
            // with mean z from modest to tumour-versus-normal strong.
            let (non_null, mean_z) = match a % 6 {
                0 | 1 => (0.0, 0.0),
                2 => (0.02, 3.5),
                3 => (0.05, 5.0),
                4 => (0.15, 7.0),
                _ => (0.35, 11.0),
            };
            let subjects = if a % 5 == 0 { 40 } else { 1 };
            let p = (0..n)
                .map(|_| {
                    if rng.random_bool(non_null) {
                        let z: f64 = mean_z + normal.inverse_cdf(rng.random_range(1e-12..1.0));
                        (2.0 * normal.sf(z.abs())).max(f64::MIN_POSITIVE)
                    } else {
                        rng.random_range(f64::EPSILON..1.0)
                    }
                })
                .collect();
            let question = (0..n).map(|_| rng.random_range(0..subjects)).collect();
            Block { p, question }
        })
        .collect()
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn main() {
    let scale: f64 = std::env::var("HYPOMICS_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let blocks = family(scale, &mut rng);
    let all_p: Vec<f64> = blocks.iter().flat_map(|b| b.p.iter().copied()).collect();

    let (filter, build) = timed(|| {
        let mut filter = PFilter::with_layers(3);
        for b in &blocks {
            let n = b.p.len();
            filter
                .push_block(
                    &b.p,
                    &[
                        Partition::singletons(n),
                        Partition::from_labels(&b.question),
                        Partition::from_labels(&vec![0u8; n]),
                    ],
                )
                .expect("partitions fit");
        }
        filter
    });
    let (claimed, select) = timed(|| filter.select_rows(0.05).expect("alpha in (0, 1]"));
    let (q, search) = timed(|| filter.q_values());
    let (bh, peer) = timed(|| benjamini_hochberg(black_box(&all_p)));
    let claimed_by_q = q.iter().filter(|&&q| q <= 0.05).count();
    let claimed_by_bh = bh.iter().filter(|&&q| q <= 0.05).count();

    println!(
        "family: {} analyses, {} tests; claimed at 0.05: {} (q <= 0.05: {}; BH alone: {})",
        blocks.len(),
        all_p.len(),
        claimed.rows.len(),
        claimed_by_q,
        claimed_by_bh
    );
    let secs = |d: Duration| d.as_secs_f64();
    println!("| step | seconds | ratio to BH |");
    println!("|---|---|---|");
    for (name, d) in [
        ("build (push every analysis)", build),
        ("select at 0.05", select),
        ("q-values (search)", search),
        ("peer: Benjamini-Hochberg q", peer),
    ] {
        println!(
            "| {name} | {:.3} | {:.1} |",
            secs(d),
            secs(d) / secs(peer).max(1e-9)
        );
    }
}
