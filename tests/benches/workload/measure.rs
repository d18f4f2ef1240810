//! What the benchmarks measure with: resident memory, medians, milliseconds.

/// The process's resident set, in bytes, from /proc/self/statm (Linux); 0 elsewhere.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Gives freed heap back to the system (glibc), so the resident set is what is live.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps.
        unsafe {
            malloc_trim(0);
        }
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Median and 90th percentile (nearest rank) of durations.
pub fn median_p90(mut times: Vec<std::time::Duration>) -> (std::time::Duration, std::time::Duration) {
    assert!(!times.is_empty());
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[((times.len() as f64 * 0.9).ceil() as usize).clamp(1, times.len()) - 1];
    (median, p90)
}

pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
