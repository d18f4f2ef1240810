//! What a snapshot of the college costs in memory and time, without a database:
//! `cargo bench -p tests --bench snapshot` (`BANGFU_BENCH_SCALE=0.1` for a quick run).
//!
//! Folds the college of `workload::Spec::college` in memory, then encodes it into parts as
//! `App::take_snapshot` does and reports the encoding's size, its parts and the peak
//! resident set while the state and its parts are both held; then drops the state and
//! restores it as a start does (the parts appended one by one into one buffer of the
//! exact size, each freed once copied, as if read from the database, then decoded) and
//! reports that peak. The database's own buffers are a part each and are not in these
//! figures; `college.rs` measures a real server.

mod workload;

use api::store::StoredSnapshot;
use std::time::Instant;
use workload::{Spec, Workload, mib, ms, rss_bytes, trim_heap};

fn main() -> anyhow::Result<()> {
    let workload = Workload::new(Spec::college(workload::scale()));
    let mut state = domain::State::new();
    let mut last_id = None;
    workload.for_each_recorded(|r| {
        last_id = Some(r.id);
        state.apply(&r);
    });
    let event_id = last_id.ok_or_else(|| anyhow::anyhow!("the workload has no events"))?;
    trim_heap();
    let folded = rss_bytes();
    println!(
        "{} events; resident {:.0} MiB once folded",
        state.position(),
        mib(folded)
    );

    reset_peak();
    let started = Instant::now();
    let (header, parts) = api::app::encode_snapshot(&state, event_id, StoredSnapshot::PART_SIZE)?;
    println!(
        "encode: {:.0} ms, {:.1} MiB in {} parts; peak resident {:.0} MiB (state and parts)",
        ms(started.elapsed()),
        mib(header.size as u64),
        header.parts,
        mib(peak_bytes())
    );

    let expected = state;
    trim_heap();
    reset_peak();
    let started = Instant::now();
    let mut bytes = Vec::with_capacity(header.size as usize);
    for part in parts {
        bytes.extend_from_slice(&part);
    }
    let restored = api::app::decode_snapshot(&header, &bytes)?;
    drop(bytes);
    let elapsed = started.elapsed();
    // The peak includes the folded state kept to compare with: subtract it.
    println!(
        "restore: {:.0} ms; peak resident {:.0} MiB over the state kept to compare with",
        ms(elapsed),
        mib(peak_bytes().saturating_sub(folded))
    );
    anyhow::ensure!(restored == expected, "the restored state is not the folded one");
    Ok(())
}

/// Resets the peak resident set (VmHWM) to the current one (Linux: `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set since the last [`reset_peak`], from /proc/self/status.
fn peak_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}
