//! Seed 002's composites: the probationary member's assessment (probationary-review) and
//! the development target's defence (development-defence).

use super::*;
use crate::testkit::*;
use crate::time::PeriodKind;

const ASPECTS: [&str; 4] = ["political_thought", "party_spirit", "conduct", "mass_base"];

/// One evaluator's scores of the four aspects (政治思想, 个人党性分析, 现实表现, 群众基础).
fn scored(w: &mut World, person: Uuid, term: &str, evaluator: EvaluatorRole, scores: [f64; 4]) {
    for (key, score) in ASPECTS.into_iter().zip(scores) {
        w.evaluation(person, "probationary-review", term, key, evaluator, score);
    }
}

#[test]
fn probationary_review_weighs_self_twenty_masses_thirty_branch_fifty() {
    use EvaluatorRole::*;
    let rubric = preset_of("probationary-review");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    // Given a probationary member scored by the three evaluators over the term 2025-2026-2.
    let p = w.register(&[college, branch], Stage::Probationary);
    scored(&mut w, p, "2025-2026-2", SelfAssessment, [23.0, 22.0, 24.0, 21.0]);
    scored(&mut w, p, "2025-2026-2", Masses, [20.0, 18.0, 22.0, 20.0]);
    scored(&mut w, p, "2025-2026-2", Branch, [22.0, 20.0, 23.0, 21.0]);
    let a = w.assess(&rubric, p, "2025-2026-2");
    // 「黨員自評20%、群衆評議30%、支部考核50%」, each evaluator's four scores out of 100:
    // self 23 + 22 + 24 + 21 = 90, masses 20 + 18 + 22 + 20 = 80, branch 22 + 20 + 23 + 21 = 86;
    // 0.2 × 90 + 0.3 × 80 + 0.5 × 86 = 18 + 24 + 43 = 85 → QUALIFIED (default bands 90 / 60).
    assert_eq!((a.total, a.band), (85.0, Band::Qualified));
    // Each aspect's score is the branch's (支部考核).
    assert_eq!(
        scores(&a),
        vec![
            ("political_thought", 22.0),
            ("party_spirit", 20.0),
            ("conduct", 23.0),
            ("mass_base", 21.0)
        ]
    );
}

#[test]
fn probationary_review_without_the_masses_tally_renormalises_the_others() {
    use EvaluatorRole::*;
    let rubric = preset_of("probationary-review");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    let p = w.register(&[college, branch], Stage::Probationary);
    scored(&mut w, p, "2025-2026-1", SelfAssessment, [23.0, 22.0, 24.0, 21.0]);
    scored(&mut w, p, "2025-2026-1", Branch, [22.0, 20.0, 23.0, 21.0]);
    // No 群众评议 yet: its part drops out. (0.2 × 90 + 0.5 × 86) ÷ 0.7 = 61 ÷ 0.7 = 87.142… → 87.14.
    assert_eq!(w.assess(&rubric, p, "2025-2026-1").total, 87.14);
}

#[test]
fn probationary_review_assesses_probationary_members_each_half_year() {
    let rubric = preset_of("probationary-review");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    let probationary = w.register(&[college, branch], Stage::Probationary);
    let full = w.register(&[college, branch], Stage::Full);
    let target = w.register(&[college, branch], Stage::DevelopmentTarget);
    assert_eq!(rubric.population(), Population::ProbationaryMembers);
    assert!(rubric.assesses(w.state(), w.person(probationary)));
    assert!(!rubric.assesses(w.state(), w.person(full)));
    assert!(!rubric.assesses(w.state(), w.person(target)));
    // 「支部每半年進行一次綜合鑒定」: a term is the half year.
    assert_eq!(rubric.periods(), [PeriodKind::Term]);
    assert!(rubric.takes(period("2025-2026")).is_err());
}

#[test]
fn development_defence_is_thirty_percent_defence_and_seventy_percent_daily_record() {
    use EvaluatorRole::*;
    let rubric = preset_of("development-defence");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    let term = "2025-2026-2";
    let target = |w: &mut World, defence: Option<f64>, daily: f64| {
        let t = w.register(&[college, branch], Stage::DevelopmentTarget);
        if let Some(defence) = defence {
            w.evaluation(t, "development-defence", term, "defence", Branch, defence);
        }
        w.evaluation(t, "development-defence", term, "daily_record", Branch, daily);
        t
    };
    // 「30%現場答辯和70%支部日常工作和現實表現」, each marked out of 100:
    // 0.3 × 80 + 0.7 × 90 = 24 + 63 = 87 → QUALIFIED.
    let d1 = target(&mut w, Some(80.0), 90.0);
    let a = w.assess(&rubric, d1, term);
    assert_eq!((a.total, a.band), (87.0, Band::Qualified));
    assert_eq!(scores(&a), vec![("defence", 80.0), ("daily_record", 90.0)]);
    // 0.3 × 95 + 0.7 × 88 = 28.5 + 61.6 = 90.1 → COMMENDED (≥ 90).
    let d2 = target(&mut w, Some(95.0), 88.0);
    assert_eq!(w.assess(&rubric, d2, term).band, Band::Commended);
    assert_eq!(w.assess(&rubric, d2, term).total, 90.1);
    // 0.3 × 50 + 0.7 × 65 = 15 + 45.5 = 60.5 → QUALIFIED (≥ 60).
    let d3 = target(&mut w, Some(50.0), 65.0);
    assert_eq!(w.assess(&rubric, d3, term).total, 60.5);
    // No defence held yet: the defence item scores 0 (it is a mark, not a missing part):
    // 0.3 × 0 + 0.7 × 90 = 63.
    let d4 = target(&mut w, None, 90.0);
    assert_eq!(w.assess(&rubric, d4, term).total, 63.0);
}

#[test]
fn development_defence_counts_only_the_branch_mark_of_each_sheet() {
    use EvaluatorRole::*;
    let rubric = preset_of("development-defence");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    let t = w.register(&[college, branch], Stage::DevelopmentTarget);
    let term = "2025-2026-1";
    // The candidate's own mark of the defence is shown beside it, not counted.
    w.evaluation(t, "development-defence", term, "defence", SelfAssessment, 100.0);
    w.evaluation(t, "development-defence", term, "defence", Branch, 70.0);
    w.evaluation(t, "development-defence", term, "daily_record", Branch, 80.0);
    // 0.3 × 70 + 0.7 × 80 = 21 + 56 = 77.
    let a = w.assess(&rubric, t, term);
    assert_eq!(a.total, 77.0);
    assert_eq!(item(&a, "defence").evaluations.len(), 2);
    assert_eq!(rubric.population(), Population::DevelopmentTargets);
    let activist = w.register(&[college, branch], Stage::Activist);
    assert!(!rubric.assesses(w.state(), w.person(activist)));
    assert!(rubric.assesses(w.state(), w.person(t)));
}

#[test]
fn an_item_part_must_name_an_item_of_the_rubric() {
    let mut v = preset_of("development-defence").definition();
    v["total"]["parts"][0]["item"] = "speech".into();
    let err = validate(&v).unwrap_err();
    assert!(matches!(err, RubricError::BadTotal(_)));
    assert!(err.to_string().contains("`speech`"), "{err}");
}
