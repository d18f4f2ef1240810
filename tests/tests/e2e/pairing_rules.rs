//! Who may be paired with whom (issue 11.1, docs/pairings.md), through HTTP on both stores:
//! for each kind, a refusal with `BAD_INPUT` on the field that names the misfit, and an
//! accepted pairing. Stages are read on each pairing's `startsOn`.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
const PAIR: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id kind } }";
const EVENTS: &str = "{ events(first: 1) { totalCount } }";

async fn ok(app: &TestApp, query: &str, vars: Value, field: &str) -> String {
    let body = app.graphql(query, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"][field]["id"].as_str().unwrap_or_default().to_owned()
}

/// (kind, mentors, mentee, startsOn, the refused field or `None` when accepted).
type Case = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    Option<&'static str>,
);

async fn who_may_be_paired(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let unit = |kind: &str, parent: Option<&str>| json!({"i": {"kind": kind, "name": kind, "parentId": parent}});
    let school = ok(&app, UNIT, unit("SCHOOL", None), "createOrgUnit").await;
    let college = ok(&app, UNIT, unit("COLLEGE", Some(&school)), "createOrgUnit").await;
    let branch = ok(&app, UNIT, unit("BRANCH", Some(&college)), "createOrgUnit").await;
    let other_branch = ok(&app, UNIT, unit("BRANCH", Some(&college)), "createOrgUnit").await;
    let league = ok(&app, UNIT, unit("LEAGUE_BRANCH", Some(&college)), "createOrgUnit").await;
    let mut people = std::collections::HashMap::new();
    for (name, stage, since) in [
        ("veteran", "FULL", Some("2020-07-01")),
        ("full", "FULL", Some("2023-06-01")),
        // Joined (full, no probationary day recorded) after new11 did.
        ("late", "FULL", Some("2025-06-01")),
        ("probationary", "PROBATIONARY", Some("2025-09-01")),
        // Full since 2025-03-01: on 2026-02-01, 11 months (Mar … Jan): a new member.
        ("new11", "FULL", Some("2025-03-01")),
        // Full since 2025-01-01: on 2026-02-01, 13 months (Jan 2025 … Jan 2026): old.
        ("new13", "FULL", Some("2025-01-01")),
        ("activist", "ACTIVIST", Some("2024-09-01")),
        ("target", "DEVELOPMENT_TARGET", Some("2025-09-01")),
        ("student", "NON_PARTY", None),
    ] {
        let vars =
            json!({"i": {"number": name, "name": name, "orgUnitIds": [branch], "stage": stage, "stageSince": since}});
        people.insert(name, ok(&app, PERSON, vars, "registerPerson").await);
    }
    let id = |name: &str| people.get(name).cloned().unwrap_or_else(|| name.to_owned());
    let (branch_id, other_id, league_id) = (branch.clone(), other_branch.clone(), league.clone());
    let named = |name: &str| match name {
        "branch" => branch_id.clone(),
        "other_branch" => other_id.clone(),
        "league" => league_id.clone(),
        _ => id(name),
    };
    // (kind, mentors, mentee, startsOn, the refused field or None when accepted).
    let cases: &[Case] = &[
        ("ONE_TO_ONE", &["student"], "activist", "2025-10-01", Some("mentorIds")),
        ("ONE_TO_ONE", &["full"], "league", "2025-10-01", Some("menteeId")),
        ("ONE_TO_ONE", &["activist"], "student", "2025-10-01", None),
        (
            "MANY_TO_ONE",
            &["activist", "target"],
            "student",
            "2025-10-01",
            Some("mentorIds"),
        ),
        (
            "MANY_TO_ONE",
            &["activist", "probationary"],
            "student",
            "2025-10-01",
            None,
        ),
        ("OLD_TO_NEW", &["veteran"], "new13", "2026-02-01", Some("menteeId")),
        ("OLD_TO_NEW", &["late"], "new11", "2026-02-01", Some("mentorIds")),
        (
            "OLD_TO_NEW",
            &["probationary"],
            "new11",
            "2026-02-01",
            Some("mentorIds"),
        ),
        ("OLD_TO_NEW", &["veteran"], "new11", "2026-02-01", None),
        (
            "CULTIVATION_CONTACT",
            &["full"],
            "target",
            "2025-10-01",
            Some("menteeId"),
        ),
        (
            "CULTIVATION_CONTACT",
            &["probationary"],
            "activist",
            "2025-10-01",
            Some("mentorIds"),
        ),
        ("CULTIVATION_CONTACT", &["full"], "activist", "2025-10-01", None),
        (
            "MEMBER_TO_LEAGUE_BRANCH",
            &["full"],
            "league",
            "2025-10-01",
            Some("mentorIds"),
        ),
        (
            "MEMBER_TO_LEAGUE_BRANCH",
            &["full", "probationary"],
            "student",
            "2025-10-01",
            Some("menteeId"),
        ),
        (
            "MEMBER_TO_LEAGUE_BRANCH",
            &["full", "probationary", "veteran"],
            "league",
            "2025-10-01",
            None,
        ),
        (
            "BRANCH_TO_BRANCH",
            &["full"],
            "other_branch",
            "2025-10-01",
            Some("mentorIds"),
        ),
        ("BRANCH_TO_BRANCH", &["branch"], "other_branch", "2025-10-01", None),
    ];
    for &(kind, mentors, mentee, starts_on, refused) in cases {
        let mentor_ids: Vec<String> = mentors.iter().map(|m| named(m)).collect();
        let vars = json!({"i": {"kind": kind, "mentorIds": mentor_ids, "menteeId": named(mentee),
                                "startsOn": starts_on, "cadence": {"atLeast": 1, "calendar": "MONTH"}}});
        let before = app.graphql(EVENTS, json!({})).await["data"]["events"]["totalCount"].clone();
        let body = app.graphql(PAIR, vars).await;
        let case = format!("{kind} {mentors:?} → {mentee}: {body}");
        match refused {
            Some(field) => {
                let error = &body["errors"][0];
                assert_eq!(error["extensions"]["code"], "BAD_INPUT", "{case}");
                assert_eq!(error["extensions"]["field"], field, "{case}");
                let after = app.graphql(EVENTS, json!({})).await["data"]["events"]["totalCount"].clone();
                assert_eq!(before, after, "nothing appended: {case}");
            }
            None => {
                assert!(body.get("errors").is_none(), "{case}");
                assert_eq!(body["data"]["formPairing"]["kind"], kind, "{case}");
            }
        }
    }
    // A League branch pairing with a person as its mentee says so.
    let vars = json!({"i": {"kind": "MEMBER_TO_LEAGUE_BRANCH", "mentorIds": [id("full"), id("veteran")],
                            "menteeId": id("student"), "startsOn": "2025-10-01", "cadence": {"everyDays": 7}}});
    let body = app.graphql(PAIR, vars).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("is a person; a League branch pairing needs a League branch"),
        "{body}"
    );
    // An id that names nothing at all is NOT_FOUND.
    let vars = json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [id("full")], "menteeId": uuid::Uuid::new_v4().to_string(),
                            "startsOn": "2025-10-01", "cadence": {"everyDays": 7}}});
    let body = app.graphql(PAIR, vars).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn who_may_be_paired_on_sqlite() {
    who_may_be_paired(DbKind::Sqlite).await;
}

#[tokio::test]
async fn who_may_be_paired_on_postgres() {
    who_may_be_paired(DbKind::Postgres).await;
}
