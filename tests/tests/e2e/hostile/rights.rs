//! Class 4: no mutation runs with an empty set of targets, a subscription's right is judged
//! on every push, and a missing id and an id out of scope get the same answer.

use super::world::{World, field_of, ok, on_both_stores, truncated};
use serde_json::json;

on_both_stores!(rights_hold_at_every_edge);

async fn rights_hold_at_every_edge(mut w: World) {
    // Any signed-in subject once squatted a student number with no units.
    let before = w.event_count().await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    for token in [w.nobody_token.clone(), w.student_token.clone()] {
        let body = w
            .refused(
                &token,
                PERSON,
                json!({"i": {"number": "S-9", "name": "占位", "orgUnitIds": []}}),
                "BAD_INPUT",
            )
            .await;
        assert_eq!(field_of(&body), Some("orgUnitIds"), "{}", truncated(&body));
    }
    // Even an administrator names at least one unit.
    let admin = w.app.token("admin", true);
    w.refused(
        &admin,
        PERSON,
        json!({"i": {"number": "S-9", "name": "占位", "orgUnitIds": []}}),
        "BAD_INPUT",
    )
    .await;
    assert_eq!(w.event_count().await, before, "nothing was registered");

    // A number taken in another college and one taken here get the same answer.
    let counsellor = w.counsellor_token.clone();
    let here = w
        .refused(
            &counsellor,
            PERSON,
            json!({"i": {"number": "S-1", "name": "重名", "orgUnitIds": [w.college]}}),
            "CONFLICT",
        )
        .await;
    let elsewhere = w
        .refused(
            &counsellor,
            PERSON,
            json!({"i": {"number": "X-1", "name": "重名", "orgUnitIds": [w.college]}}),
            "CONFLICT",
        )
        .await;
    let shape = |body: &serde_json::Value| {
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .replace("X-1", "S-1")
    };
    assert_eq!(shape(&here), shape(&elsewhere), "{here} / {elsewhere}");

    // retractEvent: a real event out of the caller's reach and an id that exists nowhere.
    let (_, body) = w
        .app
        .graphql_as(
            Some(&admin),
            "query($p: ID!){ events(streamId: $p) { nodes { id kind } } }",
            json!({"p": w.stranger}),
        )
        .await;
    let screening = ok(&body)["events"]["nodes"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["kind"] == "ScreeningRecorded"))
        .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
        .expect("the stranger's screening event");
    const RETRACT: &str = "mutation($e: ID!){ retractEvent(eventId: $e, reason: \"错误\"){ id } }";
    let student = w.student_token.clone();
    let out_of_scope = w.refused(&student, RETRACT, json!({"e": screening}), "NOT_FOUND").await;
    let missing_id = "01900000-0000-7000-8000-000000000000";
    let missing = w
        .refused(&student, RETRACT, json!({"e": missing_id}), "NOT_FOUND")
        .await;
    let shape = |body: &serde_json::Value, id: &str| {
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .replace(id, "ID")
    };
    assert_eq!(shape(&out_of_scope, &screening), shape(&missing, missing_id));
    // Bad input is refused before the lookup: a control character in the reason is
    // BAD_INPUT for the real event and the missing one alike.
    const BAD_REASON: &str = "mutation($e: ID!){ retractEvent(eventId: $e, reason: \"错\\u0007误\"){ id } }";
    for event in [screening.as_str(), missing_id] {
        let body = w.refused(&student, BAD_REASON, json!({"e": event}), "BAD_INPUT").await;
        assert_eq!(super::world::field_of(&body), Some("reason"), "{body}");
    }

    // The contactAlerts subscription stops pushing once the counsellor's role is revoked.
    let mut socket = w
        .app
        .subscribe(
            &counsellor,
            "subscription($u: ID!){ contactAlerts(scopeId: $u){ severity pairing { id } } }",
            json!({"u": w.college}),
        )
        .await;
    // Let the subscription take its baseline before anything changes.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let counsellor_id = ok(&w
        .app
        .graphql("{ people(first: 10) { nodes { id number } } }", json!({}))
        .await)["people"]["nodes"]
        .as_array()
        .and_then(|people| people.iter().find(|p| p["number"] == "C-1"))
        .map(|p| p["id"].clone())
        .expect("the counsellor");
    ok(&w
        .app
        .graphql(
            "mutation($p: ID!, $u: ID!){ revokeRole(personId:$p, role:COUNSELLOR, scopeId:$u){ id } }",
            json!({"p": counsellor_id, "u": w.college}),
        )
        .await);
    // A new pairing in the college would change what the subscription sees.
    ok(&w
        .app
        .graphql(
            "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }",
            json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [w.mentor], "menteeId": w.stranger,
                "startsOn": "2025-09-01", "cadence": {"everyDays": 7}}}),
        )
        .await);
    let pushed = next_payload(&mut socket).await;
    assert_eq!(pushed["errors"][0]["extensions"]["code"], "FORBIDDEN", "{pushed}");
    assert!(pushed["data"].is_null() || pushed.get("data").is_none(), "{pushed}");
    w.still_well("a revoked subscription").await;
    w.app.stop().await;
}

/// The next `next` payload, or what ended the operation.
async fn next_payload(socket: &mut tests::app::Socket) -> serde_json::Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(20), socket.next())
            .await
            .expect("a message within 20 s")
            .expect("the socket is open")
            .expect("a message");
        if let Message::Text(text) = message {
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            match v["type"].as_str() {
                Some("next") => return v["payload"].clone(),
                Some("error") => return json!({"errors": v["payload"]}),
                Some("complete") => panic!("completed without a refusal"),
                _ => continue,
            }
        }
    }
}
