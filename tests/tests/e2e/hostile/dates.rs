//! Class 3: dates and instants outside 1949 … ten years ahead are bad input on their field,
//! whether written in the query or sent as variables; nothing is stored.

use super::world::{World, field_of, on_both_stores, truncated};
use serde_json::json;

on_both_stores!(dates_outside_the_window_are_refused);

async fn dates_outside_the_window_are_refused(mut w: World) {
    let counsellor = w.counsellor_token.clone();
    let before = w.event_count().await;
    const PAIR: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
    for starts_on in [
        "-262143-12-31",
        "0999-12-31",
        "1948-12-31",
        "2199-01-01",
        "2025-02-30",
        "262142-12-31",
    ] {
        let vars = json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [w.mentor], "menteeId": w.student,
            "startsOn": starts_on, "cadence": {"everyDays": 14}}});
        let body = w.refused(&counsellor, PAIR, vars, "BAD_INPUT").await;
        assert_eq!(field_of(&body), Some("startsOn"), "{starts_on}: {}", truncated(&body));
    }
    // The same written into the query.
    let literal = format!(
        "mutation {{ formPairing(input: {{kind: ONE_TO_ONE, mentorIds: [\"{}\"], menteeId: \"{}\", \
         startsOn: \"0001-01-01\", cadence: {{everyDays: 14}}}}) {{ id }} }}",
        w.mentor, w.student
    );
    let body = w.refused(&counsellor, &literal, json!({}), "BAD_INPUT").await;
    assert_eq!(field_of(&body), Some("startsOn"), "{}", truncated(&body));
    assert_eq!(w.event_count().await, before, "nothing was stored");

    // Every `asOf`: the year 9999, the calendar's edge, an offset at the edge.
    let scope = w.college.clone();
    for as_of in [
        "9999-12-31T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "2200-01-01T00:00:00+08:00",
    ] {
        for query in [
            "query($u: ID!, $t: DateTime){ secretaryAlerts(scopeId: $u, asOf: $t){ kind } }",
            "query($u: ID!, $t: DateTime){ contactAlerts(scopeId: $u, asOf: $t){ severity } }",
        ] {
            let body = w
                .refused(&counsellor, query, json!({"u": scope, "t": as_of}), "BAD_INPUT")
                .await;
            assert_eq!(field_of(&body), Some("asOf"), "{as_of}: {}", truncated(&body));
        }
        let body = w
            .refused(
                &counsellor,
                "query($p: ID!, $t: DateTime){ pairing(id: $p){ alert(asOf: $t){ severity } } }",
                json!({"p": w.pairing, "t": as_of}),
                "BAD_INPUT",
            )
            .await;
        assert_eq!(field_of(&body), Some("asOf"), "{}", truncated(&body));
    }
    // A contact cannot happen in the future (next year is inside the window, still refused).
    let mentor = w.mentor_token.clone();
    let next_year = (chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339();
    let body = w
        .refused(
            &mentor,
            "mutation($p: ID!, $t: DateTime!){ recordContact(input:{pairingId:$p, occurredAt:$t, form:PHONE}){ id } }",
            json!({"p": w.pairing, "t": next_year}),
            "BAD_INPUT",
        )
        .await;
    assert_eq!(field_of(&body), Some("occurredAt"), "{}", truncated(&body));
    // Ten years ahead is the edge of what may be asked: 9 years ahead still answers.
    let ahead = (chrono::Utc::now() + chrono::Duration::days(9 * 365)).to_rfc3339();
    let (_, body) = w
        .app
        .graphql_as(
            Some(&counsellor),
            "query($u: ID!, $t: DateTime){ secretaryAlerts(scopeId: $u, asOf: $t){ kind dueAt } }",
            json!({"u": scope, "t": ahead}),
        )
        .await;
    assert!(body["data"]["secretaryAlerts"].is_array(), "{}", truncated(&body));
    w.still_well("dates at the calendar's edge").await;
    w.app.stop().await;
}
