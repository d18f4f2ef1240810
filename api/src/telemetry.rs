//! What operators see of a running process: the metrics (rendered as Prometheus text at
//! `/metrics`, docs/operations.md) and the format of the log lines.
//!
//! Metrics go through the `metrics` facade to one process-wide recorder, the Prometheus
//! exporter's, installed by [`prometheus`] (without its HTTP listener or push gateway: the
//! axum router serves the text). Every label takes few values: a route's template, a status
//! class, an operation name from a bounded set ([`OperationLabels`]).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Counter: HTTP requests answered, by `route` (the route's template, `other` when none
/// matched) and `status` (`2xx` … `5xx`).
pub const HTTP_REQUESTS: &str = "bangfu_http_requests_total";
/// Histogram: how long one GraphQL operation took to execute, by `operation` (its name, see
/// [`OperationLabels`]).
pub const GRAPHQL_DURATION: &str = "bangfu_graphql_operation_duration_seconds";
/// Counter: events this instance appended to the log (committed).
pub const EVENTS_APPENDED: &str = "bangfu_events_appended_total";
/// Gauge: the last position this instance has applied to its state.
pub const LOG_POSITION: &str = "bangfu_log_position";
/// Gauge: how long the fold of the log at start took, in seconds (0 until it is done).
pub const FOLD_SECONDS: &str = "bangfu_fold_seconds";
/// Gauge: events in the database this instance has not applied yet (another instance's
/// appends not yet followed, or the fold still running), measured at each scrape.
pub const FOLLOWER_LAG: &str = "bangfu_follower_lag_events";
/// Gauge: 1 once the log is folded and requests are served, 0 before.
pub const READY: &str = "bangfu_ready";

/// Bucket bounds of [`GRAPHQL_DURATION`], in seconds: a state read answers in well under
/// 5 ms, a command in 1–10 ms, a scope's ranking in tens of ms; the top ones catch trouble.
const DURATION_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// How often histograms are drained into their buckets (the exporter leaves it to us).
const UPKEEP: Duration = Duration::from_secs(5);
/// Most distinct operation names [`GRAPHQL_DURATION`] keeps apart; later ones share `other`.
pub const MAX_OPERATION_LABELS: usize = 200;
/// Longest operation name kept as a label (GraphQL names have no limit of their own).
pub const MAX_OPERATION_NAME: usize = 64;

/// The process's recorder, installed on first use; `None` when another recorder was
/// installed first (an embedding program's), whose metrics are then its own.
pub fn prometheus() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(GRAPHQL_DURATION.to_owned()), DURATION_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    describe();
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot install the metrics recorder: /metrics stays empty");
                    None
                }
            }
        })
        .clone()
}

/// Drains histograms every [`UPKEEP`] on a thread of its own (the recorder is process-wide,
/// and may outlive any one runtime, as in tests).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("bangfu-metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the metrics upkeep; histograms drain at each scrape only");
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template and status class"
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "GraphQL operations' execution time, by operation name (bounded; others share `other`)"
    );
    describe_counter!(EVENTS_APPENDED, "Events this instance appended to the log");
    describe_gauge!(LOG_POSITION, "The last log position this instance has applied");
    describe_gauge!(
        FOLD_SECONDS,
        Unit::Seconds,
        "How long the fold of the log at start took"
    );
    describe_gauge!(FOLLOWER_LAG, "Events in the database this instance has not applied yet");
    describe_gauge!(READY, "1 once the log is folded and requests are served");
}

/// The labels of [`GRAPHQL_DURATION`]: a client names its operations as it likes, so names
/// are kept as labels only while few: the first [`MAX_OPERATION_LABELS`] distinct
/// well-formed names seen keep theirs, every later one and any name longer than
/// [`MAX_OPERATION_NAME`] is `other`, and an unnamed operation is `anonymous`. Memory is
/// bounded whatever clients send.
pub struct OperationLabels {
    seen: Mutex<HashSet<String>>,
    cap: usize,
}

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";
/// The label shared by names past the cap.
pub const OTHER: &str = "other";

impl OperationLabels {
    pub fn new(cap: usize) -> OperationLabels {
        OperationLabels {
            seen: Mutex::new(HashSet::new()),
            cap,
        }
    }

    /// The process's set, shared by every schema.
    pub fn global() -> &'static OperationLabels {
        static LABELS: OnceLock<OperationLabels> = OnceLock::new();
        LABELS.get_or_init(|| OperationLabels::new(MAX_OPERATION_LABELS))
    }

    /// The label for an operation named `name`.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        // The parser accepted it as a GraphQL name; the length is ours to bound.
        let well_formed = !name.is_empty()
            && name.len() <= MAX_OPERATION_NAME
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed || name == OTHER || name == ANONYMOUS {
            return OTHER.to_owned();
        }
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < self.cap {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER.to_owned()
    }
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, the event's fields
    /// (`message` …) at the top level, `span` (the innermost) and `spans` (all of them:
    /// `request` with `method`, `path`, `operation`; `graphql` with `operation`).
    Json,
}

/// Installs the process's log subscriber: `RUST_LOG` (default `info`), to stderr, in
/// `format`. A second call (tests running several commands) keeps the first.
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let labels = OperationLabels::new(2);
        assert_eq!(labels.label(None), ANONYMOUS);
        assert_eq!(labels.label(Some("Dashboard")), "Dashboard");
        assert_eq!(labels.label(Some("Record")), "Record");
        // The cap is reached: a third name shares `other`, the first two keep theirs.
        assert_eq!(labels.label(Some("Third")), OTHER);
        assert_eq!(labels.label(Some("Dashboard")), "Dashboard");
        // Too long, or posing as a fixed label: `other`, and nothing is kept.
        let fresh = OperationLabels::new(10);
        assert_eq!(fresh.label(Some(&"A".repeat(MAX_OPERATION_NAME + 1))), OTHER);
        assert_eq!(
            fresh.label(Some(&"A".repeat(MAX_OPERATION_NAME))),
            "A".repeat(MAX_OPERATION_NAME)
        );
        assert_eq!(fresh.label(Some("anonymous")), OTHER);
        assert_eq!(fresh.label(Some("other")), OTHER);
        assert_eq!(fresh.label(Some("")), OTHER);
        assert_eq!(fresh.seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn ten_thousand_names_keep_the_cap() {
        let labels = OperationLabels::new(MAX_OPERATION_LABELS);
        for i in 0..10_000 {
            labels.label(Some(&format!("Op{i}")));
        }
        assert_eq!(labels.seen.lock().unwrap().len(), MAX_OPERATION_LABELS);
        assert_eq!(labels.label(Some("Op9999")), OTHER);
        assert_eq!(labels.label(Some("Op0")), "Op0");
    }
}
