//! key-target-100: seed 000, form 2 (入党重点培养对象量化考核表).

use super::*;
use crate::testkit::*;

/// The fixture `key-target-100-basic.json`: 李娜 and her classmate 王强.
fn fixture() -> (World, Uuid, Uuid) {
    use AwardCategory::*;
    use AwardLevel::*;
    use ConductKind::*;
    let mut w = World::new();
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let mentor = w.register(&[college, branch], Stage::Full);
    let li = w.register(&[college, branch, class], Stage::Activist);
    let wang = w.register(&[college, class], Stage::NonParty);
    w.form_pairing(&[mentor], li, "2025-09-01", monthly(1));
    w.evaluation(
        li,
        "key-target-100",
        "2025-2026",
        "political_stance",
        EvaluatorRole::Branch,
        5.0,
    );
    for on in ["2025-10-08", "2025-12-10", "2026-03-15", "2026-06-01"] {
        w.thought_report(li, on);
    }
    w.academic_result(li, "2025-2026-1", 3.05, 12, 45);
    w.academic_result(li, "2025-2026-2", 3.2, 7, 45);
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
        w.volunteer(li, on, h);
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
    let a = w.assess(&preset_of("key-target-100"), li, "2025-2026");
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
    let a = w.assess(&preset_of("key-target-100"), wang, "2025-2026");
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
    let Campus {
        college, branch, class, ..
    } = w.campus();
    let x = w.register(&[college, branch, class], Stage::Activist);
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
        w.thought_report(x, on);
    }
    // The later term counts: 2025-2026-2 GPA 2.5 (以上 includes 2.5) → 5, rank 3 (前5名) → +10 = 15.
    w.academic_result(x, "2025-2026-2", 2.5, 3, 30);
    w.academic_result(x, "2025-2026-1", 1.9, 25, 30);
    for on in ["2025-09-06", "2025-09-13", "2025-10-06", "2025-11-06", "2025-12-06"] {
        w.volunteer(x, on, 4.0);
    }
    for on in ["2026-03-06", "2026-03-13", "2026-04-06", "2026-05-06", "2026-06-06"] {
        w.volunteer(x, on, 4.0);
    }
    w.award(x, "挑战杯", National, Individual, "2026-05-01");
    w.award(x, "挑战杯校赛", School, Individual, "2026-03-01");
    let a = w.assess(&preset_of("key-target-100"), x, "2025-2026");
    // 政治立场 5 (the branch's latest score) + 5 + 10 (5 篇) + 15 + 30 (each term: 5 次, 20 h)
    // + 10 + 10 + 5 + 获奖 min(10 + 3, 10) = 100 → COMMENDED.
    assert_eq!(a.total, 100.0);
    assert_eq!(a.band, Band::Commended);
    assert_eq!(item(&a, "political_stance").evaluations.len(), 3);
    assert_eq!(item(&a, "academics").score, 15.0);
}

#[test]
fn academics_take_the_first_matching_rank_tier_of_the_latest_term() {
    let rubric = preset_of("key-target-100");
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
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
        let x = w.register(&[college, class], Stage::Activist);
        w.academic_result(x, "2024-2025-2", 4.0, 1, 30); // outside the period
        w.academic_result(x, "2025-2026-1", gpa, rank, 30);
        let a = w.assess(&rubric, x, "2025-2026");
        assert_eq!(item(&a, "academics").computed, expected, "gpa {gpa} rank {rank}");
    }
    let none = w.register(&[college, class], Stage::Activist);
    assert_eq!(item(&w.assess(&rubric, none, "2025-2026"), "academics").computed, 0.0);
}

#[test]
fn volunteer_service_needs_both_thresholds_in_every_term() {
    let rubric = preset_of("key-target-100");
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    let x = w.register(&[college, class], Stage::Activist);
    // Term 1: 5 sessions, 20 h. Term 2: 6 sessions but 19.5 h.
    for on in ["2025-09-06", "2025-10-06", "2025-11-06", "2025-12-06", "2026-02-06"] {
        w.volunteer(x, on, 4.0);
    }
    for (on, h) in [
        ("2026-03-06", 4.0),
        ("2026-04-06", 4.0),
        ("2026-05-06", 4.0),
        ("2026-06-06", 4.0),
        ("2026-07-06", 3.0),
        ("2026-08-31", 0.5),
    ] {
        w.volunteer(x, on, h);
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
    let y = w.register(&[college, class], Stage::Activist);
    for on in ["2025-09-06", "2025-10-06", "2025-11-06", "2025-12-06"] {
        w.volunteer(y, on, 5.0);
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
    let rubric = preset_of("key-target-100");
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    let x = w.register(&[college, class], Stage::Activist);
    // English A and B: one exam, 2 once. Computer level 1 and 2 with their own names: one
    // exam, the higher 2. A municipal prize: the form names no municipal level (国家级 10,
    // 省级 5, 校级 3, 院级 2), so 0 under the preset (a school values it by publishing its
    // own rubric). The college's own honour does not count for its students; an award of
    // the previous year neither.
    w.award(x, "英语A级", School, EnglishAb, "2025-10-01");
    w.award(x, "英语B级", School, EnglishAb, "2025-12-01");
    w.award(x, "计算机一级", School, ComputerLevel1, "2025-10-01");
    w.award(x, "计算机二级", School, ComputerLevel2, "2026-04-01");
    w.award(x, "市三好学生", Municipal, Individual, "2026-05-01");
    w.award(x, "旧奖", National, Individual, "2025-08-31");
    w.award(college, "省级先进学院", Provincial, Collective, "2026-01-01");
    let a = w.assess(&rubric, x, "2025-2026");
    // 2 + 2 = 4.
    assert_eq!(item(&a, "awards").computed, 4.0);
    assert_eq!(item(&a, "awards").evidence.len(), 2);
    // The class's provincial honour adds 5: 9.
    w.award(class, "先进班集体", Provincial, Collective, "2026-06-01");
    assert_eq!(item(&w.assess(&rubric, x, "2025-2026"), "awards").computed, 9.0);
    // A school prize adds 3: 12, capped at 10 (「所有奖励累积不得超过10分」).
    w.award(x, "校三好学生", School, Individual, "2026-06-10");
    assert_eq!(item(&w.assess(&rubric, x, "2025-2026"), "awards").computed, 10.0);
}

#[test]
fn violations_deductions_and_the_branch_score() {
    use ConductKind::*;
    let rubric = preset_of("key-target-100");
    let mut w = World::new();
    let Campus { college, class, .. } = w.campus();
    let x = w.register(&[college, class], Stage::Activist);
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
