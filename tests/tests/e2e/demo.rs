//! `bangfu demo`: it seeds an empty database through the API, refuses one that holds
//! events, and what it seeds reads back as the demo says (one pairing gone quiet).

use chrono::Utc;
use serde_json::json;
use tests::app::{spawn_app_with, test_config};
use tests::fresh_sqlite;

#[tokio::test]
async fn the_demo_seeds_a_college_whose_quiet_pairing_is_overdue() {
    let db = fresh_sqlite().await;
    let config = test_config(&db.url);
    let seeded = api::demo::seed(&config)
        .await
        .expect("the demo seeds an empty database");
    assert!(seeded.events > 50, "{seeded:?}");
    let again = api::demo::seed(&config).await.expect_err("a second seeding is refused");
    assert!(format!("{again:#}").contains("already holds events"), "{again:#}");

    let app = spawn_app_with(config).await;
    let counsellor = app.token("D2002", false);
    let (status, body) = app
        .graphql_as(
            Some(&counsellor),
            "query($c: ID!){ contactAlerts(scopeId:$c, minSeverity: OVERDUE){ dueAt daysOverdue pairing { mentee { number } } } }",
            json!({ "c": seeded.college_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let alerts = body["data"]["contactAlerts"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    // Only 冯八's pairing went quiet (last contact 35 days ago, fortnightly).
    assert_eq!(alerts.len(), 1, "{body}");
    assert_eq!(alerts[0]["pairing"]["mentee"]["number"], "D4004", "{body}");
    // daysOverdue counts whole days past dueAt.
    let due = chrono::DateTime::parse_from_rfc3339(alerts[0]["dueAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        alerts[0]["daysOverdue"],
        json!((Utc::now() - due.to_utc()).num_days()),
        "{body}"
    );

    // Four mentors in the college are ranked for 党员之星: 10% of 4 floors to 0, and the
    // quota is at least one.
    let period = domain::Period::year_of(domain::time::local_date(Utc::now())).to_string();
    let (_, body) = app
        .graphql_as(
            Some(&counsellor),
            "query($c: ID!, $p: String!){ partyStars(scopeId:$c, period:$p){ quota entries { person { number } } } }",
            json!({ "c": seeded.college_id, "p": period }),
        )
        .await;
    let stars = &body["data"]["partyStars"];
    let mut mentors: Vec<&str> = stars["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["person"]["number"].as_str().unwrap())
        .collect();
    mentors.sort();
    assert_eq!(mentors, ["D3001", "D3002", "D3003", "D3004"], "{body}");
    assert_eq!(stars["quota"], 1, "{body}");
    app.stop().await;
}
