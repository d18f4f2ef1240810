//! The benchmarks' data: the deterministic college log of `api::demo::workload` (the one
//! `bangfu demo --size college` appends), plus the knobs and measurements every benchmark
//! shares.
//!
//! Used by `fold.rs`, `compute.rs` and `college.rs` (each includes it with `mod workload;`).

#![allow(dead_code)]

mod measure;

pub use api::demo::workload::*;
#[allow(unused_imports)]
pub use measure::*;

/// `BANGFU_BENCH_SCALE` (default 1): multiplies the people, pairings and events of every
/// workload, e.g. 0.1 for a quick smoke run.
pub fn scale() -> f64 {
    std::env::var("BANGFU_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0)
}

/// `BANGFU_BENCH_RUNS` or `default`: how many timed runs a figure is the median of.
pub fn runs(default: usize) -> usize {
    std::env::var("BANGFU_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}
