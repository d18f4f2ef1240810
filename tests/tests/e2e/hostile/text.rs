//! Class 7: text with control characters is refused on both stores alike, and what is
//! stored comes back the same from both.

use super::world::{World, field_of, ok, on_both_stores, truncated};
use serde_json::json;

on_both_stores!(both_stores_give_the_same_answer);

async fn both_stores_give_the_same_answer(mut w: World) {
    let mentor = w.mentor_token.clone();
    let before = w.event_count().await;
    const CONTACT: &str = "mutation($i: RecordContactInput!){ recordContact(input:$i){ id content place occurredAt } }";
    let contact = |field: &str, text: &str| {
        let mut input =
            json!({"pairingId": w.pairing, "occurredAt": "2025-10-02T20:30:00+08:00", "form": "FACE_TO_FACE"});
        input[field] = json!(text);
        json!({"i": input})
    };
    for (field, text) in [
        ("content", "谈心\u{0}谈话"),
        ("content", "\u{1b}[2J"),
        ("place", "宿舍\n楼下"),
        ("effect", "\u{7f}"),
    ] {
        let body = w.refused(&mentor, CONTACT, contact(field, text), "BAD_INPUT").await;
        assert_eq!(field_of(&body), Some(field), "{text:?}: {}", truncated(&body));
    }
    // In the query text itself, too.
    let literal = format!(
        "mutation {{ recordContact(input: {{pairingId: \"{}\", occurredAt: \"2025-10-02T20:30:00+08:00\", \
         form: PHONE, place: \"a\\u0000b\"}}) {{ id }} }}",
        w.pairing
    );
    let body = w.refused(&mentor, &literal, json!({}), "BAD_INPUT").await;
    assert_eq!(field_of(&body), Some("place"), "{}", truncated(&body));
    let admin = w.app.token("admin", true);
    let body = w
        .refused(
            &admin,
            "mutation($n: String!){ createOrgUnit(input:{kind: SCHOOL, name: $n}){ id } }",
            json!({"n": "学\u{0}校"}),
            "BAD_INPUT",
        )
        .await;
    assert_eq!(field_of(&body), Some("name"), "{}", truncated(&body));
    assert_eq!(w.event_count().await, before, "nothing was stored");

    // Newlines and tabs in free text are kept, and come back exactly, on either store; the
    // instant comes back as RFC 3339 in Shanghai time.
    let (_, body) = w
        .app
        .graphql_as(Some(&mentor), CONTACT, contact("content", "第一\r\n第二\t完"))
        .await;
    let recorded = &ok(&body)["recordContact"];
    assert_eq!(recorded["content"], "第一\r\n第二\t完");
    assert_eq!(recorded["occurredAt"], "2025-10-02T20:30:00+08:00");
    w.still_well("control characters").await;
    w.app.stop().await;
}
