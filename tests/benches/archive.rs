//! The archive box of a college (issue 13): `cargo bench -p tests --bench archive`.
//!
//! The college workload (3,000 people, 1,500 pairings, 1,000,000 events; see
//! `workload/mod.rs`) is folded into a `domain::State`, then the box of the college for
//! 2025-2026 is built as the `/exports/units/{id}/archive.zip` route builds it: the forms'
//! paths planned (`archive_box::plan`), the forms read 32 at a time (each read a short hold
//! of the state lock), every XLSX written and deflated into a streamed ZIP (`archive_box::write`)
//! into a sink that only counts the bytes. Prints each part's time over a few runs.
//! `BANGFU_BENCH_SCALE=0.1` shrinks the college tenfold; `BANGFU_BENCH_RUNS` sets the runs
//! (default 3).

mod workload;

use api::exports::archive_box;
use domain::Period;
use std::io::Write;
use std::time::Instant;
use workload::{Spec, Workload, mib, rss_bytes};

/// A sink that counts what the ZIP would send.
#[derive(Default)]
struct Counted(u64);

impl Write for Counted {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0 += data.len() as u64;
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    let scale = workload::scale();
    let runs = workload::runs(3);
    let workload = Workload::new(Spec::college(scale));
    let (state, events) = workload.fold_in_memory();
    println!(
        "archive box of a college (scale {scale}): {} people, {} pairings, {events} events",
        state.people().count(),
        state.pairings().count()
    );
    let period = Period::Year { start: 2025 };
    let rubric = domain::rubric::rubric_for(&state, "key-target-100", period).expect("a preset");
    for run in 1..=runs {
        let before = rss_bytes();
        let started = Instant::now();
        let plan = archive_box::plan(&state, workload.college, period, &rubric);
        // The secretary's box, as a bootstrap administrator reads it (contacts included).
        let reader = domain::access::Caller::new(&state, "bench", true);
        let read = |chunk: &[archive_box::Planned]| {
            chunk
                .iter()
                .map(|p| archive_box::form(&state, p, period, &rubric, &reader))
                .collect::<Vec<_>>()
        };
        let planned = started.elapsed();
        // One read of FORMS_PER_READ forms: the longest the state lock is held.
        let started = Instant::now();
        let one = read(&plan[..plan.len().min(archive_box::FORMS_PER_READ)]).len();
        let longest_hold = started.elapsed();
        let started = Instant::now();
        let out = archive_box::write(&plan, read, &[], Counted::default()).expect("written");
        let written = started.elapsed();
        let entries = plan;
        let forms = entries.len();
        println!(
            "  run {run}: {forms} forms; planned in {:.0} ms, a read of {one} forms holds the state lock {:.1} ms; read, written and zipped in {:.2} s ({:.1} ms a form), {:.1} MiB of ZIP, resident memory grew {:.0} MiB",
            planned.as_secs_f64() * 1e3,
            longest_hold.as_secs_f64() * 1e3,
            written.as_secs_f64(),
            written.as_secs_f64() * 1e3 / forms.max(1) as f64,
            mib(out.0),
            mib(rss_bytes().saturating_sub(before))
        );
    }
}
