//! leader-100: seed 003, 第六条 1 (党员领导干部量化考核).

use super::*;
use crate::testkit::*;

#[test]
fn leader_100_hand_computed() {
    use DemocraticGrade::*;
    use MemberActivityKind as A;
    let rubric = preset_of("leader-100");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();

    // L1, 支部书记.
    let l1 = w.register(&[college, branch], Stage::Full);
    w.assign_role(l1, Role::BranchSecretary, branch);
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
    let l2 = w.register(&[college, branch], Stage::Full);
    w.assign_role(l2, Role::BranchCommittee, branch);
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
    let l3 = w.register(&[college, branch], Stage::Full);
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
