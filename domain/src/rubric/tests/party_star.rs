//! party-star: the mentor score behind 党员之星, from seed 001.

use super::*;
use crate::testkit::*;

#[test]
fn party_star_hand_computed() {
    use AwardCategory::*;
    use AwardLevel::*;
    let rubric = preset_of("party-star");
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    w.set_vacations(&[
        vacation("2026-01-20", "2026-02-28"),
        vacation("2026-07-01", "2026-08-31"),
    ]);

    // Mentor 1, one monthly pairing over the year.
    let m1 = w.register(&[college, branch, class], Stage::Full);
    let e1 = w.register(&[college, class], Stage::Activist);
    let p1 = w.form_pairing(&[m1], e1, "2025-09-01", monthly(1));
    for on in [
        "2025-09-05",
        "2025-10-05",
        "2025-11-05",
        "2025-12-05",
        "2026-03-05",
        "2026-04-05",
        "2026-04-06",
    ] {
        w.contact_on(p1, on);
    }
    for m in ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-03"] {
        w.monthly_record(p1, m);
    }
    w.visit(p1, "2025-12-01", 5);
    w.visit(p1, "2026-05-01", 4);
    w.award(e1, "数学建模", Provincial, Individual, "2026-05-01");
    w.award(e1, "数学建模", School, Individual, "2025-11-01");
    w.award(e1, "英语A级", School, EnglishAb, "2025-12-01");
    w.award(class, "先进班集体", School, Collective, "2026-01-01");
    w.conduct(e1, ConductKind::Late, "2025-10-10");
    w.change_stage(e1, Stage::DevelopmentTarget, "2026-03-10");
    w.academic_result(m1, "2025-2026-2", 3.6, 4, 40);
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
    let m2 = w.register(&[college, branch], Stage::Full);
    w.academic_result(m2, "2025-2026-1", 2.1, 30, 40);
    let a = w.assess(&rubric, m2, "2025-2026");
    assert_eq!(a.total, 1.0);
    assert_eq!(a.band, Band::Unqualified);
}

#[test]
fn party_star_fortnightly_and_late_pairings_over_a_term() {
    let rubric = preset_of("party-star");
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let m = w.register(&[college, branch], Stage::Full);
    let e2 = w.register(&[college, class], Stage::Activist);
    let e3 = w.register(&[college, class], Stage::Applicant);
    // Seed 001 八(四): 每两周至少交流一次.
    let p2 = w.form_pairing(&[m], e2, "2025-09-01", fortnightly());
    let p3 = w.form_pairing(&[m], e3, "2025-10-15", monthly(1));
    for on in [
        "2025-09-02",
        "2025-09-20",
        "2025-09-29",
        "2025-10-20",
        "2025-11-01",
        "2025-11-20",
    ] {
        w.contact_on(p2, on);
    }
    w.contact_on(p3, "2025-10-20"); // October is not a whole month of p3
    w.contact_on(p3, "2025-11-20");
    w.contact_on(p3, "2025-12-20");
    w.monthly_record(p2, "2025-09");
    w.monthly_record(p2, "2025-10");
    w.monthly_record(p3, "2025-11");
    w.change_stage(e2, Stage::DevelopmentTarget, "2025-10-01");
    w.change_stage(e2, Stage::Probationary, "2025-12-01");
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
    let rubric = preset_of("party-star");
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let m = w.register(&[college, branch], Stage::Full);
    let e = w.register(&[college, class], Stage::Activist);
    // Monday 1 December to Sunday 28 December 2025: four calendar weeks.
    let pairing = w.form_pairing(&[m], e, "2025-12-01", weekly(1));
    w.end_pairing(pairing, "2025-12-28");
    w.contact(pairing, "2025-12-07T23:59:59+08:00"); // week 1, its last second
    w.contact(pairing, "2025-12-08T00:00:00+08:00"); // week 2, its first second
    w.contact(pairing, "2025-12-21T16:00:00Z"); // 22 Dec 00:00 in Shanghai: week 4
    w.contact(pairing, "2025-11-30T23:59:59+08:00"); // before the pairing: no week
    let a = w.assess(&rubric, m, "2025-2026-1");
    // Weeks 1, 2 and 4 met, week 3 (15–21 Dec) not: 25 × 3/4 = 18.75.
    assert_eq!(item(&a, "contact_compliance").score, 18.75);
    assert_eq!(item(&a, "contact_compliance").evidence.len(), 3);
}

#[test]
fn party_star_exempts_a_month_two_touching_vacations_cover_as_the_alerts_do() {
    let rubric = preset_of("party-star");
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    // July is out of school, in two halves that touch.
    w.set_vacations(&[
        vacation("2026-07-01", "2026-07-15"),
        vacation("2026-07-16", "2026-07-31"),
    ]);
    let m = w.register(&[college, branch], Stage::Full);
    let e = w.register(&[college, class], Stage::Activist);
    let p = w.form_pairing(&[m], e, "2026-06-01", monthly(1));
    w.end_pairing(p, "2026-07-31");
    w.contact_on(p, "2026-06-10");
    w.monthly_record(p, "2026-06");
    let a = w.assess(&rubric, m, "2025-2026");
    // June met and recorded, July owes nothing: 25 × 1/1 and 15 × 1/1.
    assert_eq!(item(&a, "contact_compliance").score, 25.0);
    assert_eq!(item(&a, "monthly_records").score, 15.0);
    // The alerts' clock agrees: no monthly record is missing at the end of July.
    let vacations = crate::cadence::Vacations::new(w.state().vacations());
    let pairing = w.state().pairing(p).unwrap();
    let missing = crate::alert::monthly_records_missing(pairing, &vacations, at("2026-07-31T12:00:00+08:00"));
    assert!(missing.is_empty());
}

/// A school's party-star with one item on the mentees' rise (seed 001 九(三)
/// 「帮扶对象的进步幅度」), and the key-target-100 the rise is measured under.
fn rise_rubric() -> Rubric {
    let json = serde_json::json!({
        "key": "party-star", "title": "党员之星（含进步幅度）", "max": 10, "population": "MENTORS",
        "sections": [{ "title": "帮扶成效", "items": [{
            "key": "mentee_rise", "title": "进步幅度", "max": 10, "subject": "MENTEES",
            "rule": { "kind": "TIERS", "parts": [{ "measure": { "fact": "RISE" }, "tiers": [
                { "atLeast": 10, "points": 10 }, { "atLeast": 5, "points": 6 }, { "atLeast": 0.01, "points": 3 }
            ] }] }
        }] }]
    });
    crate::rubric::validate(&json).expect("a valid rubric")
}

#[test]
fn the_mentees_rise_is_the_mean_of_their_key_target_rises() {
    let rubric = rise_rubric();
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let m = w.register(&[college, branch], Stage::Full);
    let (e1, e2) = (
        w.register(&[college, class], Stage::Activist),
        w.register(&[college, class], Stage::Activist),
    );
    w.form_pairing(&[m], e1, "2024-09-01", monthly(1));
    w.form_pairing(&[m], e2, "2024-09-01", monthly(1));
    // key-target-100 with no facts: theory 5 + attendance 10 + dorm 10 + participation 5 = 30
    // in both years. e1 hands in 4 thought reports in 2025-2026 (+10): 40 − 30 = rise 10;
    // e2 nothing: rise 0. The mentor's RISE is the mean, (10 + 0) / 2 = 5: the tier
    // "at least 5" → 6 points.
    for on in ["2025-10-01", "2025-12-01", "2026-03-01", "2026-05-01"] {
        w.thought_report(e1, on);
    }
    let a = w.assess(&rubric, m, "2025-2026");
    assert_eq!(scores(&a), vec![("mentee_rise", 6.0)]);
    // e2 also hands in 4 (rise 10 each, mean 10): the top tier, 10 points.
    for on in ["2025-10-02", "2025-12-02", "2026-03-02", "2026-05-02"] {
        w.thought_report(e2, on);
    }
    assert_eq!(scores(&w.assess(&rubric, m, "2025-2026")), vec![("mentee_rise", 10.0)]);
    // A key-target-100 that itself reads a rise measures nothing: no tier, 0.
    let mut recursive = preset_of("key-target-100");
    recursive.sections[0].items[0].rule = rubric.sections[0].items[0].rule.clone();
    w.record(crate::Event::RubricPublished {
        key: "key-target-100".into(),
        version: 2,
        effective_from: period("2024-2025"),
        definition: recursive.definition(),
    });
    assert_eq!(scores(&w.assess(&rubric, m, "2025-2026")), vec![("mentee_rise", 0.0)]);
}
