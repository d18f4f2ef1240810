//! What the pure computations cost over a large in-memory state (issues 4 and 5):
//! `cargo bench -p tests --bench compute`.
//!
//! No database: each workload (see `workload/mod.rs`) is folded straight into a
//! `domain::State` by applying `domain::Recorded` values, as the server holds it after
//! start. Then, each timed over several runs after one warm-up run:
//!
//! - (a) `assessments(scope: college, rubric: key-target-100, period: 2025-2026)`: the work
//!   of the GraphQL resolver: `rubric_for` once, `rubric::assessed_in` (the people in scope
//!   the rubric assesses, by id), then `rubric::evaluate` per person. 3,000 people, 1,000,000
//!   events. Aim: under 100 ms.
//! - (b) `contactAlerts(college, asOf)`: `alert::contact_alerts` over 5,000 pairings and
//!   500,000 events, as of now (after every contact) and as of a day a year ago. Aim: under
//!   20 ms. Also `alert::secretary_alerts` (every alert a secretary sees) for scale.
//! - (c) the rankings for 3,000 mentors (3,000 pairings, 6,000 people, 1,000,000 events):
//!   党员之星 (`ranking::rank_party_stars`, each mentor scored by `rubric::total` under the
//!   `party-star` rubric, as the resolver does) and 最具进步奖 (`ranking::rank_most_improved`,
//!   the nominated mentees' key-target-100 totals this year minus last year). Aim: under 20 ms each.
//!
//! Each line prints the median and p90 wall time and the median CPU time of the thread (so
//! a busy machine shows as wall ≫ CPU). `BANGFU_BENCH_SCALE=0.1` shrinks every workload
//! tenfold; `BANGFU_BENCH_RUNS` sets the runs per figure (default 21); `BANGFU_BENCH_ONLY`
//! = `assessments`, `alerts`, `rankings` or `reminders` runs one part.
//! - (d) the reminders' pure part: each branch's digest, and the mentors' lapses over every
//!   pairing (what `serve` computes each minute).

mod workload;

use chrono::{DateTime, TimeZone, Utc};
use domain::alert::{Severity, contact_alerts, secretary_alerts};
use domain::ranking::{QuotaRule, party_stars, rank_most_improved, rank_party_stars};
use domain::rubric;
use domain::state::Person;
use domain::time::shanghai;
use domain::{Period, State};
use std::time::{Duration, Instant};
use workload::{Spec, Workload, median_p90, mib, ms};

fn main() {
    let scale = workload::scale();
    let runs = workload::runs(21);
    let only = std::env::var("BANGFU_BENCH_ONLY").ok();
    let wants = |part: &str| only.as_deref().is_none_or(|o| o == part);
    println!("compute over in-memory state (scale {scale}); median and p90 of {runs} runs");
    if wants("assessments") {
        assessments(scale, runs);
    }
    if wants("alerts") {
        alerts(scale, runs);
    }
    if wants("rankings") {
        rankings(scale, runs);
    }
    if wants("reminders") {
        reminders(scale, runs);
    }
    if wants("dashboard") {
        dashboard(scale, runs);
    }
}

/// (e) The dashboard of one branch of the college (issue 15.4): its `contactAlerts` and
/// its `partyStars`, the two fields the load script's dashboard request asks for.
fn dashboard(scale: f64, runs: usize) {
    println!("(e) the dashboard of a branch: contactAlerts + partyStars (2025-2026)");
    let (w, state) = build(Spec::college(scale));
    let branch = w.branches[0];
    let as_of = local(2026, 11, 21, 12);
    let (t, out) = measure(runs, || contact_alerts(&state, branch, as_of, Severity::Ok));
    t.print(&format!("contact_alerts of a branch: {} pairings", out.len()), f64::NAN);
    // Choosing the branch's pairings: each of the school's tested against the scope (as
    // before the unit index), and gathered from the index (as now).
    let scope = state.scope(branch);
    let (t, n) = measure(runs, || state.pairings().filter(|p| scope.pairing(p)).count());
    t.print(
        &format!("  choosing its {n} pairings by testing every pairing"),
        f64::NAN,
    );
    let (t, n) = measure(runs, || scope.pairings().len());
    t.print(&format!("  choosing its {n} pairings from the unit index"), f64::NAN);
    let period = this_year();
    let (t, r) = measure(runs, || rank_party_stars(&state, branch, period).expect("a preset"));
    t.print(
        &format!("partyStars of a branch: {} mentors ranked", r.entries.len()),
        f64::NAN,
    );
}

fn build(spec: Spec) -> (Workload, State) {
    let workload = Workload::new(spec);
    workload::trim_heap();
    let before = workload::rss_bytes();
    let started = Instant::now();
    let (state, events) = workload.fold_in_memory();
    let elapsed = started.elapsed();
    workload::trim_heap();
    println!(
        "  state: {} people, {} pairings, {events} events (generated and applied in {:.1} s, {:.0} MiB)",
        state.people().count(),
        state.pairings().count(),
        elapsed.as_secs_f64(),
        mib(workload::rss_bytes().saturating_sub(before))
    );
    (workload, state)
}

fn this_year() -> Period {
    Period::Year { start: 2025 }
}

/// (a) The `assessments` resolver's work.
fn assessments(scale: f64, runs: usize) {
    println!("(a) assessments(college, key-target-100, 2025-2026)");
    let (w, state) = build(Spec::college(scale));
    let (scope, period) = (w.college, this_year());
    let resolver = || {
        let rubric = rubric::rubric_for(&state, "key-target-100", period).expect("a preset");
        rubric::assessed_in(&state, &rubric, scope)
            .into_iter()
            .map(|p| rubric::evaluate(&rubric, &state, p, period))
            .collect::<Vec<_>>()
    };
    let (t, out) = measure(runs, resolver);
    let evidence: usize = out.iter().flat_map(|a| &a.items).map(|i| i.evidence.len()).sum();
    t.print(&format!("{} assessments ({evidence} evidence ids)", out.len()), 100.0);
    drop(out);

    // Where the time goes: selecting the people, then evaluating them.
    let rubric = rubric::rubric_for(&state, "key-target-100", period).expect("a preset");
    let (t, n) = measure(runs, || rubric::assessed_in(&state, &rubric, scope).len());
    t.print(&format!("  of which selecting {n} people in scope"), f64::NAN);
    let people: Vec<&Person> = state.people().collect();
    let (t, n) = measure(runs, || {
        people
            .iter()
            .map(|p| rubric::evaluate(&rubric, &state, p, period).total)
            .filter(|t| t.is_finite())
            .count()
    });
    t.print(&format!("  of which evaluate × {n}"), f64::NAN);
}

fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    shanghai()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// (b) Contact alerts of a college.
fn alerts(scale: f64, runs: usize) {
    println!("(b) contactAlerts(college, asOf)");
    let (w, state) = build(Spec::contacts(scale));
    for (label, as_of) in [
        ("now (2026-11-21 12:00)", local(2026, 11, 21, 12)),
        ("a year ago (2025-11-20 12:00)", local(2025, 11, 20, 12)),
    ] {
        let (t, out) = measure(runs, || contact_alerts(&state, w.college, as_of, Severity::Ok));
        let overdue = out.iter().filter(|a| a.severity >= Severity::Overdue).count();
        t.print(
            &format!(
                "contact_alerts as of {label}: {} pairings, {overdue} overdue",
                out.len()
            ),
            20.0,
        );
    }
    let as_of = local(2026, 11, 21, 12);
    let (t, out) = measure(runs, || secretary_alerts(&state, w.college, as_of, Severity::Ok));
    t.print(
        &format!("secretary_alerts (every kind) as of now: {} alerts", out.len()),
        f64::NAN,
    );
}

/// (d) The reminders' pure part over the contacts workload: the morning's digests (one
/// `reminder::digest` per branch, what `plan` computes for units with a channel) and the
/// minute's mentors' lapses (`reminder::mentor_reminders` over every pairing).
fn reminders(scale: f64, runs: usize) {
    println!("(d) reminders");
    let (w, state) = build(Spec::contacts(scale));
    let as_of = local(2026, 11, 21, 8);
    let (t, out) = measure(runs, || {
        w.branches
            .iter()
            .filter_map(|b| domain::reminder::digest(&state, *b, as_of))
            .collect::<Vec<_>>()
    });
    let items: usize = out.iter().map(|d| d.total).sum();
    t.print(
        &format!(
            "digests of {} branches: {} to send, {items} alerts listed",
            w.branches.len(),
            out.len()
        ),
        f64::NAN,
    );
    let (t, out) = measure(runs, || domain::reminder::mentor_reminders(&state, as_of));
    t.print(
        &format!(
            "mentor_reminders over {} pairings: {} owed (mentors with an email)",
            state.pairings().count(),
            out.len()
        ),
        20.0,
    );
}

/// (c) 党员之星 and 最具进步奖 for 3,000 mentors.
fn rankings(scale: f64, runs: usize) {
    println!("(c) rankings of 2025-2026");
    let (w, state) = build(Spec::mentors(scale));
    let period = this_year();
    let (t, r) = measure(runs, || rank_party_stars(&state, w.college, period).expect("a preset"));
    t.print(
        &format!(
            "partyStars: {} mentors ranked by party-star, quota {}",
            r.entries.len(),
            r.quota
        ),
        20.0,
    );
    // Where the time goes: each party-star item alone, as a one-item rubric.
    let full = rubric::rubric_for(&state, "party-star", period).expect("a preset");
    let mentors: Vec<&Person> = w.mentors().iter().filter_map(|id| state.person(*id)).collect();
    for (section, item) in full.items() {
        let mut one = full.clone();
        one.sections = vec![rubric::Section {
            title: section.title.clone(),
            items: vec![item.clone()],
        }];
        let (t, _) = measure(runs, || {
            mentors
                .iter()
                .map(|p| rubric::total(&one, &state, p, period))
                .sum::<f64>()
        });
        t.print(&format!("  of which item {} alone", item.key), f64::NAN);
    }
    let mut none = full.clone();
    none.sections.clear();
    let (t, _) = measure(runs, || {
        mentors
            .iter()
            .map(|p| rubric::total(&none, &state, p, period))
            .sum::<f64>()
    });
    t.print("  of which an empty rubric (the fixed cost)", f64::NAN);
    let (t, _) = measure(runs, || {
        party_stars(&state, w.college, period, |_| 0.0, &QuotaRule::party_star())
            .entries
            .len()
    });
    t.print("  of which ranking with a constant score", f64::NAN);

    let (t, r) = measure(runs, || {
        rank_most_improved(&state, w.college, period).expect("a preset")
    });
    t.print(
        &format!(
            "mostImproved: {} nominated of {} mentees, quota {}",
            r.entries.len(),
            r.population,
            r.quota
        ),
        20.0,
    );
}

struct Timing {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Timing {
    fn print(&self, what: &str, aim_ms: f64) {
        let (median, p90) = median_p90(self.wall.clone());
        let (cpu, _) = median_p90(self.cpu.clone());
        let aim = if aim_ms.is_nan() {
            String::new()
        } else if ms(median) < aim_ms {
            format!("  (aim < {aim_ms} ms: met)")
        } else {
            format!("  (aim < {aim_ms} ms: MISSED)")
        };
        println!(
            "  {what}: median {:.1} ms, p90 {:.1} ms, cpu {:.1} ms{aim}",
            ms(median),
            ms(p90),
            ms(cpu)
        );
    }
}

/// One warm-up run, then `runs` timed runs; the last result.
fn measure<R>(runs: usize, mut f: impl FnMut() -> R) -> (Timing, R) {
    let mut last = f();
    let (mut wall, mut cpu) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        drop(last);
        let (w0, c0) = (Instant::now(), thread_cpu_time());
        last = std::hint::black_box(f());
        wall.push(w0.elapsed());
        cpu.push(thread_cpu_time().saturating_sub(c0));
    }
    (Timing { wall, cpu }, last)
}

/// The thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`, Linux); zero elsewhere.
fn thread_cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        unsafe extern "C" {
            fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
        }
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes one timespec to the pointer it is given.
        if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    Duration::ZERO
}
