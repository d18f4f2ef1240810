//! A college at full size, measured as a user would (issue 15): `cargo bench -p tests --bench college`.
//!
//! For each backend (`BANGFU_BENCH_BACKENDS=sqlite|postgres`, default both), on a fresh
//! database:
//!
//! 1. seeds the college demo (`api::demo::college`, what `bangfu demo --size college` runs:
//!    ~1,000,000 events at `BANGFU_BENCH_SCALE=1`) and times it;
//! 2. starts `bangfu serve` as a child process and times it until `/readyz` answers (a
//!    full fold), reads its resident memory from `/proc`, waits for its first snapshot,
//!    kills it and times a second start (from the snapshot);
//! 3. writes: `recordContact` over HTTP (GraphQL parsing, the guard, decide, group commit,
//!    the answer) from 1 and from 8 connections for `BANGFU_BENCH_SECONDS` (default 5)
//!    each, with `wrk`; writes/s are the events the log gained over the run;
//! 4. reads: the dashboard (`contactAlerts` and `partyStars` of one branch, one request)
//!    from 200 connections, with `wrk --latency`: requests/s and p99;
//! 5. beside them, right before the writes of each backend, `pgbench` with single-row
//!    inserts (one INSERT per transaction, `synchronous_commit=on`) from 1 and 8 clients on
//!    the same PostgreSQL.
//!
//! Needs `wrk` and `pgbench` on the PATH (`apt-get install -y wrk postgresql-client`);
//! without one it says so and stops.

mod workload;

use anyhow::{Context as _, bail};
use api::store::{Backend, EventStore};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tests::TestDb;

const SERVER: &str = env!("CARGO_BIN_EXE_bangfu-under-test");
const DASHBOARD_CONNECTIONS: usize = 200;

fn seconds() -> u64 {
    std::env::var("BANGFU_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s| s > 0)
        .unwrap_or(5)
}

fn main() -> anyhow::Result<()> {
    for tool in ["wrk", "pgbench"] {
        if std::process::Command::new(tool).arg("--version").output().is_err() {
            bail!("{tool} is not on the PATH: apt-get install -y wrk postgresql-client");
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let backends = std::env::var("BANGFU_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let scale = workload::scale();
    println!(
        "college at scale {scale}, {} s per load figure, on {} cores",
        seconds(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for name in backends.split(',').map(str::trim) {
        let backend = match name {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => bail!("unknown backend {other}"),
        };
        runtime.block_on(one_backend(backend, scale))?;
    }
    Ok(())
}

async fn one_backend(backend: Backend, scale: f64) -> anyhow::Result<()> {
    let label = format!("{backend:?}");
    let Some(db) = tests::fresh(backend).await else {
        bail!("{label}: no database (is PostgreSQL at BANGFU_TEST_POSTGRES_URL?)");
    };
    let store = db.store().await;
    let started = Instant::now();
    let seeded = api::demo::college::seed_college(&store, scale).await?;
    println!(
        "{label:>8}: demo --size college: {} events in {:.1} s ({:.0} events/s)",
        seeded.events,
        started.elapsed().as_secs_f64(),
        seeded.events as f64 / started.elapsed().as_secs_f64()
    );
    let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let keys = api::signin::TokenKeys::new(secret.as_bytes())?;

    // The default (100,000), or the whole log when it is smaller (a scaled-down run).
    let snapshot_every = seeded.events.min(100_000);
    let first = Server::start(&db, &secret, snapshot_every).await?;
    println!(
        "{label:>8}: ready (full fold) {:.2} s after start; resident {:.0} MiB",
        first.ready_after.as_secs_f64(),
        first.rss_mib()
    );
    let snapshot_at = wait_for_snapshot(&store).await?;
    let peak_with_snapshot = first.peak_mib();
    first.kill().await;
    let server = Server::start(&db, &secret, snapshot_every).await?;
    println!(
        "{label:>8}: ready (snapshot at {snapshot_at}) {:.2} s after start; resident {:.0} MiB (the first one peaked at {:.0} MiB taking the snapshot)",
        server.ready_after.as_secs_f64(),
        server.rss_mib(),
        peak_with_snapshot,
    );

    let work = workload::Workload::new(workload::Spec::college(scale));
    // Pairings that are active now (one in twenty ended in June 2026).
    let pairings: Vec<String> = work
        .pairings
        .iter()
        .enumerate()
        .filter(|(j, _)| j % 20 != 19)
        .map(|(_, id)| id.to_string())
        .collect();
    let admin = keys.mint("bench", true, Duration::from_secs(3_600));
    let when = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let writes = write_script(&admin, &pairings, &when);
    // Right before the writes, so both see the same machine (others' load varies).
    let raw = pgbench_inserts().await?;
    println!(
        "{label:>8}: pgbench, single-row INSERT per transaction, synchronous_commit=on: {:.0} tps at 1 client, {:.0} tps at 8",
        raw.0, raw.1
    );
    for clients in [1usize, 8] {
        let before = store.head().await?;
        let out = wrk(&server.url, &writes, clients, clients.min(2), seconds()).await?;
        let gained = store.head().await? - before;
        let per_second = gained as f64 / out.duration_s;
        let pg = if clients == 1 { raw.0 } else { raw.1 };
        println!(
            "{label:>8}: recordContact over HTTP, {clients} client(s): {per_second:.0} writes/s ({gained} events in {:.1} s; wrk: {:.0} requests/s, p99 {:.1} ms) = {:.0}% of pgbench at {clients}",
            out.duration_s,
            out.requests_per_s,
            out.p99_ms,
            100.0 * per_second / pg
        );
    }

    let counsellor = keys.mint(&seeded.counsellor, false, Duration::from_secs(3_600));
    let branch = seeded.branch_id;
    let dashboard = script(
        &counsellor,
        &format!(
            "{{\"query\":\"{{ contactAlerts(scopeId: \\\"{branch}\\\") {{ severity daysOverdue pairing {{ id }} }} \
             partyStars(scopeId: \\\"{branch}\\\", period: \\\"2025-2026\\\") {{ quota entries {{ rank score }} }} }}\"}}"
        ),
    );
    check_dashboard(&server.url, &counsellor, branch).await?;
    let out = wrk(&server.url, &dashboard, DASHBOARD_CONNECTIONS, 2, seconds()).await?;
    println!(
        "{label:>8}: dashboard (contactAlerts + partyStars of a branch), {DASHBOARD_CONNECTIONS} connections: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms; resident {:.0} MiB after",
        out.requests_per_s,
        out.p50_ms,
        out.p99_ms,
        server.rss_mib()
    );
    server.kill().await;
    Ok(())
}

/// A `bangfu serve` child process, ready.
struct Server {
    child: tokio::process::Child,
    url: String,
    ready_after: Duration,
}

impl Server {
    async fn start(db: &TestDb, secret: &str, snapshot_every: i64) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let bind = format!("127.0.0.1:{port}");
        let started = Instant::now();
        let child = tokio::process::Command::new(SERVER)
            .args(["serve", "--bind", &bind, "--database-url", &db.url])
            .env("BANGFU_JWT_SECRET", secret)
            .env("BANGFU_SNAPSHOT_EVERY", snapshot_every.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("start bangfu serve")?;
        let url = format!("http://{bind}");
        let client = tests::http_client().build()?;
        loop {
            if let Ok(r) = client.get(format!("{url}/readyz")).send().await
                && r.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(300) {
                bail!("the server was not ready (/readyz) within 300 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Server {
            child,
            url,
            ready_after: started.elapsed(),
        })
    }

    fn status_kib(&self, field: &str) -> u64 {
        let Some(pid) = self.child.id() else { return 0 };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    fn rss_mib(&self) -> f64 {
        self.status_kib("VmRSS:") as f64 / 1024.0
    }

    fn peak_mib(&self) -> f64 {
        self.status_kib("VmHWM:") as f64 / 1024.0
    }

    async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

async fn wait_for_snapshot(store: &EventStore) -> anyhow::Result<i64> {
    let started = Instant::now();
    loop {
        if let Some(s) = store.latest_snapshot(i64::MAX).await? {
            return Ok(s.position);
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("no snapshot within 300 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One dashboard request answered without errors, before it is timed.
async fn check_dashboard(url: &str, token: &str, branch: uuid::Uuid) -> anyhow::Result<()> {
    let query = format!(
        "{{ contactAlerts(scopeId: \"{branch}\") {{ severity }} partyStars(scopeId: \"{branch}\", period: \"2025-2026\") {{ quota entries {{ rank }} }} }}"
    );
    let body: serde_json::Value = tests::http_client()
        .build()?
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await?
        .json()
        .await?;
    if body.get("errors").is_some() {
        bail!("the dashboard query failed: {body}");
    }
    let alerts = body["data"]["contactAlerts"].as_array().map_or(0, Vec::len);
    let stars = body["data"]["partyStars"]["entries"].as_array().map_or(0, Vec::len);
    println!("          dashboard of the branch: {alerts} contact alerts, {stars} party stars");
    Ok(())
}

/// A wrk script sending `body` with the token.
fn script(token: &str, body: &str) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.path = \"/graphql\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n\
         wrk.headers[\"Authorization\"] = \"Bearer {token}\"\nwrk.body = [==[{body}]==]\n"
    )
}

/// A wrk script recording a contact on a pairing taken in turn from `pairings`.
fn write_script(token: &str, pairings: &[String], when: &str) -> String {
    let list: Vec<String> = pairings.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        "local pairings = {{ {} }}\nlocal n = math.random(1, #pairings)\n\
         request = function()\n  n = n % #pairings + 1\n  \
         local body = '{{\"query\":\"mutation($i: RecordContactInput!){{ recordContact(input: $i){{ id }} }}\",\
         \"variables\":{{\"i\":{{\"pairingId\":\"' .. pairings[n] .. '\",\"occurredAt\":\"{when}\",\"form\":\"FACE_TO_FACE\",\
         \"content\":\"压测：谈心谈话\"}}}}}}'\n  \
         return wrk.format(\"POST\", \"/graphql\", {{[\"Content-Type\"] = \"application/json\", \
         [\"Authorization\"] = \"Bearer {token}\"}}, body)\nend\n",
        list.join(", ")
    )
}

struct WrkOut {
    requests_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    duration_s: f64,
}

async fn wrk(url: &str, script: &str, connections: usize, threads: usize, seconds: u64) -> anyhow::Result<WrkOut> {
    let path = std::env::temp_dir().join(format!("bangfu-wrk-{}.lua", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, script)?;
    let mut args = vec![
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--timeout".into(),
        "10s".into(),
        "-s".into(),
        path.display().to_string(),
    ];
    args.push("--latency".into());
    args.push(url.to_owned());
    let out = tokio::process::Command::new("wrk").args(&args).output().await?;
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    if text.contains("Non-2xx") {
        bail!("wrk saw failed requests:\n{text}");
    }
    let requests_per_s = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let percentile = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(p))
            .map(|v| parse_latency(v.trim()))
            .unwrap_or(f64::NAN)
    };
    Ok(WrkOut {
        requests_per_s,
        p50_ms: percentile("50%"),
        p99_ms: percentile("99%"),
        // The run's own length (the wall time adds wrk's start and stop).
        duration_s: seconds as f64,
    })
}

/// wrk's `12.34ms`, `567.00us`, `1.20s` in milliseconds.
fn parse_latency(v: &str) -> f64 {
    let (number, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, f64::NAN)
    };
    number.parse::<f64>().map_or(f64::NAN, |n| n * factor)
}

/// pgbench's single-row inserts at 1 and 8 clients (tps), on a fresh PostgreSQL database.
async fn pgbench_inserts() -> anyhow::Result<(f64, f64)> {
    let Some(db) = tests::fresh(Backend::Postgres).await else {
        bail!("pgbench needs PostgreSQL (BANGFU_TEST_POSTGRES_URL)");
    };
    {
        use sea_orm::ConnectionTrait;
        let store = db.store().await;
        store
            .connection()
            .execute_unprepared("CREATE TABLE raw_inserts (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
            .await?;
    }
    let script = std::env::temp_dir().join(format!("bangfu-pgbench-{}.sql", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &script,
        "INSERT INTO raw_inserts (payload) VALUES ('一次谈心谈话的记录');\n",
    )?;
    let mut tps = Vec::new();
    for clients in [1, 8] {
        let out = tokio::process::Command::new("pgbench")
            .args([
                "-n",
                "-f",
                &script.display().to_string(),
                "-c",
                &clients.to_string(),
                "-j",
                &clients.min(2).to_string(),
                "-T",
                &seconds().to_string(),
                &db.url,
            ])
            .env("PGOPTIONS", "-c synchronous_commit=on")
            .output()
            .await?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let found = text
            .lines()
            .find_map(|l| l.strip_prefix("tps = "))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .with_context(|| {
                format!(
                    "no tps in pgbench's output: {text}{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
        tps.push(found);
    }
    let _ = std::fs::remove_file(&script);
    Ok((tps[0], tps[1]))
}
