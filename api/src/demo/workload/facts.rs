//! The facts of each stream: a pairing's contacts, visits, monthly records and opinions; a
//! person's reports, service, awards, results, conduct, activities and evaluations.

use super::*;

impl Workload {
    pub(super) fn pairing_facts(&self, j: usize, pairing_id: Uuid, count: usize) -> Batch {
        let mut rng = Rng::new(0xC0FFEE ^ j as u64);
        let starts = pairing_start(j);
        let ends = if j % 20 == 19 {
            NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date")
        } else {
            last_day()
        };
        let mut events = Vec::with_capacity(count + 1);
        // One monthly record per month, most with the branch's opinion; visit feedback
        // each term; the rest contacts.
        let mut month = Month::of(starts);
        let mut admin = Vec::new();
        while month.last_day() <= ends && admin.len() + 2 < count / 5 {
            admin.push(Event::MonthlyRecordSubmitted { pairing_id, month });
            if rng.chance(0.85) {
                admin.push(Event::BranchOpinionGiven {
                    pairing_id,
                    month,
                    opinion: "同意。帮扶工作扎实，记录完整。".into(),
                });
            }
            if rng.chance(0.15) {
                admin.push(Event::VisitFeedbackRecorded {
                    pairing_id,
                    visited_on: rng.day_between(month.first_day(), month.last_day()),
                    rating: 2 + rng.below(4) as u8,
                    note: Some("被帮助人反映帮助人认真负责".into()),
                });
            }
            month = month.next();
        }
        let contacts = count.saturating_sub(admin.len());
        let span_minutes = ((ends - starts).num_days().max(1) * 24 * 60) as u64;
        let mut times: Vec<u64> = (0..contacts).map(|_| rng.below(span_minutes)).collect();
        times.sort_unstable();
        let t0 = start_of_day(starts);
        let forms = ContactForm::ALL;
        let mut admin = admin.into_iter().peekable();
        for m in times {
            let occurred_at = t0 + TimeDelta::minutes(m as i64);
            // Interleave the month's paperwork after its contacts, roughly as recorded.
            while let Some(Event::MonthlyRecordSubmitted { month, .. } | Event::BranchOpinionGiven { month, .. }) =
                admin.peek()
            {
                if start_of_day(month.next().first_day()) > occurred_at {
                    break;
                }
                events.push(admin.next().expect("peeked"));
            }
            if let Some(Event::VisitFeedbackRecorded { .. }) = admin.peek() {
                events.push(admin.next().expect("peeked"));
            }
            let form = rng.pick(forms);
            events.push(Event::ContactRecorded {
                pairing_id,
                occurred_at,
                form,
                place: (form != ContactForm::Online && form != ContactForm::Phone).then(|| "学生公寓3号楼".into()),
                content: Some(rng.pick(CONTENTS).into()),
                effect: rng.chance(0.5).then(|| "效果良好".into()),
                problems_solved: rng.below(3) as u32,
                duration_minutes: Some(20 + rng.below(60) as u32),
            });
        }
        events.extend(admin);
        if j % 20 == 19 {
            events.push(Event::PairingEnded {
                pairing_id,
                ends_on: ends,
                reason: "被帮助人毕业".into(),
            });
        }
        Batch {
            stream: pairing_id,
            events,
            retract: vec![],
        }
    }

    pub(super) fn person_facts(&self, i: usize, person_id: Uuid, count: usize) -> Batch {
        let mut rng = Rng::new(0xFAC7 ^ (i as u64) << 20);
        let mut events = Vec::with_capacity(count);
        let mentee = (self.spec.pairings..2 * self.spec.pairings).contains(&i);
        let years = [Period::Year { start: 2024 }, Period::Year { start: 2025 }];
        let terms = [
            Period::Term { start: 2024, term: 1 },
            Period::Term { start: 2024, term: 2 },
            Period::Term { start: 2025, term: 1 },
            Period::Term { start: 2025, term: 2 },
            Period::Term { start: 2026, term: 1 },
        ];
        // Once a term and once a year.
        for (k, term) in terms.into_iter().enumerate() {
            if events.len() < count {
                let size = 40;
                events.push(Event::AcademicResultRecorded {
                    person_id,
                    term,
                    gpa: 2.0 + rng.below(300) as f64 / 100.0,
                    class_rank: 1 + ((i + k * 7) % size) as u32,
                    class_size: size as u32,
                });
            }
        }
        for year in years {
            if events.len() < count {
                events.push(Event::DemocraticEvaluationRecorded {
                    person_id,
                    period: year,
                    grade: [
                        DemocraticGrade::Excellent,
                        DemocraticGrade::Qualified,
                        DemocraticGrade::Qualified,
                        DemocraticGrade::BasicallyQualified,
                    ][rng.below(4) as usize],
                    poll_score: Some(70.0 + rng.below(30) as f64),
                });
            }
        }
        if mentee && i.is_multiple_of(10) && events.len() + 1 < count {
            let period = years[1];
            events.push(Event::Nominated {
                ranking: RankingKind::MostImproved,
                person_id,
                period,
                reason: "本学年成绩与表现进步明显".into(),
            });
            if i.is_multiple_of(30) {
                events.push(Event::NominationApproved {
                    ranking: RankingKind::MostImproved,
                    person_id,
                    period,
                });
            }
        }
        let item_keys = [
            "political_stance",
            "theory_study",
            "thought_reports",
            "academics",
            "awards",
        ];
        let evaluators = EvaluatorRole::ALL;
        let kinds = [
            MemberActivityKind::StudyNotes,
            MemberActivityKind::TheoryArticle,
            MemberActivityKind::TrainingWithReflection,
            MemberActivityKind::StudySessionMissed,
            MemberActivityKind::DeedForMasses,
            MemberActivityKind::SuggestionMade,
            MemberActivityKind::OrgLifeMissedWithLeave,
        ];
        while events.len() < count {
            let on = rng.day_between(first_day(), last_day());
            let roll = rng.below(100);
            events.push(match roll {
                0..10 => Event::ThoughtReportSubmitted {
                    person_id,
                    submitted_on: on,
                    title: format!("{}思想汇报", on.format("%Y年%m月")),
                    word_count: Some(1_500 + rng.below(2_000) as u32),
                    handed_to: Default::default(),
                },
                10..35 => Event::VolunteerServiceLogged {
                    person_id,
                    served_on: on,
                    hours: 0.5 * (1 + rng.below(8)) as f64,
                    activity: rng.pick(ACTIVITIES).into(),
                },
                35..40 => Event::AwardRecorded {
                    recipient_id: person_id,
                    name: format!("{}（{}）", rng.pick(SERIES), on.format("%Y")),
                    series: rng.pick(SERIES).into(),
                    level: rng.pick(AwardLevel::ALL),
                    category: rng.pick(&[
                        AwardCategory::Individual,
                        AwardCategory::Individual,
                        AwardCategory::EnglishAb,
                        AwardCategory::ComputerLevel1,
                    ]),
                    awarded_on: on,
                },
                40..55 => Event::ConductRecorded {
                    person_id,
                    kind: rng.pick(&[
                        ConductKind::Late,
                        ConductKind::Late,
                        ConductKind::Absence,
                        ConductKind::EarlyLeave,
                        ConductKind::DormInspectionFailed,
                        ConductKind::ClassActivityMissed,
                        ConductKind::StudySessionMissed,
                    ]),
                    occurred_on: on,
                    note: rng.chance(0.3).then(|| "辅导员登记".into()),
                },
                55..95 => Event::MemberActivityRecorded {
                    person_id,
                    kind: rng.pick(&kinds),
                    occurred_on: on,
                    quantity: 1.0 + rng.below(5) as f64,
                    note: None,
                },
                _ => Event::EvaluationRecorded {
                    person_id,
                    rubric: "key-target-100".into(),
                    period: Period::year_of(on),
                    item_key: rng.pick(&item_keys).into(),
                    evaluator: rng.pick(evaluators),
                    score: rng.below(6) as f64,
                    note: None,
                },
            });
        }
        Batch {
            stream: person_id,
            events,
            retract: vec![],
        }
    }
}
