//! The benchmarks' data: a deterministic, realistic log of one college.
//!
//! A school, a college, its party branches and classes; people registered into a branch
//! (members) or a class (students); pairings of a member mentoring a student; then the
//! facts of two and a half academic years (September 2024 to November 2026): contacts,
//! monthly records and branch opinions, visit feedback on the pairing streams; thought
//! reports, volunteer service, awards, academic results, conduct, member activities,
//! evaluations, democratic evaluations and nominations on the person streams; finally a
//! few retractions. The log is produced stream by stream, one batch per stream, so it can be
//! appended (or applied) without holding it all in memory.
//!
//! `bangfu demo --size college` appends it ([`super::college`]); the benchmarks
//! (`tests/benches/`) fold it, compute over it and load it.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use domain::event::{Cadence, Event, Recorded, Vacation};
use domain::time::{Period, shanghai, start_of_day};
use domain::vocab::*;
use domain::{Month, State};
use uuid::Uuid;

mod facts;
mod rng;

pub use rng::Rng;

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64 * scale).round() as usize).max(1)
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub people: usize,
    /// Each pairing has its own mentor (one of the first `pairings` people, all members)
    /// and its own mentee (one of the next `pairings` people), so `people ≥ 2 × pairings`.
    pub pairings: usize,
    /// Events in all, structure included.
    pub events: usize,
    pub branches: usize,
    pub classes: usize,
    /// The share of the fact events on pairing streams (contacts mostly); the rest are on
    /// person streams.
    pairing_share: f64,
}

impl Spec {
    /// Issues 3 and 4: a college of 3,000 people and ~1,500 pairings, 1,000,000 events.
    pub fn college(scale: f64) -> Spec {
        Spec {
            people: scaled(3_000, scale),
            pairings: scaled(1_500, scale),
            events: scaled(1_000_000, scale),
            branches: 20,
            classes: 40,
            pairing_share: 0.35,
        }
    }

    /// Issue 5's alerts: a college with 5,000 pairings and 500,000 events, mostly contacts.
    pub fn contacts(scale: f64) -> Spec {
        Spec {
            people: scaled(10_000, scale),
            pairings: scaled(5_000, scale),
            events: scaled(500_000, scale),
            branches: 20,
            classes: 40,
            pairing_share: 0.9,
        }
    }

    /// Issue 5's rankings: 3,000 mentors (3,000 pairings, 6,000 people), 1,000,000 events.
    pub fn mentors(scale: f64) -> Spec {
        Spec {
            people: scaled(6_000, scale),
            pairings: scaled(3_000, scale),
            events: scaled(1_000_000, scale),
            branches: 20,
            classes: 40,
            pairing_share: 0.35,
        }
    }
}

/// One append: events for one stream, and which of them get retracted later (indices into
/// `events`).
pub struct Batch {
    pub stream: Uuid,
    pub events: Vec<Event>,
    pub retract: Vec<usize>,
}

/// The structure of the generated college, and the generator of its log.
pub struct Workload {
    pub spec: Spec,
    pub school: Uuid,
    pub college: Uuid,
    pub branches: Vec<Uuid>,
    pub classes: Vec<Uuid>,
    /// Every person; `people[..pairings]` are the mentors, `people[pairings..2 × pairings]`
    /// the mentees.
    pub people: Vec<Uuid>,
    pub pairings: Vec<Uuid>,
}

/// The first and the last day facts are dated.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 1).expect("a date")
}
pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("a date")
}
/// When the log was "recorded" in the in-memory variant.
pub fn recorded_at() -> DateTime<Utc> {
    shanghai()
        .with_ymd_and_hms(2026, 11, 21, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}
pub const ACTOR: &str = "bench-loader";
/// 1 Aug 2024 and 1 Sep 2024 in Unix milliseconds: when the structure and the events were
/// made, for their version-7 ids.
const CREATED_MS: u64 = 1_722_470_400_000;
const RECORDED_MS: u64 = 1_725_148_800_000;

const CONTENTS: &[&str] = &[
    "围绕本学期学业规划和专业课学习方法进行交流，约定下周检查作业完成情况。",
    "了解近期思想动态，共同学习党的二十大报告相关内容，鼓励其积极参加支部活动。",
    "走访宿舍，了解生活与作息情况，提醒注意内务整理并按时参加班级活动。",
    "谈心谈话：家庭经济情况与勤工助学岗位申请，帮助准备申请材料。",
    "线上交流英语四级备考安排，分享学习资料，约定每周打卡。",
];
const ACTIVITIES: &[&str] = &[
    "社区志愿服务",
    "图书馆志愿者",
    "迎新志愿服务",
    "校园马拉松志愿者",
    "敬老院探访",
];
const SERIES: &[&str] = &[
    "国家奖学金",
    "校三好学生",
    "数学建模竞赛",
    "挑战杯",
    "优秀学生干部",
    "英语竞赛",
    "院运动会",
];

impl Workload {
    pub fn new(spec: Spec) -> Workload {
        assert!(spec.people >= 2 * spec.pairings, "a mentor and a mentee per pairing");
        let mut rng = Rng::new(0xBA9F);
        let mut millis = CREATED_MS;
        let mut id = move || {
            millis += 1;
            rng.uuid_at(millis)
        };
        let school = id();
        let college = id();
        let branches = (0..spec.branches).map(|_| id()).collect();
        let classes = (0..spec.classes).map(|_| id()).collect();
        let people = (0..spec.people).map(|_| id()).collect();
        let pairings = (0..spec.pairings).map(|_| id()).collect();
        Workload {
            spec,
            school,
            college,
            branches,
            classes,
            people,
            pairings,
        }
    }

    pub fn mentors(&self) -> &[Uuid] {
        &self.people[..self.spec.pairings]
    }

    pub fn mentees(&self) -> &[Uuid] {
        &self.people[self.spec.pairings..2 * self.spec.pairings]
    }

    fn is_member(&self, i: usize) -> bool {
        // Mentors are members; of the others, one in six.
        i < self.spec.pairings || (i >= 2 * self.spec.pairings && i.is_multiple_of(6))
    }

    /// The structure events: units, people (with stage changes and roles), pairings and
    /// the vacations, one batch per stream, in an order the log accepts.
    fn structure(&self) -> Vec<Batch> {
        let mut batches = Vec::new();
        let mut one = |stream: Uuid, event: Event| {
            batches.push(Batch {
                stream,
                events: vec![event],
                retract: vec![],
            })
        };
        one(
            self.school,
            Event::OrgUnitCreated {
                org_unit_id: self.school,
                kind: OrgUnitKind::School,
                name: "示范大学".into(),
                parent_id: None,
            },
        );
        one(
            self.college,
            Event::OrgUnitCreated {
                org_unit_id: self.college,
                kind: OrgUnitKind::College,
                name: "计算机学院".into(),
                parent_id: Some(self.school),
            },
        );
        for (i, &b) in self.branches.iter().enumerate() {
            one(
                b,
                Event::OrgUnitCreated {
                    org_unit_id: b,
                    kind: OrgUnitKind::Branch,
                    name: format!("学生第{}党支部", i + 1),
                    parent_id: Some(self.college),
                },
            );
        }
        for (i, &c) in self.classes.iter().enumerate() {
            one(
                c,
                Event::OrgUnitCreated {
                    org_unit_id: c,
                    kind: OrgUnitKind::Class,
                    name: format!("{}级计算机{}班", 2022 + i % 4, i / 4 + 1),
                    parent_id: Some(self.college),
                },
            );
        }
        one(
            self.school,
            Event::VacationsSet {
                vacations: vec![
                    vacation((2025, 1, 11), (2025, 2, 16)),
                    vacation((2025, 7, 5), (2025, 8, 31)),
                    vacation((2026, 1, 17), (2026, 2, 22)),
                    vacation((2026, 7, 11), (2026, 8, 31)),
                ],
            },
        );
        let mut rng = Rng::new(0x5EED_0001);
        for (i, &p) in self.people.iter().enumerate() {
            let class = self.classes[i % self.classes.len()];
            let branch = self.branches[i % self.branches.len()];
            let member = self.is_member(i);
            let stage = if member {
                if i % 5 == 0 { Stage::Probationary } else { Stage::Full }
            } else {
                [Stage::NonParty, Stage::Applicant, Stage::Applicant, Stage::Activist][i % 4]
            };
            let mut events = vec![Event::PersonRegistered {
                person_id: p,
                number: person_number(i),
                name: format!("学生{:05}", i + 1),
                org_unit_ids: if member { vec![branch, class] } else { vec![class] },
                stage,
                stage_since: Some(rng.day_between(
                    NaiveDate::from_ymd_opt(2023, 9, 1).expect("a date"),
                    NaiveDate::from_ymd_opt(2024, 8, 31).expect("a date"),
                )),
                key_cultivation_target: !member && i % 3 == 0,
                contact: None,
                email: None,
            }];
            // Some students move one stage on during the period.
            if !member
                && stage != Stage::NonParty
                && rng.chance(0.3)
                && let Some(next) = stage.next()
            {
                events.push(Event::StageChanged {
                    person_id: p,
                    stage: next,
                    effective_on: rng.day_between(first_day(), last_day()),
                });
            }
            if member && i < self.branches.len() {
                events.push(Event::RoleAssigned {
                    person_id: p,
                    role: Role::BranchSecretary,
                    scope_id: branch,
                });
            }
            batches.push(Batch {
                stream: p,
                events,
                retract: vec![],
            });
        }
        for (j, &pairing_id) in self.pairings.iter().enumerate() {
            let cadence = cadence(j);
            batches.push(Batch {
                stream: pairing_id,
                events: vec![Event::PairingFormed {
                    pairing_id,
                    kind: PairingKind::OneToOne,
                    mentor_ids: vec![self.people[j]],
                    mentee_id: self.people[self.spec.pairings + j],
                    starts_on: pairing_start(j),
                    cadence,
                    situation: Some("学业困难，需要加强沟通与督促".into()),
                }],
                retract: vec![],
            });
        }
        batches
    }

    fn structure_events(&self) -> usize {
        // Units, vacations, people (about 1.1 events each), pairings: an estimate for the
        // fact budget; the exact count is whatever the batches hold.
        2 + self.branches.len() + self.classes.len() + 1 + self.people.len() * 11 / 10 + self.pairings.len()
    }

    /// Every batch of the log, in order: structure, then one batch of facts per pairing and
    /// per person, then one batch of retractions per stream that has any (its `events` are
    /// empty and `retract` names the stream's earlier fact batch by its position in this
    /// list: see [`Workload::for_each_batch`]).
    pub fn for_each_batch(&self, mut f: impl FnMut(&Batch)) {
        let structure = self.structure();
        for b in &structure {
            f(b);
        }
        drop(structure);
        let budget = self.spec.events.saturating_sub(self.structure_events());
        let retractions = budget / 1_000;
        let budget = budget - retractions;
        let on_pairings = (budget as f64 * self.spec.pairing_share) as usize;
        let on_people = budget - on_pairings;
        let per_pairing = split(on_pairings, self.pairings.len());
        let per_person = split(on_people, self.people.len());
        let streams = self.pairings.len() + self.people.len();
        let retract_every = streams
            .checked_div(retractions)
            .map_or(usize::MAX, |every| every.max(1));
        let mut n = 0usize;
        for (j, &pairing_id) in self.pairings.iter().enumerate() {
            let mut b = self.pairing_facts(j, pairing_id, per_pairing(j));
            if n.is_multiple_of(retract_every) && !b.events.is_empty() {
                b.retract.push((j * 7919) % b.events.len());
            }
            n += 1;
            f(&b);
        }
        for (i, &person_id) in self.people.iter().enumerate() {
            let mut b = self.person_facts(i, person_id, per_person(i));
            if n.is_multiple_of(retract_every) && !b.events.is_empty() {
                b.retract.push((i * 7919) % b.events.len());
            }
            n += 1;
            f(&b);
        }
    }

    /// The whole log as recorded events, folded straight into a [`State`] (no database):
    /// the same events the store would hold, with ids and positions assigned here.
    /// Returns the state and the number of events applied.
    pub fn fold_in_memory(&self) -> (State, usize) {
        let mut state = State::new();
        let mut n = 0;
        self.for_each_recorded(|r| {
            state.apply(&r);
            n += 1;
        });
        (state, n)
    }

    /// Every event of the log as a [`Recorded`], in log order.
    pub fn for_each_recorded(&self, mut f: impl FnMut(Recorded)) {
        let mut position = 0i64;
        let mut versions: std::collections::HashMap<Uuid, i64> = std::collections::HashMap::new();
        let mut rng = Rng::new(0x1D5);
        let mut pending: Vec<(Uuid, Uuid)> = Vec::new();
        let at = recorded_at();
        let mut record = |stream: Uuid, event: Event, position: &mut i64, rng: &mut Rng| {
            *position += 1;
            let version = versions.entry(stream).or_insert(0);
            *version += 1;
            // The store's ids are version 7, one per append instant: later events sort later.
            let id = rng.uuid_at(RECORDED_MS + *position as u64);
            let recorded = Recorded {
                id,
                position: *position,
                stream_id: stream,
                stream_version: *version,
                occurred_at: event.occurred_at().unwrap_or(at),
                recorded_at: at,
                actor_id: Some(ACTOR.to_owned()),
                idempotency_key: None,
                event,
            };
            (id, recorded)
        };
        self.for_each_batch(|b| {
            for (k, e) in b.events.iter().enumerate() {
                let (id, r) = record(b.stream, e.clone(), &mut position, &mut rng);
                if b.retract.contains(&k) {
                    pending.push((b.stream, id));
                }
                f(r);
            }
        });
        for (stream, event_id) in pending {
            let (_, r) = record(stream, retraction(event_id), &mut position, &mut rng);
            f(r);
        }
    }
}

/// The student number of the `i`-th person (from 0).
pub fn person_number(i: usize) -> String {
    format!("2022{:06}", i + 1)
}

pub fn retraction(event_id: Uuid) -> Event {
    Event::EventRetracted {
        event_id,
        reason: "登记错误，撤回".into(),
    }
}

/// `total` spread over `n` streams, unevenly (±50%) but deterministically, summing to
/// about `total`.
fn split(total: usize, n: usize) -> impl Fn(usize) -> usize {
    let mean = total as f64 / n.max(1) as f64;
    move |k| {
        let wobble = ((k as u64).wrapping_mul(0x9E37_79B9) % 101) as f64 / 100.0; // 0..1
        (mean * (0.5 + wobble)).round() as usize
    }
}

fn vacation(from: (i32, u32, u32), to: (i32, u32, u32)) -> Vacation {
    Vacation {
        from: NaiveDate::from_ymd_opt(from.0, from.1, from.2).expect("a date"),
        to: NaiveDate::from_ymd_opt(to.0, to.1, to.2).expect("a date"),
    }
}

/// A third rolling every 14 days, a third monthly, a third twice a week.
fn cadence(j: usize) -> Cadence {
    match j % 3 {
        0 => Cadence {
            at_least: 1,
            every_days: Some(14),
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        },
        1 => Cadence {
            at_least: 1,
            every_days: None,
            calendar: Some(CalendarUnit::Month),
            min_minutes: None,
            problems_per_term: None,
        },
        _ => Cadence {
            at_least: 2,
            every_days: None,
            calendar: Some(CalendarUnit::Week),
            min_minutes: None,
            problems_per_term: None,
        },
    }
}

fn pairing_start(j: usize) -> NaiveDate {
    first_day() + TimeDelta::days((j % 45) as i64)
}
