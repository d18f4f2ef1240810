//! Properties every preset keeps over random facts: scores in range, evidence that is real,
//! and a retraction that undoes exactly its fact.

use super::*;
use crate::Event;
use crate::testkit::*;
use crate::time::Month;
use proptest::prelude::*;

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
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let x = w.register(&[college, branch, class], Stage::Activist);
    let m = w.register(&[college, branch], Stage::Full);
    w.assign_role(x, Role::BranchCommittee, branch);
    let pairing = w.form_pairing(&[m], x, "2025-09-15", monthly(1));
    let on = |n: u16| day("2025-08-20") + chrono::Duration::days(i64::from(n));
    for (i, f) in facts.iter().enumerate() {
        if skip == Some(i) {
            continue;
        }
        let id = Uuid::from_u128(1_000_000 + i as u128);
        let event = match *f {
            Fact::Report(n) => Event::ThoughtReportSubmitted {
                person_id: x,
                submitted_on: on(n),
                title: "r".into(),
                word_count: None,
                handed_to: Default::default(),
            },
            Fact::Service(n, h) => Event::VolunteerServiceLogged {
                person_id: x,
                served_on: on(n),
                hours: f64::from(h) / 2.0,
                activity: "s".into(),
            },
            Fact::Conduct(n, k) => Event::ConductRecorded {
                person_id: x,
                kind: ConductKind::ALL[k],
                occurred_on: on(n),
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
                awarded_on: on(n),
            },
            Fact::Result(second, gpa, rank) => Event::AcademicResultRecorded {
                person_id: if rank % 3 == 0 { m } else { x },
                term: if second {
                    period("2025-2026-2")
                } else {
                    period("2025-2026-1")
                },
                gpa: f64::from(gpa) / 10.0,
                class_rank: u32::from(rank),
                class_size: 40,
            },
            Fact::Activity(n, k, q) => Event::MemberActivityRecorded {
                person_id: x,
                kind: MemberActivityKind::ALL[k],
                occurred_on: on(n),
                quantity: if MemberActivityKind::ALL[k] == MemberActivityKind::StudyNotes {
                    f64::from(q) * 7_000.0
                } else {
                    f64::from(q)
                },
                note: None,
            },
            Fact::Democratic(g, s) => Event::DemocraticEvaluationRecorded {
                person_id: x,
                period: period("2025-2026"),
                grade: DemocraticGrade::ALL[g],
                poll_score: Some(f64::from(s)),
            },
            Fact::Evaluation(item, role, s) => Event::EvaluationRecorded {
                person_id: x,
                rubric: "key-target-100".into(),
                period: period("2025-2026"),
                item_key: preset_of("key-target-100")
                    .items()
                    .nth(item)
                    .map(|(_, i)| i.key.clone())
                    .unwrap(),
                evaluator: EvaluatorRole::ALL[role],
                score: f64::from(s).min(preset_of("key-target-100").items().nth(item).unwrap().1.max),
                note: None,
            },
            Fact::Stage(n, s) => Event::StageChanged {
                person_id: x,
                stage: Stage::ALL[s],
                effective_on: on(n),
            },
            Fact::Contact(n) => Event::ContactRecorded {
                pairing_id: pairing,
                occurred_at: crate::time::start_of_day(on(n)),
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
                visited_on: on(n),
                rating: r,
                note: None,
            },
        };
        w.record_as(id, event);
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
            // Over the first kind of period the rubric takes (calendar years for seed 003's).
            let over = match rubric.periods()[0] {
                crate::PeriodKind::CalendarYear => "2026",
                crate::PeriodKind::AcademicYear => "2025-2026",
                crate::PeriodKind::Term => "2025-2026-2",
            };
            let a = w.assess(rubric, subject, over);
            prop_assert!(a.total.is_finite() && a.total >= 0.0 && a.total <= rubric.scale());
            for it in &a.items {
                prop_assert!(it.computed >= 0.0 && it.computed <= it.max, "{} {}", it.key, it.computed);
                prop_assert!(it.score >= 0.0 && it.score <= it.max, "{} {}", it.key, it.score);
                for e in &it.evidence {
                    // A fact of this world (stage changes count as facts here).
                    prop_assert!(ids.contains(e), "{} cites {}", it.key, e);
                    prop_assert!(!w.state().is_retracted(*e));
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
                    let after = retracted.assess(rubric, subject, over);
                    let expected = without.assess(rubric, subject, over);
                    prop_assert_eq!(&after.items, &expected.items);
                    prop_assert_eq!(after.total, expected.total);
                    prop_assert!(after.items.iter().all(|i| !i.evidence.contains(&id)));
                }
            }
        }
    }
}
