//! Calendar-year periods (`2026`): seed 003's 「年內」, 「當年」 and 「全年」, and which kinds
//! of period a rubric is assessed over (`periods`).

use super::*;
use crate::DomainError;
use crate::decide as d;
use crate::testkit::*;
use crate::time::PeriodKind;

#[test]
fn member_100_over_a_calendar_year_counts_january_to_december() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = preset_of("member-100");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    // Given a member whose year's work falls in the calendar year 2026, partly in the
    // autumn that begins the academic year 2026-2027.
    let m = w.register(&[college, branch], Stage::Full);
    w.activity(m, A::StudyNotes, 20_000.0, "2026-03-01");
    w.activity(m, A::TheoryArticle, 2.0, "2026-10-01");
    let deed = w.activity(m, A::DeedForUnit, 1.0, "2026-11-10");
    w.democratic(m, "2026", Qualified, Some(90.0));

    // When assessed over 2026 (1 Jan – 31 Dec):
    let a = w.assess(&rubric, m, "2026");
    // (1) 学习 20: ② 2万字 0 ③ 2 篇 0 → 20.
    // (2) 组织生活 20.
    // (3) 岗位 40: ② 「在年內為單位辦一件實事的加5分」 +5 → 45 → 标准分 40 (第七条).
    // (4) 民主评议 20: 合格, no adjustment → 20.
    // 量化 100; 第八条: 0.8 × 100 + 0.2 × 90 = 80 + 18 = 98 → COMMENDED (90分以上).
    assert_eq!(
        scores(&a),
        vec![
            ("study", 20.0),
            ("org_life", 20.0),
            ("duties", 40.0),
            ("democratic", 20.0)
        ]
    );
    assert!(item(&a, "duties").evidence.contains(&deed));
    assert_eq!((a.total, a.band), (98.0, Band::Commended));

    // When assessed over the academic year 2025-2026 (1 Sep 2025 – 31 Aug 2026) instead:
    let a = w.assess(&rubric, m, "2025-2026");
    // (1) 学习: ③ no article by 31 Aug: 2 short × −2 = −4 → 16.
    // (3) 岗位: ② 「在年內辦不成一件好事、實事的扣10分」 → 30.
    // (4) 民主评议 20: the evaluation is the calendar year's, not this year's: none applies,
    // so no adjustment and no poll score (the part drops out).
    // 16 + 20 + 30 + 20 = 86 → QUALIFIED.
    assert_eq!(
        scores(&a),
        vec![
            ("study", 16.0),
            ("org_life", 20.0),
            ("duties", 30.0),
            ("democratic", 20.0)
        ]
    );
    assert_eq!((a.total, a.band), (86.0, Band::Qualified));
}

#[test]
fn leader_100_takes_calendar_and_academic_years_but_not_terms() {
    let rubric = preset_of("leader-100");
    assert_eq!(rubric.periods(), [PeriodKind::CalendarYear, PeriodKind::AcademicYear]);
    assert!(rubric.takes(period("2026")).is_ok());
    assert!(rubric.takes(period("2025-2026")).is_ok());
    let refused = rubric.takes(period("2025-2026-1")).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "leader-100 is not assessed over terms (like 2025-2026-1): it takes calendar years (like 2026), academic years (like 2025-2026)"
    );
}

#[test]
fn a_rubric_naming_no_periods_takes_academic_years_and_terms() {
    let rubric = preset_of("key-target-100");
    assert_eq!(rubric.periods, None);
    assert_eq!(rubric.periods(), [PeriodKind::AcademicYear, PeriodKind::Term]);
    let refused = rubric.takes(period("2026")).unwrap_err();
    assert_eq!(refused.asked, PeriodKind::CalendarYear);
    assert!(
        refused
            .to_string()
            .contains("it takes academic years (like 2025-2026), terms")
    );
}

/// key-target-100's volunteer item, published as a school's calendar-year rubric.
fn calendar_key_target() -> Rubric {
    let mut rubric = preset_of("key-target-100");
    rubric.periods = Some(vec![PeriodKind::CalendarYear]);
    rubric
}

#[test]
fn per_term_threshold_over_a_calendar_year_reads_the_three_terms_it_overlaps_clipped() {
    let rubric = calendar_key_target();
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    // Given a target with 5 sessions of 4 h in each part of 2026: January–February (2025-2026-1
    // from 1 January), March–August (2025-2026-2), September–December (2026-2027-1 to 31 Dec).
    let every = w.register_key_target("全年", &[college, class]);
    let no_winter = w.register_key_target("缺寒假", &[college, class]);
    for (from, days) in [("2026-01-", 10..15), ("2026-03-", 10..15), ("2026-09-", 10..15)] {
        for d in days {
            let on = format!("{from}{d}");
            w.volunteer(every, &on, 4.0);
            if !from.starts_with("2026-01") {
                w.volunteer(no_winter, &on, 4.0);
            }
        }
    }
    // And 5 sessions of 4 h on 31 December 2025, which is not in 2026.
    for _ in 0..5 {
        w.volunteer(no_winter, "2025-12-31", 4.0);
    }
    // 「每學期累計服務20小時,次數5次以上30分」: each of the three clipped terms has 5 × 4 = 20 h
    // and 5 sessions → 30.
    let a = w.assess(&rubric, every, "2026");
    assert_eq!(item(&a, "volunteer_service").score, 30.0);
    assert_eq!(item(&a, "volunteer_service").evidence.len(), 15);
    // January–February of 2026 has nothing (31 Dec 2025 is the year before) → 0.
    let a = w.assess(&rubric, no_winter, "2026");
    assert_eq!(item(&a, "volunteer_service").score, 0.0);
}

#[test]
fn academic_results_count_for_the_calendar_year_their_term_ends_in() {
    let rubric = calendar_key_target();
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    let t = w.register_key_target("成绩", &[college, class]);
    // 2025-2026-2 ends on 31 August 2026: the latest result held by 2026.
    w.academic_result(t, "2025-2026-1", 2.0, 30, 40);
    w.academic_result(t, "2025-2026-2", 3.0, 4, 40);
    // 2026-2027-1 ends in February 2027: it is 2027's (and not yet known at the end of 2026).
    w.academic_result(t, "2026-2027-1", 1.0, 40, 40);
    // 「績點2.5以上5分; 居班級前5名加10分」: 3.0 ≥ 2.5 → 5, rank 4 → +10 = 15.
    assert_eq!(item(&w.assess(&rubric, t, "2026"), "academics").score, 15.0);
    // Over 2027 the latest is 2026-2027-1: GPA 1.0, rank 40 → 0.
    assert_eq!(item(&w.assess(&rubric, t, "2027"), "academics").score, 0.0);
}

#[test]
fn an_evaluation_for_a_kind_of_period_the_rubric_does_not_take_is_refused() {
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    let t = w.register_key_target("评", &[college, class]);
    let cmd = |p: &str| d::RecordEvaluation {
        person_id: t,
        rubric: "key-target-100".into(),
        period: p.into(),
        item_key: "political_stance".into(),
        evaluator: EvaluatorRole::Branch,
        score: 5.0,
        note: None,
    };
    let message = w
        .when(|s, _| d::record_evaluation(s, cmd("2026")))
        .then_refuses("period");
    assert!(
        message.contains("key-target-100 is not assessed over calendar years"),
        "{message}"
    );
    w.when(|s, _| d::record_evaluation(s, cmd("2025-2026"))).then_decided();
}

#[test]
fn rankings_and_nominations_refuse_a_calendar_year_their_rubric_does_not_take() {
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let mentor = w.register(&[college, branch], Stage::Full);
    let mentee = w.register(&[college, class], Stage::Activist);
    w.form_pairing(&[mentor], mentee, "2025-09-01", monthly(1));
    // party-star and key-target-100 name no periods: academic years and terms.
    let refused = crate::ranking::rank_party_stars(w.state(), college, period("2026")).unwrap_err();
    assert!(
        matches!(refused, DomainError::BadInput { field: "period", .. }),
        "{refused:?}"
    );
    let refused = crate::ranking::rank_most_improved(w.state(), college, period("2026")).unwrap_err();
    assert!(
        matches!(refused, DomainError::BadInput { field: "period", .. }),
        "{refused:?}"
    );
    let nominate = |p: &str| d::Nominate {
        ranking: RankingKind::MostImproved,
        person_id: mentee,
        period: p.into(),
        reason: "进步明显".into(),
    };
    w.when(|s, _| d::nominate(s, nominate("2026"))).then_refuses("period");
    w.when(|s, _| d::nominate(s, nominate("2025-2026"))).then_decided();
}

#[test]
fn validate_refuses_an_empty_or_repeated_list_of_periods() {
    let mut v = preset_of("member-100").definition();
    v["periods"] = serde_json::json!([]);
    assert!(matches!(validate(&v), Err(RubricError::BadPeriods(_))));
    v["periods"] = serde_json::json!(["TERM", "TERM"]);
    assert!(matches!(validate(&v), Err(RubricError::BadPeriods(_))));
    v["periods"] = serde_json::json!(["SEMESTER"]);
    assert!(matches!(validate(&v), Err(RubricError::Malformed(_))));
    v["periods"] = serde_json::json!(["TERM", "CALENDAR_YEAR"]);
    assert_eq!(
        validate(&v).unwrap().periods(),
        [PeriodKind::Term, PeriodKind::CalendarYear]
    );
}
