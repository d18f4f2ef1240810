//! member-100: seed 003, 第六条 2 (普通党员量化考核).

use super::*;
use crate::testkit::*;

#[test]
fn member_100_hand_computed() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = preset_of("member-100");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();

    // M1.
    let m1 = w.register(&[college, branch], Stage::Full);
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
    let m2 = w.register(&[college, branch], Stage::Full);
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
    let m3 = w.register(&[college, branch], Stage::Full);
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
    let m4 = w.register(&[college, branch], Stage::Full);
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
    let rubric = preset_of("member-100");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    let x = w.register(&[college, branch], Stage::Full);
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

#[test]
fn member_100_bands_include_exactly_90_and_exactly_60() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = preset_of("member-100");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();

    // M6, a clean record (M2's) with a poll of 50: 20 + 20 + min(40 + 5, 40) + 20 = 100;
    // 0.8 × 100 + 0.2 × 50 = 80 + 10 = 90 → COMMENDED: 「90分以上」 includes 90.
    let m6 = w.register(&[college, branch], Stage::Full);
    w.activity(m6, A::StudyNotes, 20_000.0, "2025-10-01");
    w.activity(m6, A::TheoryArticle, 2.0, "2025-12-01");
    w.activity(m6, A::DeedForUnit, 1.0, "2026-03-05");
    w.democratic(m6, "2025-2026", Qualified, Some(50.0));
    let a = w.assess(&rubric, m6, "2025-2026");
    assert_eq!(a.total, 90.0);
    assert_eq!(a.band, Band::Commended);

    // M5: (1) 学习 20 (2万字, 2 篇); (2) 组织生活 6 × 无故 −3 = −18 → 2;
    // (3) 岗位 40 + 3 (群众实事) − 5 (完不成任务) − 5 (反之) = 33; (4) 民主评议 合格 → 20.
    // 量化 20 + 2 + 33 + 20 = 75; poll 0: 0.8 × 75 + 0.2 × 0 = 60 → UNQUALIFIED: 「60分以下」
    // includes 60.
    let m5 = w.register(&[college, branch], Stage::Full);
    w.activity(m5, A::StudyNotes, 20_000.0, "2025-10-01");
    w.activity(m5, A::TheoryArticle, 2.0, "2025-12-01");
    for day in 1..=6 {
        w.activity(m5, A::OrgLifeMissedWithoutLeave, 1.0, &format!("2025-11-0{day}"));
    }
    w.activity(m5, A::DeedForMasses, 1.0, "2026-03-05");
    w.activity(m5, A::TaskNotCompleted, 1.0, "2026-04-05");
    w.activity(m5, A::PoorExample, 1.0, "2026-05-05");
    w.democratic(m5, "2025-2026", Qualified, Some(0.0));
    let a = w.assess(&rubric, m5, "2025-2026");
    assert_eq!(
        scores(&a),
        vec![
            ("study", 20.0),
            ("org_life", 2.0),
            ("duties", 33.0),
            ("democratic", 20.0)
        ]
    );
    assert_eq!(a.total, 60.0);
    assert_eq!(a.band, Band::Unqualified);

    // M7: a total is rounded to the two decimals it is shown with, then banded. 组织生活
    // 2 × 无故 −3 and 2 × 请假 −2 → 20 − 10 = 10; 量化 20 + 10 + 40 + 20 = 90; poll 89.98:
    // 0.8 × 90 + 0.2 × 89.98 = 72 + 17.996 = 89.996 → shown 90.00 → COMMENDED.
    let m7 = w.register(&[college, branch], Stage::Full);
    w.activity(m7, A::StudyNotes, 20_000.0, "2025-10-01");
    w.activity(m7, A::TheoryArticle, 2.0, "2025-12-01");
    w.activity(m7, A::DeedForUnit, 1.0, "2026-03-05");
    for on in ["2025-11-01", "2025-11-08"] {
        w.activity(m7, A::OrgLifeMissedWithoutLeave, 1.0, on);
    }
    for on in ["2025-12-01", "2025-12-08"] {
        w.activity(m7, A::OrgLifeMissedWithLeave, 1.0, on);
    }
    w.democratic(m7, "2025-2026", Qualified, Some(89.98));
    let a = w.assess(&rubric, m7, "2025-2026");
    assert_eq!(item(&a, "org_life").computed, 10.0);
    assert_eq!(a.total, 90.0);
    assert_eq!(a.band, Band::Commended);
}
