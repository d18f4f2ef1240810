//! Definitions: the presets read back, validation refuses with a reason, versions in force,
//! weighted totals.

use super::*;
use crate::Event;
use crate::testkit::*;

#[test]
fn presets_are_valid_and_round_trip_through_json() {
    for rubric in presets() {
        check(rubric).unwrap_or_else(|e| panic!("{}: {e}", rubric.key));
        let back = validate(&rubric.definition()).unwrap();
        assert_eq!(&back, rubric);
        // Every preset's total is on 100 (development-defence's two 100-point sheets are
        // weighted 30/70 into one).
        assert_eq!(rubric.scale(), 100.0, "{}", rubric.key);
    }
    let keys: Vec<_> = preset_of("key-target-100")
        .items()
        .map(|(_, i)| i.key.clone())
        .collect();
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
        commended: Some(18.0),
        qualified: Some(12.0),
        unqualified: None,
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
    // One bottom bound, not both, not neither; `unqualified` must lie below commended.
    assert!(matches!(
        bad(&|v| v["bands"] = serde_json::json!({"commended": 18, "qualified": 12, "unqualified": 12})),
        RubricError::BadBands(_)
    ));
    assert!(matches!(
        bad(&|v| v["bands"] = serde_json::json!({"commended": 18})),
        RubricError::BadBands(_)
    ));
    assert!(matches!(
        bad(&|v| v["bands"] = serde_json::json!({"commended": 12, "unqualified": 12})),
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
        w.record(Event::RubricPublished {
            key: "school-x".into(),
            version,
            effective_from: period(from),
            definition: def,
        });
    };
    assert!(rubric_for(w.state(), "school-x", period("2025-2026")).is_none());
    assert_eq!(
        rubric_for(w.state(), "member-100", period("2025-2026")).unwrap(),
        preset_of("member-100")
    );
    publish(&mut w, 1, "2024-2025", "v1");
    publish(&mut w, 2, "2025-2026-2", "v2");
    publish(&mut w, 3, "2027-2028", "v3");
    let title = |p: &str| rubric_for(w.state(), "school-x", period(p)).map(|r| (r.title, r.version));
    assert_eq!(title("2025-2026"), Some(("v1".into(), 1)));
    assert_eq!(title("2025-2026-2"), Some(("v2".into(), 2)));
    assert_eq!(title("2026-2027"), Some(("v2".into(), 2)));
    assert_eq!(title("2028-2029"), Some(("v3".into(), 3)));
    assert_eq!(title("2023-2024"), None);
    // A school's own key-target-100 replaces the preset from its period on.
    let mut own = preset_of("key-target-100");
    own.title = "本校版".into();
    w.record(Event::RubricPublished {
        key: "key-target-100".into(),
        version: 2,
        effective_from: period("2026-2027"),
        definition: own.definition(),
    });
    assert_eq!(
        rubric_for(w.state(), "key-target-100", period("2025-2026"))
            .unwrap()
            .title,
        preset_of("key-target-100").title
    );
    assert_eq!(
        rubric_for(w.state(), "key-target-100", period("2026-2027"))
            .unwrap()
            .title,
        "本校版"
    );
    let all = all_rubrics(w.state());
    let presets = presets().len();
    assert_eq!(all.len(), presets + 4);
    assert_eq!(all[presets].key, "key-target-100");
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
    let Campus { college, .. } = w.campus();
    let x = w.register(&[college], Stage::Full);
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
