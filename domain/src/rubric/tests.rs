//! Given these events, when a rubric is evaluated, then these scores. The arithmetic of
//! each hand-computed person is in a comment citing the seed's line.

use super::*;
use crate::event::{Cadence, Event, Recorded, Vacation};
use crate::state::{Person, State};
use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

// ---- a tiny world builder ----------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn p(s: &str) -> Period {
    Period::parse(s).unwrap()
}

struct World {
    state: State,
    next: u128,
}

impl World {
    fn new() -> World {
        World {
            state: State::new(),
            next: 1,
        }
    }

    fn emit_as(&mut self, id: Uuid, event: Event) -> Uuid {
        let at = event
            .occurred_at()
            .unwrap_or_else(|| Utc.with_ymd_and_hms(2025, 9, 1, 0, 0, 0).unwrap());
        let position = self.state.position + 1;
        self.state.apply(&Recorded {
            id,
            position,
            stream_id: Uuid::nil(),
            stream_version: position,
            occurred_at: at,
            recorded_at: at,
            actor_id: None,
            idempotency_key: None,
            event,
        });
        id
    }

    fn emit(&mut self, event: Event) -> Uuid {
        self.next += 1;
        self.emit_as(Uuid::from_u128(self.next), event)
    }

    fn fresh(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(0xF000_0000 + self.next)
    }

    fn unit(&mut self, kind: OrgUnitKind, parent: Option<Uuid>) -> Uuid {
        let id = self.fresh();
        self.emit(Event::OrgUnitCreated {
            org_unit_id: id,
            kind,
            name: format!("{kind:?}"),
            parent_id: parent,
        });
        id
    }

    fn person(&mut self, units: &[Uuid], stage: Stage) -> Uuid {
        let id = self.fresh();
        self.emit(Event::PersonRegistered {
            person_id: id,
            number: id.to_string(),
            name: "x".into(),
            org_unit_ids: units.to_vec(),
            stage,
            stage_since: None,
            key_cultivation_target: false,
        });
        id
    }

    fn report(&mut self, person: Uuid, on: &str) -> Uuid {
        self.emit(Event::ThoughtReportSubmitted {
            person_id: person,
            submitted_on: d(on),
            title: "r".into(),
            word_count: None,
        })
    }

    fn service(&mut self, person: Uuid, on: &str, hours: f64) -> Uuid {
        self.emit(Event::VolunteerServiceLogged {
            person_id: person,
            served_on: d(on),
            hours,
            activity: "s".into(),
        })
    }

    fn conduct(&mut self, person: Uuid, kind: ConductKind, on: &str) -> Uuid {
        self.emit(Event::ConductRecorded {
            person_id: person,
            kind,
            occurred_on: d(on),
            note: None,
        })
    }

    fn award(&mut self, to: Uuid, series: &str, level: AwardLevel, category: AwardCategory, on: &str) -> Uuid {
        self.emit(Event::AwardRecorded {
            recipient_id: to,
            name: format!("{series} {level:?}"),
            series: series.into(),
            level,
            category,
            awarded_on: d(on),
        })
    }

    fn result(&mut self, person: Uuid, term: &str, gpa: f64, rank: u32, size: u32) -> Uuid {
        self.emit(Event::AcademicResultRecorded {
            person_id: person,
            term: p(term),
            gpa,
            class_rank: rank,
            class_size: size,
        })
    }

    fn evaluation(
        &mut self,
        person: Uuid,
        rubric: &str,
        period: &str,
        item: &str,
        evaluator: EvaluatorRole,
        score: f64,
    ) -> Uuid {
        self.emit(Event::EvaluationRecorded {
            person_id: person,
            rubric: rubric.into(),
            period: p(period),
            item_key: item.into(),
            evaluator,
            score,
            note: None,
        })
    }

    fn activity(&mut self, person: Uuid, kind: MemberActivityKind, quantity: f64, on: &str) -> Uuid {
        self.emit(Event::MemberActivityRecorded {
            person_id: person,
            kind,
            occurred_on: d(on),
            quantity,
            note: None,
        })
    }

    fn democratic(&mut self, person: Uuid, period: &str, grade: DemocraticGrade, poll: Option<f64>) -> Uuid {
        self.emit(Event::DemocraticEvaluationRecorded {
            person_id: person,
            period: p(period),
            grade,
            poll_score: poll,
        })
    }

    fn role(&mut self, person: Uuid, role: Role, scope: Uuid) {
        self.emit(Event::RoleAssigned {
            person_id: person,
            role,
            scope_id: scope,
        });
    }

    fn stage(&mut self, person: Uuid, stage: Stage, on: &str) -> Uuid {
        self.emit(Event::StageChanged {
            person_id: person,
            stage,
            effective_on: d(on),
        })
    }

    fn pairing(&mut self, mentor: Uuid, mentee: Uuid, starts: &str, cadence: Cadence) -> Uuid {
        let id = self.fresh();
        self.emit(Event::PairingFormed {
            pairing_id: id,
            kind: PairingKind::OneToOne,
            mentor_ids: vec![mentor],
            mentee_id: mentee,
            starts_on: d(starts),
            cadence,
            situation: None,
        });
        id
    }

    fn contact(&mut self, pairing: Uuid, on: &str) -> Uuid {
        self.emit(Event::ContactRecorded {
            pairing_id: pairing,
            occurred_at: crate::time::start_of_day(d(on)) + chrono::Duration::hours(10),
            form: ContactForm::FaceToFace,
            place: None,
            content: None,
            effect: None,
            problems_solved: 0,
            duration_minutes: None,
        })
    }

    /// A contact at an exact instant (RFC 3339, any offset).
    fn contact_at(&mut self, pairing: Uuid, at: &str) -> Uuid {
        self.emit(Event::ContactRecorded {
            pairing_id: pairing,
            occurred_at: chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc(),
            form: ContactForm::Phone,
            place: None,
            content: None,
            effect: None,
            problems_solved: 0,
            duration_minutes: None,
        })
    }

    fn monthly(&mut self, pairing: Uuid, month: &str) -> Uuid {
        self.emit(Event::MonthlyRecordSubmitted {
            pairing_id: pairing,
            month: Month::parse(month).unwrap(),
        })
    }

    fn visit(&mut self, pairing: Uuid, on: &str, rating: u8) -> Uuid {
        self.emit(Event::VisitFeedbackRecorded {
            pairing_id: pairing,
            visited_on: d(on),
            rating,
            note: None,
        })
    }

    fn retract(&mut self, id: Uuid) {
        self.emit(Event::EventRetracted {
            event_id: id,
            reason: "mistake".into(),
        });
    }

    fn who(&self, id: Uuid) -> &Person {
        &self.state.people[&id]
    }

    /// Evaluates, and checks on the way that the rankings' `total` agrees.
    fn assess(&self, rubric: &Rubric, person: Uuid, period: &str) -> Assessment {
        let a = evaluate(rubric, &self.state, self.who(person), p(period));
        assert_eq!(total(rubric, &self.state, self.who(person), p(period)), a.total);
        a
    }
}

use crate::time::Month;

/// The presets, read from their files.
fn key_target_100() -> Rubric {
    preset("key-target-100").cloned().expect("a preset")
}

fn member_100() -> Rubric {
    preset("member-100").cloned().expect("a preset")
}

fn leader_100() -> Rubric {
    preset("leader-100").cloned().expect("a preset")
}

fn party_star() -> Rubric {
    preset("party-star").cloned().expect("a preset")
}

fn monthly_cadence() -> Cadence {
    Cadence {
        at_least: 1,
        every_days: None,
        calendar: Some(CalendarUnit::Month),
    }
}

fn scores(a: &Assessment) -> Vec<(&str, f64)> {
    a.items.iter().map(|i| (i.key.as_str(), i.score)).collect()
}

fn item<'a>(a: &'a Assessment, key: &str) -> &'a ItemResult {
    a.items.iter().find(|i| i.key == key).unwrap()
}

/// A school, a college, a branch and a class.
fn campus(w: &mut World) -> (Uuid, Uuid, Uuid) {
    let school = w.unit(OrgUnitKind::School, None);
    let college = w.unit(OrgUnitKind::College, Some(school));
    let branch = w.unit(OrgUnitKind::Branch, Some(college));
    let class = w.unit(OrgUnitKind::Class, Some(college));
    (college, branch, class)
}

// ---- key-target-100 (seed 000, form 2) -------------------------------------------------

/// The fixture `key-target-100-basic.json`: 李娜 and her classmate 王强.
fn fixture() -> (World, Uuid, Uuid) {
    use AwardCategory::*;
    use AwardLevel::*;
    use ConductKind::*;
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    let mentor = w.person(&[college, branch], Stage::Full);
    let li = w.person(&[college, branch, class], Stage::Activist);
    let wang = w.person(&[college, class], Stage::NonParty);
    w.pairing(mentor, li, "2025-09-01", monthly_cadence());
    w.evaluation(
        li,
        "key-target-100",
        "2025-2026",
        "political_stance",
        EvaluatorRole::Branch,
        5.0,
    );
    for on in ["2025-10-08", "2025-12-10", "2026-03-15", "2026-06-01"] {
        w.report(li, on);
    }
    w.result(li, "2025-2026-1", 3.05, 12, 45);
    w.result(li, "2025-2026-2", 3.2, 7, 45);
    for (on, h) in [
        ("2025-09-20", 4.0),
        ("2025-10-11", 4.5),
        ("2025-11-08", 4.0),
        ("2025-12-06", 3.5),
        ("2026-01-10", 4.0),
        ("2026-03-14", 5.0),
        ("2026-04-11", 5.0),
        ("2026-05-09", 4.0),
        ("2026-06-13", 3.0),
        ("2026-07-04", 2.0),
        ("2026-08-01", 2.0),
    ] {
        w.service(li, on, h);
    }
    w.conduct(li, Late, "2025-11-03");
    let wrong = w.conduct(li, DormInspectionFailed, "2025-12-01");
    w.retract(wrong);
    w.conduct(li, ClassActivityMissed, "2026-04-20");
    w.award(li, "数学建模竞赛", School, Individual, "2025-11-20");
    w.award(li, "数学建模竞赛", Provincial, Individual, "2026-05-18");
    w.award(li, "高等学校英语应用能力考试A级", School, EnglishAb, "2025-12-20");
    w.award(li, "计算机等级考试", School, ComputerLevel1, "2025-10-01");
    w.award(li, "计算机等级考试", School, ComputerLevel2, "2026-03-28");
    w.award(class, "校级先进班集体", School, Collective, "2026-01-05");
    (w, li, wang)
}

#[test]
fn fixture_li_na_scores_83_qualified() {
    let (w, li, _) = fixture();
    let a = w.assess(&key_target_100(), li, "2025-2026");
    // Seed 000 form 2, line by line:
    //   政治立场 5 (branch scored; computed 0)      理论学习 5 (缺席0次)
    //   思想汇报 10 (4 篇 ≥ 4)                       专业成绩 13 (latest term GPA 3.2 ≥ 2.5 → 5; 第7名 → 前10名 +8)
    //   志愿 30 (term 1: 5 次 20.0 h; term 2: 6 次 21.0 h; both ≥ 20 h and ≥ 5 次)
    //   课堂 0 (one 迟到)  寝室 10 (the failure was retracted)  班级 0 (5 − 5 × 1)
    //   获奖 10 (建模 best 5 + 英语 2 + 计算机 best 2 + 校级集体 2 = 11, ≤ 10)
    //   5+5+10+13+30+0+10+0+10 = 83 → QUALIFIED.
    assert_eq!(
        scores(&a),
        vec![
            ("political_stance", 5.0),
            ("theory_study", 5.0),
            ("thought_reports", 10.0),
            ("academics", 13.0),
            ("volunteer_service", 30.0),
            ("class_attendance", 0.0),
            ("dorm", 10.0),
            ("class_participation", 0.0),
            ("awards", 10.0),
        ]
    );
    assert_eq!(a.total, 83.0);
    assert_eq!(a.band, Band::Qualified);
    assert!(!a.vetoed);
    assert_eq!(item(&a, "political_stance").computed, 0.0);
    assert_eq!(item(&a, "political_stance").evaluations.len(), 1);
    assert_eq!(item(&a, "awards").computed, 10.0);
    assert_eq!(item(&a, "awards").evidence.len(), 4, "best of each series");
    assert_eq!(item(&a, "thought_reports").evidence.len(), 4);
    assert_eq!(item(&a, "volunteer_service").evidence.len(), 11);
    assert_eq!(item(&a, "academics").evidence.len(), 1);
    assert!(item(&a, "dorm").evidence.is_empty());
    assert_eq!(item(&a, "class_attendance").evidence.len(), 1);
}

#[test]
fn fixture_classmate_with_no_records_scores_32() {
    let (w, _, wang) = fixture();
    let a = w.assess(&key_target_100(), wang, "2025-2026");
    // 理论学习 5 + 课堂 10 + 寝室 10 + 班级 5 (no violation) + 班级校级集体荣誉 2 = 32 → UNQUALIFIED.
    assert_eq!(a.total, 32.0);
    assert_eq!(a.band, Band::Unqualified);
    assert_eq!(item(&a, "awards").score, 2.0);
}

#[test]
fn a_model_activist_scores_100_commended() {
    use AwardCategory::*;
    use AwardLevel::*;
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    let x = w.person(&[college, branch, class], Stage::Activist);
    w.evaluation(
        x,
        "key-target-100",
        "2025-2026",
        "political_stance",
        EvaluatorRole::SelfAssessment,
        5.0,
    );
    w.evaluation(
        x,
        "key-target-100",
        "2025-2026",
        "political_stance",
        EvaluatorRole::Branch,
        4.0,
    );
    w.evaluation(
        x,
        "key-target-100",
        "2025-2026",
        "political_stance",
        EvaluatorRole::Branch,
        5.0,
    );
    for on in ["2025-09-10", "2025-11-10", "2026-01-10", "2026-04-10", "2026-06-10"] {
        w.report(x, on);
    }
    // The later term counts: 2025-2026-2 GPA 2.5 (以上 includes 2.5) → 5, rank 3 (前5名) → +10 = 15.
    w.result(x, "2025-2026-2", 2.5, 3, 30);
    w.result(x, "2025-2026-1", 1.9, 25, 30);
    for on in ["2025-09-06", "2025-09-13", "2025-10-06", "2025-11-06", "2025-12-06"] {
        w.service(x, on, 4.0);
    }
    for on in ["2026-03-06", "2026-03-13", "2026-04-06", "2026-05-06", "2026-06-06"] {
        w.service(x, on, 4.0);
    }
    w.award(x, "挑战杯", National, Individual, "2026-05-01");
    w.award(x, "挑战杯校赛", School, Individual, "2026-03-01");
    let a = w.assess(&key_target_100(), x, "2025-2026");
    // 政治立场 5 (the branch's latest score) + 5 + 10 (5 篇) + 15 + 30 (each term: 5 次, 20 h)
    // + 10 + 10 + 5 + 获奖 min(10 + 3, 10) = 100 → COMMENDED.
    assert_eq!(a.total, 100.0);
    assert_eq!(a.band, Band::Commended);
    assert_eq!(item(&a, "political_stance").evaluations.len(), 3);
    assert_eq!(item(&a, "academics").score, 15.0);
}

#[test]
fn academics_take_the_first_matching_rank_tier_of_the_latest_term() {
    let rubric = key_target_100();
    let mut w = World::new();
    let (college, _, class) = campus(&mut w);
    let cases = [
        // (gpa, rank, expected): 前5名 10 / 6–10 名 8 / 11–15 名 6 / 16–20 名 4, plus 5 for GPA ≥ 2.5
        (2.49, 5, 10.0),
        (2.5, 6, 13.0),
        (3.9, 10, 13.0),
        (3.9, 11, 11.0),
        (2.0, 15, 6.0),
        (2.0, 16, 4.0),
        (3.0, 20, 9.0),
        (3.0, 21, 5.0),
        (1.0, 40, 0.0),
    ];
    for (gpa, rank, expected) in cases {
        let x = w.person(&[college, class], Stage::Activist);
        w.result(x, "2024-2025-2", 4.0, 1, 30); // outside the period
        w.result(x, "2025-2026-1", gpa, rank, 30);
        let a = w.assess(&rubric, x, "2025-2026");
        assert_eq!(item(&a, "academics").computed, expected, "gpa {gpa} rank {rank}");
    }
    let none = w.person(&[college, class], Stage::Activist);
    assert_eq!(item(&w.assess(&rubric, none, "2025-2026"), "academics").computed, 0.0);
}

#[test]
fn volunteer_service_needs_both_thresholds_in_every_term() {
    let rubric = key_target_100();
    let mut w = World::new();
    let (college, _, class) = campus(&mut w);
    let x = w.person(&[college, class], Stage::Activist);
    // Term 1: 5 sessions, 20 h. Term 2: 6 sessions but 19.5 h.
    for on in ["2025-09-06", "2025-10-06", "2025-11-06", "2025-12-06", "2026-02-06"] {
        w.service(x, on, 4.0);
    }
    for (on, h) in [
        ("2026-03-06", 4.0),
        ("2026-04-06", 4.0),
        ("2026-05-06", 4.0),
        ("2026-06-06", 4.0),
        ("2026-07-06", 3.0),
        ("2026-08-31", 0.5),
    ] {
        w.service(x, on, h);
    }
    assert_eq!(
        item(&w.assess(&rubric, x, "2025-2026"), "volunteer_service").computed,
        0.0
    );
    // Assessed over term 1 alone, term 1 suffices.
    assert_eq!(
        item(&w.assess(&rubric, x, "2025-2026-1"), "volunteer_service").computed,
        30.0
    );
    // 20 h in 4 sessions is not enough either.
    let y = w.person(&[college, class], Stage::Activist);
    for on in ["2025-09-06", "2025-10-06", "2025-11-06", "2025-12-06"] {
        w.service(y, on, 5.0);
    }
    assert_eq!(
        item(&w.assess(&rubric, y, "2025-2026-1"), "volunteer_service").computed,
        0.0
    );
}

#[test]
fn awards_count_once_per_series_and_only_the_class_honours() {
    use AwardCategory::*;
    use AwardLevel::*;
    let rubric = key_target_100();
    let mut w = World::new();
    let (college, _, class) = campus(&mut w);
    let x = w.person(&[college, class], Stage::Activist);
    // English A and B: one exam, 2 once. Computer level 1 and 2 with their own names: one
    // exam, the higher 2. A municipal prize 4. The college's own honour does not count for its
    // students; an award of the previous year neither.
    w.award(x, "英语A级", School, EnglishAb, "2025-10-01");
    w.award(x, "英语B级", School, EnglishAb, "2025-12-01");
    w.award(x, "计算机一级", School, ComputerLevel1, "2025-10-01");
    w.award(x, "计算机二级", School, ComputerLevel2, "2026-04-01");
    w.award(x, "市三好学生", Municipal, Individual, "2026-05-01");
    w.award(x, "旧奖", National, Individual, "2025-08-31");
    w.award(college, "省级先进学院", Provincial, Collective, "2026-01-01");
    let a = w.assess(&rubric, x, "2025-2026");
    // 2 + 2 + 4 = 8.
    assert_eq!(item(&a, "awards").computed, 8.0);
    assert_eq!(item(&a, "awards").evidence.len(), 3);
    // The class's provincial honour adds 5: 13, capped at 10.
    w.award(class, "先进班集体", Provincial, Collective, "2026-06-01");
    assert_eq!(item(&w.assess(&rubric, x, "2025-2026"), "awards").computed, 10.0);
}

#[test]
fn violations_deductions_and_the_branch_score() {
    use ConductKind::*;
    let rubric = key_target_100();
    let mut w = World::new();
    let (college, _, class) = campus(&mut w);
    let x = w.person(&[college, class], Stage::Activist);
    w.conduct(x, StudySessionMissed, "2025-10-01");
    w.conduct(x, EarlyLeave, "2026-05-01");
    w.conduct(x, DormInspectionFailed, "2026-05-02");
    w.conduct(x, ClassActivityMissed, "2026-05-03");
    w.conduct(x, ClassActivityMissed, "2026-05-04");
    w.conduct(x, Absence, "2025-08-30"); // the previous year
    // The branch raises 班级表现 to 3; the organisation's score is shown but does not count.
    w.evaluation(
        x,
        "key-target-100",
        "2025-2026",
        "class_participation",
        EvaluatorRole::Branch,
        3.0,
    );
    w.evaluation(
        x,
        "key-target-100",
        "2025-2026",
        "dorm",
        EvaluatorRole::Organization,
        10.0,
    );
    w.evaluation(
        x,
        "key-target-100",
        "2024-2025",
        "theory_study",
        EvaluatorRole::Branch,
        5.0,
    );
    let a = w.assess(&rubric, x, "2025-2026");
    assert_eq!(item(&a, "theory_study").score, 0.0);
    assert_eq!(item(&a, "class_attendance").score, 0.0);
    assert_eq!(item(&a, "dorm").score, 0.0);
    assert_eq!(item(&a, "dorm").evaluations.len(), 1);
    let cp = item(&a, "class_participation");
    assert_eq!((cp.computed, cp.score, cp.evidence.len()), (0.0, 3.0, 2));
    assert_eq!(a.total, 3.0);
}

// ---- member-100 (seed 003, 第六条 2) ----------------------------------------------------

#[test]
fn member_100_hand_computed() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = member_100();
    let mut w = World::new();
    let (college, branch, _) = campus(&mut w);

    // M1.
    let m1 = w.person(&[college, branch], Stage::Full);
    w.activity(m1, A::StudyNotes, 15_000.0, "2025-10-01");
    w.activity(m1, A::StudyNotes, 10_000.0, "2026-04-01");
    w.activity(m1, A::TheoryArticle, 2.0, "2026-05-01");
    w.activity(m1, A::TrainingWithReflection, 1.0, "2026-05-10");
    w.activity(m1, A::StudySessionMissed, 1.0, "2025-11-01");
    w.activity(m1, A::StudyHoursMissed, 2.0, "2025-11-01");
    w.activity(m1, A::OrgLifeMissedWithLeave, 1.0, "2025-12-01");
    w.activity(m1, A::TaskNotCompleted, 1.0, "2026-01-05");
    w.activity(m1, A::DeedForMasses, 1.0, "2026-03-05");
    w.activity(m1, A::PoorExample, 1.0, "2026-06-05");
    w.activity(m1, A::NoRectificationPlan, 1.0, "2026-06-30");
    w.democratic(m1, "2025-2026", Excellent, Some(80.0));
    let a = w.assess(&rubric, m1, "2025-2026");
    // (1) 学习 20: ① −1 (一次) −0.5×2 (学时) ② 25,000 字 ≥ 2万 0 ③ 2 篇 0 ④ +3 → 21 → 标准分 20 (第七条).
    // (2) 组织生活 20: 少参加一次 −2 → 18.
    // (3) 岗位 40: ① −5 ② 群众实事 +3 ③ 反之 −5 → 33.
    // (4) 民主评议 20: ① 没有整改计划 −5 ② 优秀 +5 → 20.
    // 量化 91; 第八条: 0.8 × 91 + 0.2 × 80 = 72.8 + 16 = 88.8 → QUALIFIED (第十四条).
    assert_eq!(
        scores(&a),
        vec![
            ("study", 20.0),
            ("org_life", 18.0),
            ("duties", 33.0),
            ("democratic", 20.0)
        ]
    );
    assert_eq!(a.total, 88.8);
    assert_eq!(a.band, Band::Qualified);

    // M2: clean record.
    let m2 = w.person(&[college, branch], Stage::Full);
    w.activity(m2, A::StudyNotes, 20_000.0, "2025-10-01");
    w.activity(m2, A::TheoryArticle, 1.0, "2025-12-01");
    w.activity(m2, A::TheoryArticle, 1.0, "2026-05-01");
    w.activity(m2, A::DeedForUnit, 1.0, "2026-03-05");
    w.democratic(m2, "2025-2026", Qualified, Some(92.0));
    let a = w.assess(&rubric, m2, "2025-2026");
    // 20 + 20 + min(40 + 5, 40) + 20 = 100; 0.8 × 100 + 0.2 × 92 = 98.4 → COMMENDED (90分以上).
    assert_eq!(a.total, 98.4);
    assert_eq!(a.band, Band::Commended);

    // M3: many deductions.
    let m3 = w.person(&[college, branch], Stage::Full);
    w.activity(m3, A::StudyNotes, 5_000.0, "2025-10-01");
    for on in ["2025-10-10", "2025-11-10", "2025-12-10"] {
        w.activity(m3, A::OrgLifeMissedWithoutLeave, 1.0, on);
    }
    w.activity(m3, A::OrgLifeMissedWithLeave, 1.0, "2026-03-10");
    w.activity(m3, A::DutyFailure, 1.0, "2026-04-10");
    w.activity(m3, A::TaskNotCompleted, 1.0, "2026-04-11");
    w.activity(m3, A::OpinionsNotSought, 1.0, "2026-06-30");
    w.activity(m3, A::NoSelfReview, 1.0, "2026-06-30");
    w.activity(m3, A::NoRectificationPlan, 1.0, "2026-06-30");
    w.democratic(m3, "2025-2026", BasicallyQualified, Some(50.0));
    let a = w.assess(&rubric, m3, "2025-2026");
    // (1) ② 5,000 字: 15,000 short of 2万, 每少1万字扣1分 counted per started 1万 → −2;
    //     ③ no article: 缺两篇 → −2 × 2 → 20 − 2 − 4 = 14.
    // (2) 无故 3 次 × −3, 请假 1 次 −2 → 9.
    // (3) ② 办不成一件 −10, ④ 失职 −10, ① −5 → 15.
    // (4) −5 −4 −5, 基本合格 −5 → 1.
    // 量化 39; 0.8 × 39 + 0.2 × 50 = 31.2 + 10 = 41.2 → UNQUALIFIED (60分以下).
    assert_eq!(
        scores(&a),
        vec![
            ("study", 14.0),
            ("org_life", 9.0),
            ("duties", 15.0),
            ("democratic", 1.0)
        ]
    );
    assert_eq!(a.total, 41.2);
    assert_eq!(a.band, Band::Unqualified);

    // M4: 民主评议为不合格 → 一票否决 (第十五条).
    let m4 = w.person(&[college, branch], Stage::Full);
    w.democratic(m4, "2025-2026", Unqualified, Some(95.0));
    let a = w.assess(&rubric, m4, "2025-2026");
    assert!(a.vetoed);
    assert_eq!(a.band, Band::NotAssessed);
}

#[test]
fn member_100_commendations_notes_and_a_missing_poll() {
    use AwardCategory::*;
    use AwardLevel::*;
    use MemberActivityKind as A;
    let rubric = member_100();
    let mut w = World::new();
    let (college, branch, _) = campus(&mut w);
    let x = w.person(&[college, branch], Stage::Full);
    // No notes at all: −3 (not −2); 1 article: −2.
    w.activity(x, A::TheoryArticle, 1.0, "2026-05-01");
    // 岗位: no deed (−10), then ⑥ 省级表彰 +10 and 区级 +3; a school-level commendation is not in ⑥.
    w.award(x, "省优秀党员", Provincial, Commendation, "2026-07-01");
    w.award(x, "区优秀志愿者", District, Commendation, "2026-07-02");
    w.award(x, "校优秀党员", School, Commendation, "2026-07-03");
    let a = w.assess(&rubric, x, "2025-2026");
    assert_eq!(item(&a, "study").computed, 15.0);
    // 40 − 10 + 10 + 3 = 43 → 40.
    assert_eq!(item(&a, "duties").computed, 40.0);
    assert_eq!(item(&a, "duties").evidence.len(), 2);
    // No democratic evaluation, no poll: the quantitative score stands alone: 15 + 20 + 40 + 20.
    assert_eq!(a.total, 95.0);
    assert!(!a.vetoed);
}

// ---- leader-100 (seed 003, 第六条 1) ----------------------------------------------------

#[test]
fn leader_100_hand_computed() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = leader_100();
    let mut w = World::new();
    let (college, branch, _) = campus(&mut w);

    // L1, 支部书记.
    let l1 = w.person(&[college, branch], Stage::Full);
    w.role(l1, Role::BranchSecretary, branch);
    w.activity(l1, A::PartyLectureMissed, 1.0, "2025-11-30");
    w.activity(l1, A::StudyHoursMissed, 3.0, "2025-12-30");
    w.activity(l1, A::StudyNotes, 25_000.0, "2026-06-30");
    w.activity(l1, A::TheoryArticle, 2.0, "2026-06-30");
    w.activity(l1, A::StudyVisitOrganized, 1.0, "2026-04-01");
    w.activity(l1, A::GeneralMeetingMissed, 2.0, "2026-01-01");
    w.activity(l1, A::GroupMeetingMissed, 1.0, "2026-01-02");
    w.activity(l1, A::PartyLectureAbsent, 1.0, "2026-01-03");
    w.activity(l1, A::CadreStudyMissed, 2.0, "2026-03-03");
    w.activity(l1, A::YearEndTopThree, 1.0, "2026-07-01");
    w.activity(l1, A::NoSelfReview, 1.0, "2026-07-01");
    w.democratic(l1, "2025-2026", Excellent, Some(90.0));
    let a = w.assess(&rubric, l1, "2025-2026");
    // (1) 理论学习 25: ① −1 (缺一次党课) −0.5×3 (学时) ② 2.5万 < 3万 → −1 ③ 2 < 3 篇 → −1
    //     ⑤ 书记组织参观 +2 → 22.5.
    // (2) 组织生活 20: 1 −0.5×2, 3 −1, 4 −0.5 → 17.5.
    // (3) 岗位 25: ③ −3×2, ⑧ 前三名书记 +5 → 24.
    // (4) 民主评议 30: ① 自查 −4 ② 优秀 +3 → 29.
    // 量化 93; 0.8 × 93 + 0.2 × 90 = 74.4 + 18 = 92.4 → COMMENDED.
    assert_eq!(
        scores(&a),
        vec![
            ("theory_study", 22.5),
            ("org_life", 17.5),
            ("duties", 24.0),
            ("democratic", 29.0)
        ]
    );
    assert_eq!(a.total, 92.4);
    assert_eq!(a.band, Band::Commended);

    // L2, 支部委员.
    let l2 = w.person(&[college, branch], Stage::Full);
    w.role(l2, Role::BranchCommittee, branch);
    w.activity(l2, A::YearEndBottomThree, 1.0, "2026-07-01");
    w.activity(l2, A::DuesUnpaid, 1.0, "2026-02-01");
    w.activity(l2, A::BranchStudyNotAttended, 1.0, "2026-05-01");
    w.activity(l2, A::GeneralMeetingMissed, 1.0, "2026-05-01");
    w.activity(l2, A::OpinionsNotSought, 1.0, "2026-07-01");
    w.activity(l2, A::NoRectificationPlan, 1.0, "2026-07-01");
    w.democratic(l2, "2025-2026", BasicallyQualified, Some(70.0));
    let a = w.assess(&rubric, l2, "2025-2026");
    // (1) ② 没有学习笔记 −3 ③ 0 篇 → −3 → 19.  (2) 3 未参加学习的不得分 → 0.
    // (3) ⑦ −10, ⑧ 后三名委员 −3 → 12.  (4) −3 −3, 基本合格 −3 → 21.
    // 量化 52; 0.8 × 52 + 0.2 × 70 = 41.6 + 14 = 55.6 → UNQUALIFIED.
    assert_eq!(
        scores(&a),
        vec![
            ("theory_study", 19.0),
            ("org_life", 0.0),
            ("duties", 12.0),
            ("democratic", 21.0)
        ]
    );
    assert_eq!(item(&a, "org_life").evidence.len(), 1);
    assert_eq!(a.total, 55.6);
    assert_eq!(a.band, Band::Unqualified);

    // L3, no branch role: 组织参观 and 前三名 earn nothing; a term's own evaluation applies,
    // and an unqualified grade vetoes.
    let l3 = w.person(&[college, branch], Stage::Full);
    w.activity(l3, A::StudyNotes, 30_000.0, "2025-10-01");
    w.activity(l3, A::TheoryArticle, 3.0, "2025-10-01");
    w.activity(l3, A::StudyVisitOrganized, 1.0, "2025-10-02");
    w.activity(l3, A::PartyLectureMissed, 2.0, "2025-10-03");
    w.activity(l3, A::YearEndTopThree, 1.0, "2026-01-03");
    w.activity(l3, A::DecisionObstructed, 1.0, "2025-12-03");
    w.democratic(l3, "2025-2026-1", Unqualified, Some(40.0));
    let a = w.assess(&rubric, l3, "2025-2026-1");
    // (1) 25 − 2 = 23; (2) 20; (3) 25 − 10 = 15; (4) 30 → 88; 0.8 × 88 + 0.2 × 40 = 78.4, vetoed.
    assert_eq!(
        scores(&a),
        vec![
            ("theory_study", 23.0),
            ("org_life", 20.0),
            ("duties", 15.0),
            ("democratic", 30.0)
        ]
    );
    assert_eq!(a.total, 78.4);
    assert_eq!((a.band, a.vetoed), (Band::NotAssessed, true));
}

// ---- party-star (seed 001) -------------------------------------------------------------

#[test]
fn party_star_hand_computed() {
    use AwardCategory::*;
    use AwardLevel::*;
    let rubric = party_star();
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    w.emit(Event::VacationsSet {
        vacations: vec![
            Vacation {
                from: d("2026-01-20"),
                to: d("2026-02-28"),
            },
            Vacation {
                from: d("2026-07-01"),
                to: d("2026-08-31"),
            },
        ],
    });

    // Mentor 1, one monthly pairing over the year.
    let m1 = w.person(&[college, branch, class], Stage::Full);
    let e1 = w.person(&[college, class], Stage::Activist);
    let p1 = w.pairing(m1, e1, "2025-09-01", monthly_cadence());
    for on in [
        "2025-09-05",
        "2025-10-05",
        "2025-11-05",
        "2025-12-05",
        "2026-03-05",
        "2026-04-05",
        "2026-04-06",
    ] {
        w.contact(p1, on);
    }
    for m in ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-03"] {
        w.monthly(p1, m);
    }
    w.visit(p1, "2025-12-01", 5);
    w.visit(p1, "2026-05-01", 4);
    w.award(e1, "数学建模", Provincial, Individual, "2026-05-01");
    w.award(e1, "数学建模", School, Individual, "2025-11-01");
    w.award(e1, "英语A级", School, EnglishAb, "2025-12-01");
    w.award(class, "先进班集体", School, Collective, "2026-01-01");
    w.conduct(e1, ConductKind::Late, "2025-10-10");
    w.stage(e1, Stage::DevelopmentTarget, "2026-03-10");
    w.result(m1, "2025-2026-2", 3.6, 4, 40);
    w.award(m1, "优秀学生干部", School, Individual, "2026-05-20");
    let a = w.assess(&rubric, m1, "2025-2026");
    // 交流频次: whole months Sep–Aug minus Feb, Jul, Aug (vacations) = 9; met Sep Oct Nov Dec Mar Apr = 6
    //   → 25 × 6/9 = 16.67.  每月报送: 6 of the 9 months → 15 × 6/9 = 10.
    // 随机访问: mean 4.5 → (4.5 − 1)/4 × 15 = 13.125 → 13.13.
    // 被帮助人获奖: 建模 best 5 + 英语 2 = 7 (the class honour is not the mentee's).
    // 违纪: 10 − 1 (迟到) = 9.  进步: one stage → 5.  自身学习: 4/40 = 10% ≤ 20% → 5.  自身获奖: 3.
    // 16.67 + 10 + 13.13 + 7 + 9 + 5 + 5 + 3 = 68.8.
    assert_eq!(
        scores(&a),
        vec![
            ("contact_compliance", 16.67),
            ("monthly_records", 10.0),
            ("visit_feedback", 13.13),
            ("mentee_awards", 7.0),
            ("mentee_conduct", 9.0),
            ("mentee_progress", 5.0),
            ("own_academics", 5.0),
            ("own_awards", 3.0),
        ]
    );
    assert_eq!(a.total, 68.8);
    assert_eq!(item(&a, "contact_compliance").evidence.len(), 7);
    assert_eq!(item(&a, "monthly_records").evidence.len(), 6);

    // Mentor 2: no pairing; rank 30 of 40 → 1.
    let m2 = w.person(&[college, branch], Stage::Full);
    w.result(m2, "2025-2026-1", 2.1, 30, 40);
    let a = w.assess(&rubric, m2, "2025-2026");
    assert_eq!(a.total, 1.0);
    assert_eq!(a.band, Band::Unqualified);
}

#[test]
fn party_star_fortnightly_and_late_pairings_over_a_term() {
    let rubric = party_star();
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    let m = w.person(&[college, branch], Stage::Full);
    let e2 = w.person(&[college, class], Stage::Activist);
    let e3 = w.person(&[college, class], Stage::Applicant);
    // Seed 001 八(四): 每两周至少交流一次.
    let fortnightly = Cadence {
        at_least: 1,
        every_days: Some(14),
        calendar: None,
    };
    let p2 = w.pairing(m, e2, "2025-09-01", fortnightly);
    let p3 = w.pairing(m, e3, "2025-10-15", monthly_cadence());
    for on in [
        "2025-09-02",
        "2025-09-20",
        "2025-09-29",
        "2025-10-20",
        "2025-11-01",
        "2025-11-20",
    ] {
        w.contact(p2, on);
    }
    w.contact(p3, "2025-10-20"); // October is not a whole month of p3
    w.contact(p3, "2025-11-20");
    w.contact(p3, "2025-12-20");
    w.monthly(p2, "2025-09");
    w.monthly(p2, "2025-10");
    w.monthly(p3, "2025-11");
    w.stage(e2, Stage::DevelopmentTarget, "2025-10-01");
    w.stage(e2, Stage::Probationary, "2025-12-01");
    w.conduct(e3, ConductKind::Late, "2025-09-20"); // before the pairing
    w.conduct(e3, ConductKind::Sanction, "2025-11-05");
    w.award(
        class,
        "先进班集体",
        AwardLevel::School,
        AwardCategory::Collective,
        "2025-12-01",
    );
    let a = w.assess(&rubric, m, "2025-2026-1");
    // 交流: p2 has 12 whole fortnights from 1 Sep to 28 Feb (the 13th would end on 1 Mar):
    //   1–14 Sep, 15–28 Sep, 29 Sep–12 Oct, 13–26 Oct, 27 Oct–9 Nov, 10–23 Nov met, 6 others
    //   not; p3 has the whole months Nov, Dec, Jan, Feb: Nov and Dec met (its October is partial).
    //   8 of 16 → 12.5.
    // 每月报送: p2 Sep–Feb 6 months, p3 Nov–Feb 4 → 3 of 10 → 4.5.  访问: none → 0.
    // 获奖 0 (class honours excluded).  违纪: 处分 −10 → 0 (the earlier 迟到 is before the pairing).
    // 进步: 发展对象 +5, 预备党员 +10 → 15.  自身: nothing → 0.  Total 32.
    assert_eq!(
        scores(&a),
        vec![
            ("contact_compliance", 12.5),
            ("monthly_records", 4.5),
            ("visit_feedback", 0.0),
            ("mentee_awards", 0.0),
            ("mentee_conduct", 0.0),
            ("mentee_progress", 15.0),
            ("own_academics", 0.0),
            ("own_awards", 0.0),
        ]
    );
    assert_eq!(a.total, 32.0);
    assert_eq!(item(&a, "mentee_conduct").evidence.len(), 1);
    // The mentee is not scored for the mentor's rubric items as a mentor.
    let as_mentee = w.assess(&rubric, e2, "2025-2026-1");
    assert_eq!(item(&as_mentee, "contact_compliance").computed, 0.0);
}

#[test]
fn party_star_weekly_windows_turn_at_midnight_in_shanghai() {
    let rubric = party_star();
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    let m = w.person(&[college, branch], Stage::Full);
    let e = w.person(&[college, class], Stage::Activist);
    let weekly = Cadence {
        at_least: 1,
        every_days: None,
        calendar: Some(CalendarUnit::Week),
    };
    // Monday 1 December to Sunday 28 December 2025: four calendar weeks.
    let pairing = w.pairing(m, e, "2025-12-01", weekly);
    w.emit(Event::PairingEnded {
        pairing_id: pairing,
        ends_on: d("2025-12-28"),
        reason: "结对期满".into(),
    });
    w.contact_at(pairing, "2025-12-07T23:59:59+08:00"); // week 1, its last second
    w.contact_at(pairing, "2025-12-08T00:00:00+08:00"); // week 2, its first second
    w.contact_at(pairing, "2025-12-21T16:00:00Z"); // 22 Dec 00:00 in Shanghai: week 4
    w.contact_at(pairing, "2025-11-30T23:59:59+08:00"); // before the pairing: no week
    let a = w.assess(&rubric, m, "2025-2026-1");
    // Weeks 1, 2 and 4 met, week 3 (15–21 Dec) not: 25 × 3/4 = 18.75.
    assert_eq!(item(&a, "contact_compliance").score, 18.75);
    assert_eq!(item(&a, "contact_compliance").evidence.len(), 3);
}

// ---- definitions, validation, versions ---------------------------------------------------

#[test]
fn presets_are_valid_and_round_trip_through_json() {
    for rubric in presets() {
        check(rubric).unwrap_or_else(|e| panic!("{}: {e}", rubric.key));
        let back = validate(&rubric.definition()).unwrap();
        assert_eq!(&back, rubric);
        assert_eq!(rubric.max, 100.0);
    }
    let keys: Vec<_> = key_target_100().items().map(|(_, i)| i.key.clone()).collect();
    assert_eq!(
        keys,
        [
            "political_stance",
            "theory_study",
            "thought_reports",
            "academics",
            "volunteer_service",
            "class_attendance",
            "dorm",
            "class_participation",
            "awards"
        ]
    );
}

fn small() -> serde_json::Value {
    serde_json::json!({
        "key": "school-x",
        "title": "示范",
        "max": 20,
        "sections": [{"title": "思想", "items": [
            {"key": "reports", "title": "思想汇报", "max": 10, "rule": {"kind": "THRESHOLD",
                "conditions": [{"measure": {"fact": "THOUGHT_REPORTS"}, "atLeast": 2}], "points": 10}},
            {"key": "manual", "title": "评议", "max": 10, "rule": {"kind": "MANUAL"}}
        ]}]
    })
}

#[test]
fn validate_refuses_bad_definitions_with_a_reason() {
    let ok = validate(&small()).unwrap();
    assert_eq!((ok.version, ok.total.clone()), (1, Total::Sum));
    let default_bands = Bands {
        commended: 18.0,
        qualified: 12.0,
    };
    assert_eq!(ok.bands(), default_bands);
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = small();
        edit(&mut v);
        validate(&v).unwrap_err()
    };
    assert!(matches!(
        bad(&|v| v["sections"][0]["items"][1]["rule"]["kind"] = "GUESS".into()),
        RubricError::UnknownRuleKind { ref kind, .. } if kind == "GUESS"
    ));
    assert!(matches!(
        bad(&|v| v["sections"][0]["items"][1]["key"] = "reports".into()),
        RubricError::DuplicateItem(_)
    ));
    assert!(matches!(
        bad(&|v| v["sections"][0]["items"][1]["max"] = 0.into()),
        RubricError::BadItemMax { .. }
    ));
    assert!(matches!(
        bad(&|v| v["max"] = 25.into()),
        RubricError::MaxMismatch { .. }
    ));
    assert!(matches!(bad(&|v| v["key"] = "".into()), RubricError::BadKey(_)));
    assert!(matches!(
        bad(&|v| v["bands"] = serde_json::json!({"commended": 50, "qualified": 60})),
        RubricError::BadBands(_)
    ));
    assert!(matches!(
        bad(&|v| v["bands"] = serde_json::json!({"commended": 30, "qualified": 10})),
        RubricError::BadBands(_)
    ));
    assert!(matches!(
        bad(&|v| v["total"] = serde_json::json!({"kind": "WEIGHTED", "parts": [{"source": "ITEMS", "weight": 0.5}]})),
        RubricError::BadTotal(_)
    ));
    assert!(matches!(
        bad(&|v| v["sections"] = serde_json::json!([])),
        RubricError::NoItems
    ));
    assert!(matches!(
        bad(&|v| v["colour"] = "red".into()),
        RubricError::Malformed(_)
    ));
    assert!(matches!(
        bad(&|v| v["sections"][0]["items"][0]["rule"]["conditions"] = serde_json::json!([])),
        RubricError::BadRule { .. }
    ));
    assert!(matches!(
        bad(&|v| v["sections"][0]["items"][0]["rule"]["conditions"][0]["measure"]["fact"] = "DREAMS".into()),
        RubricError::Malformed(_)
    ));
    // Every error reads as a sentence naming the problem.
    assert!(bad(&|v| v["max"] = 25.into()).to_string().contains("sum to 20"));
}

#[test]
fn the_version_in_force_is_the_highest_published_by_the_period_start() {
    let mut w = World::new();
    let publish = |w: &mut World, version: u32, from: &str, title: &str| {
        let mut def = small();
        def["title"] = title.into();
        w.emit(Event::RubricPublished {
            key: "school-x".into(),
            version,
            effective_from: p(from),
            definition: def,
        });
    };
    assert!(rubric_for(&w.state, "school-x", p("2025-2026")).is_none());
    assert_eq!(
        rubric_for(&w.state, "member-100", p("2025-2026")).unwrap(),
        member_100()
    );
    publish(&mut w, 1, "2024-2025", "v1");
    publish(&mut w, 2, "2025-2026-2", "v2");
    publish(&mut w, 3, "2027-2028", "v3");
    let title = |period: &str| rubric_for(&w.state, "school-x", p(period)).map(|r| (r.title, r.version));
    assert_eq!(title("2025-2026"), Some(("v1".into(), 1)));
    assert_eq!(title("2025-2026-2"), Some(("v2".into(), 2)));
    assert_eq!(title("2026-2027"), Some(("v2".into(), 2)));
    assert_eq!(title("2028-2029"), Some(("v3".into(), 3)));
    assert_eq!(title("2023-2024"), None);
    // A school's own key-target-100 replaces the preset from its period on.
    let mut own = key_target_100();
    own.title = "本校版".into();
    w.emit(Event::RubricPublished {
        key: "key-target-100".into(),
        version: 2,
        effective_from: p("2026-2027"),
        definition: own.definition(),
    });
    assert_eq!(
        rubric_for(&w.state, "key-target-100", p("2025-2026")).unwrap().title,
        key_target_100().title
    );
    assert_eq!(
        rubric_for(&w.state, "key-target-100", p("2026-2027")).unwrap().title,
        "本校版"
    );
    let all = all_rubrics(&w.state);
    assert_eq!(all.len(), 4 + 4);
    assert_eq!(all[4].key, "key-target-100");
}

#[test]
fn a_weighted_total_of_evaluators_renormalises_over_those_present() {
    let def = serde_json::json!({
        "key": "three-evaluators", "title": "自评20% 群众30% 支部50%", "max": 10,
        "total": {"kind": "WEIGHTED", "parts": [
            {"source": "EVALUATOR", "evaluator": "SELF_ASSESSMENT", "weight": 0.2},
            {"source": "POLL_SCORE", "weight": 0.3},
            {"source": "EVALUATOR", "evaluator": "BRANCH", "weight": 0.5}]},
        "sections": [{"title": "s", "items": [{"key": "a", "title": "a", "max": 10, "rule": {"kind": "MANUAL"}}]}]
    });
    let rubric = validate(&def).unwrap();
    let mut w = World::new();
    let (college, _, _) = campus(&mut w);
    let x = w.person(&[college], Stage::Full);
    w.evaluation(
        x,
        "three-evaluators",
        "2025-2026",
        "a",
        EvaluatorRole::SelfAssessment,
        10.0,
    );
    w.evaluation(x, "three-evaluators", "2025-2026", "a", EvaluatorRole::Branch, 6.0);
    // No poll: (0.2 × 100 + 0.5 × 60) / 0.7 = 71.43.
    assert_eq!(w.assess(&rubric, x, "2025-2026").total, 71.43);
    w.democratic(x, "2025-2026", DemocraticGrade::Qualified, Some(80.0));
    // 0.2 × 100 + 0.3 × 80 + 0.5 × 60 = 74.
    assert_eq!(w.assess(&rubric, x, "2025-2026").total, 74.0);
}

// ---- properties ----------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Fact {
    Report(u16),
    Service(u16, u8),
    Conduct(u16, usize),
    Award(u16, usize, usize, u8, bool),
    Result(bool, u8, u8),
    Activity(u16, usize, u8),
    Democratic(usize, u8),
    Evaluation(usize, usize, u8),
    Stage(u16, usize),
    Contact(u16),
    Monthly(u8),
    Visit(u16, u8),
}

fn fact() -> impl Strategy<Value = Fact> {
    prop_oneof![
        (0u16..420).prop_map(Fact::Report),
        (0u16..420, 0u8..12).prop_map(|(a, b)| Fact::Service(a, b)),
        (0u16..420, 0..ConductKind::ALL.len()).prop_map(|(a, b)| Fact::Conduct(a, b)),
        (
            0u16..420,
            0..AwardLevel::ALL.len(),
            0..AwardCategory::ALL.len(),
            0u8..3,
            any::<bool>()
        )
            .prop_map(|(a, b, c, e, f)| Fact::Award(a, b, c, e, f)),
        (any::<bool>(), 0u8..41, 0u8..41).prop_map(|(a, b, c)| Fact::Result(a, b, c)),
        (0u16..420, 0..MemberActivityKind::ALL.len(), 0u8..4).prop_map(|(a, b, c)| Fact::Activity(a, b, c)),
        (0..DemocraticGrade::ALL.len(), 0u8..101).prop_map(|(a, b)| Fact::Democratic(a, b)),
        (0usize..9, 0..EvaluatorRole::ALL.len(), 0u8..30).prop_map(|(a, b, c)| Fact::Evaluation(a, b, c)),
        (0u16..420, 0..Stage::ALL.len()).prop_map(|(a, b)| Fact::Stage(a, b)),
        (0u16..420).prop_map(Fact::Contact),
        (0u8..14).prop_map(Fact::Monthly),
        (0u16..420, 0u8..7).prop_map(|(a, b)| Fact::Visit(a, b)),
    ]
}

/// A world of one activist/member `x` in a class, mentored by `m`; every fact gets the id
/// `1_000_000 + its index`, so the same facts without one give the same ids.
fn world_of(facts: &[Fact], skip: Option<usize>) -> (World, Uuid, Uuid) {
    let mut w = World::new();
    let (college, branch, class) = campus(&mut w);
    let x = w.person(&[college, branch, class], Stage::Activist);
    let m = w.person(&[college, branch], Stage::Full);
    w.role(x, Role::BranchCommittee, branch);
    let pairing = w.pairing(m, x, "2025-09-15", monthly_cadence());
    let day = |n: u16| d("2025-08-20") + chrono::Duration::days(i64::from(n));
    for (i, f) in facts.iter().enumerate() {
        if skip == Some(i) {
            continue;
        }
        let id = Uuid::from_u128(1_000_000 + i as u128);
        let event = match *f {
            Fact::Report(n) => Event::ThoughtReportSubmitted {
                person_id: x,
                submitted_on: day(n),
                title: "r".into(),
                word_count: None,
            },
            Fact::Service(n, h) => Event::VolunteerServiceLogged {
                person_id: x,
                served_on: day(n),
                hours: f64::from(h) / 2.0,
                activity: "s".into(),
            },
            Fact::Conduct(n, k) => Event::ConductRecorded {
                person_id: x,
                kind: ConductKind::ALL[k],
                occurred_on: day(n),
                note: None,
            },
            Fact::Award(n, l, c, s, to_class) => Event::AwardRecorded {
                recipient_id: if to_class {
                    class
                } else if s == 2 {
                    m
                } else {
                    x
                },
                name: format!("a{s}"),
                series: format!("s{s}"),
                level: AwardLevel::ALL[l],
                category: AwardCategory::ALL[c],
                awarded_on: day(n),
            },
            Fact::Result(second, gpa, rank) => Event::AcademicResultRecorded {
                person_id: if rank % 3 == 0 { m } else { x },
                term: if second { p("2025-2026-2") } else { p("2025-2026-1") },
                gpa: f64::from(gpa) / 10.0,
                class_rank: u32::from(rank),
                class_size: 40,
            },
            Fact::Activity(n, k, q) => Event::MemberActivityRecorded {
                person_id: x,
                kind: MemberActivityKind::ALL[k],
                occurred_on: day(n),
                quantity: if MemberActivityKind::ALL[k] == MemberActivityKind::StudyNotes {
                    f64::from(q) * 7_000.0
                } else {
                    f64::from(q)
                },
                note: None,
            },
            Fact::Democratic(g, s) => Event::DemocraticEvaluationRecorded {
                person_id: x,
                period: p("2025-2026"),
                grade: DemocraticGrade::ALL[g],
                poll_score: Some(f64::from(s)),
            },
            Fact::Evaluation(item, role, s) => Event::EvaluationRecorded {
                person_id: x,
                rubric: "key-target-100".into(),
                period: p("2025-2026"),
                item_key: key_target_100().items().nth(item).map(|(_, i)| i.key.clone()).unwrap(),
                evaluator: EvaluatorRole::ALL[role],
                score: f64::from(s).min(key_target_100().items().nth(item).unwrap().1.max),
                note: None,
            },
            Fact::Stage(n, s) => Event::StageChanged {
                person_id: x,
                stage: Stage::ALL[s],
                effective_on: day(n),
            },
            Fact::Contact(n) => Event::ContactRecorded {
                pairing_id: pairing,
                occurred_at: crate::time::start_of_day(day(n)),
                form: ContactForm::Online,
                place: None,
                content: None,
                effect: None,
                problems_solved: 0,
                duration_minutes: None,
            },
            Fact::Monthly(k) => Event::MonthlyRecordSubmitted {
                pairing_id: pairing,
                month: std::iter::successors(Some(Month::parse("2025-08").unwrap()), |m| Some(m.next()))
                    .nth(usize::from(k))
                    .unwrap(),
            },
            Fact::Visit(n, r) => Event::VisitFeedbackRecorded {
                pairing_id: pairing,
                visited_on: day(n),
                rating: r,
                note: None,
            },
        };
        w.emit_as(id, event);
    }
    (w, x, m)
}

/// A pairing has one monthly record per month (a second is refused upstream).
fn one_record_a_month(facts: Vec<Fact>) -> Vec<Fact> {
    let mut seen = std::collections::HashSet::new();
    facts
        .into_iter()
        .filter(|f| !matches!(f, Fact::Monthly(m) if !seen.insert(*m)))
        .collect()
}

fn fact_id(i: usize) -> Uuid {
    Uuid::from_u128(1_000_000 + i as u128)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn scores_stay_in_range_evidence_is_real_and_retraction_undoes(
        facts in proptest::collection::vec(fact(), 0..60).prop_map(one_record_a_month),
        pick in any::<prop::sample::Index>(),
    ) {
        let (w, x, m) = world_of(&facts, None);
        let ids: std::collections::HashSet<Uuid> = (0..facts.len()).map(fact_id).collect();
        for rubric in presets() {
            let subject = if rubric.key == "party-star" { m } else { x };
            let a = w.assess(rubric, subject, "2025-2026");
            prop_assert!(a.total.is_finite() && a.total >= 0.0 && a.total <= rubric.scale());
            for it in &a.items {
                prop_assert!(it.computed >= 0.0 && it.computed <= it.max, "{} {}", it.key, it.computed);
                prop_assert!(it.score >= 0.0 && it.score <= it.max, "{} {}", it.key, it.score);
                for e in &it.evidence {
                    // A fact of this world (stage changes count as facts here).
                    prop_assert!(ids.contains(e), "{} cites {}", it.key, e);
                    prop_assert!(!w.state.retracted.contains(e));
                }
            }
            // Retract one piece of evidence: the assessment is the one without that fact.
            let evidence: Vec<Uuid> = a.items.iter().flat_map(|i| i.evidence.iter().copied()).collect();
            if !evidence.is_empty() {
                let id = evidence[pick.index(evidence.len())];
                let index = (id.as_u128() - 1_000_000) as usize;
                if !matches!(facts[index], Fact::Stage(..)) {
                    let (mut retracted, ..) = world_of(&facts, None);
                    retracted.retract(id);
                    let (without, ..) = world_of(&facts, Some(index));
                    let after = retracted.assess(rubric, subject, "2025-2026");
                    let expected = without.assess(rubric, subject, "2025-2026");
                    prop_assert_eq!(&after.items, &expected.items);
                    prop_assert_eq!(after.total, expected.total);
                    prop_assert!(after.items.iter().all(|i| !i.evidence.contains(&id)));
                }
            }
        }
    }
}
