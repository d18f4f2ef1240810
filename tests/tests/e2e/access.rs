//! The rights matrix of docs/access.md, through HTTP: for each role, reads and writes that
//! are allowed and refused, and lists filtered to the caller's scope.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

struct World {
    app: TestApp,
    ids: std::collections::HashMap<&'static str, String>,
}

impl World {
    fn id(&self, name: &str) -> &str {
        &self.ids[name]
    }

    async fn admin(&self, query: &str, vars: Value) -> Value {
        let response = self.app.graphql(query, vars).await;
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
    }

    /// Runs as the person with this number; returns the error code, or None on success.
    async fn as_person(&self, number: &str, query: &str, vars: Value) -> Option<String> {
        let token = self.app.token(number, false);
        let (_, response) = self.app.graphql_as(Some(&token), query, vars).await;
        response["errors"][0]["extensions"]["code"].as_str().map(String::from)
    }
}

const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
const ROLE: &str = "mutation($p: ID!, $r: Role!, $s: ID!){ assignRole(personId:$p, role:$r, scopeId:$s){ id } }";

async fn world(backend: DbKind) -> Option<(World, tests::TestDb)> {
    let db = fresh(backend).await?;
    let app = spawn_app(&db.url).await;
    let mut w = World {
        app,
        ids: Default::default(),
    };
    let unit =
        |kind: &str, name: &str, parent: Option<&str>| json!({"i": {"kind": kind, "name": name, "parentId": parent}});
    let school = w.admin(UNIT, unit("SCHOOL", "示范大学", None)).await["createOrgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let college_a = w.admin(UNIT, unit("COLLEGE", "学院A", Some(&school))).await["createOrgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let branch_a = w.admin(UNIT, unit("BRANCH", "支部A", Some(&college_a))).await["createOrgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let college_b = w.admin(UNIT, unit("COLLEGE", "学院B", Some(&school))).await["createOrgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let branch_b = w.admin(UNIT, unit("BRANCH", "支部B", Some(&college_b))).await["createOrgUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, number, unit, stage) in [
        ("secretaryA", "S-A", &branch_a, "FULL"),
        ("counsellorA", "C-A", &college_a, "NON_PARTY"),
        ("committeeA", "K-A", &college_a, "FULL"),
        ("mentor", "M-1", &branch_a, "FULL"),
        ("mentee", "T-1", &branch_a, "ACTIVIST"),
        ("outsider", "O-1", &branch_b, "NON_PARTY"),
        ("secretaryB", "S-B", &branch_b, "FULL"),
    ] {
        let vars = json!({"i": {"number": number, "name": name, "orgUnitIds": [unit], "stage": stage, "stageSince": "2024-09-01"}});
        let id = w.admin(PERSON, vars).await["registerPerson"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        w.ids.insert(name, id);
    }
    for (who, role, scope) in [
        ("secretaryA", "BRANCH_SECRETARY", &branch_a),
        ("counsellorA", "COUNSELLOR", &college_a),
        ("committeeA", "COLLEGE_COMMITTEE", &college_a),
        ("secretaryB", "BRANCH_SECRETARY", &branch_b),
    ] {
        w.admin(ROLE, json!({"p": w.id(who), "r": role, "s": scope})).await;
    }
    let pairing = w
        .admin(
            "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }",
            json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [w.id("mentor")], "menteeId": w.id("mentee"),
                         "startsOn": "2025-09-01", "cadence": {"atLeast": 1, "everyDays": 14}}}),
        )
        .await["formPairing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.admin(
        "mutation($i: RecordScreeningInput!){ recordScreening(input:$i){ id } }",
        json!({"i": {"personId": w.id("mentee"), "categories": ["ECONOMIC_HARDSHIP"]}}),
    )
    .await;
    for (name, id) in [
        ("collegeA", college_a),
        ("branchA", branch_a),
        ("branchB", branch_b),
        ("pairing", pairing),
    ] {
        w.ids.insert(name, id);
    }
    Some((w, db))
}

const CONTACT: &str = "mutation($p: ID!){ recordContact(input:{pairingId:$p, occurredAt:\"2025-10-01T10:00:00+08:00\", form:PHONE}){ id } }";
const REPORT: &str = "mutation($p: ID!){ submitThoughtReport(input:{personId:$p, submittedOn:\"2025-10-08\", title:\"思想汇报\"}){ id } }";
const CONDUCT: &str =
    "mutation($p: ID!){ recordConduct(input:{personId:$p, kind:LATE, occurredOn:\"2025-11-03\"}){ id } }";
const READ_PERSON: &str = "query($p: ID!){ person(id:$p){ name } }";
const SCREENING: &str = "query($p: ID!){ person(id:$p){ screening { categories } } }";
const ASSESSMENTS: &str =
    "query($s: ID!){ assessments(scopeId:$s, rubric:\"key-target-100\", period:\"2025-2026\"){ total } }";
const ALERTS: &str = "query($s: ID!){ contactAlerts(scopeId:$s, asOf:\"2025-10-20T00:00:00+08:00\"){ severity } }";
const NOMINATE: &str = "mutation($p: ID!){ nominate(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\", reason:\"进步明显\"}){ approved } }";
const APPROVE: &str =
    "mutation($p: ID!){ approve(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\"}){ approved } }";
const VACATIONS: &str = "mutation{ setVacations(vacations:[{from:\"2026-01-15\", to:\"2026-02-20\"}]){ from } }";
const AUDIT: &str = "query{ events(first: 5){ nodes { id } } }";
const SELF_EVAL: &str = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:SELF, score:5}){ id } }";
const BRANCH_EVAL: &str = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:BRANCH, score:5}){ id } }";

async fn rights_matrix(backend: DbKind) {
    let Some((w, _db)) = world(backend).await else { return };
    let forbidden = Some("FORBIDDEN".to_string());
    // (who, what, variables, refused?)
    let cases: Vec<(&str, &str, Value, bool)> = vec![
        ("M-1", CONTACT, json!({"p": w.id("pairing")}), false),
        ("O-1", CONTACT, json!({"p": w.id("pairing")}), true),
        ("S-B", CONTACT, json!({"p": w.id("pairing")}), true),
        ("S-A", CONTACT, json!({"p": w.id("pairing")}), false),
        ("T-1", REPORT, json!({"p": w.id("mentee")}), false),
        ("O-1", REPORT, json!({"p": w.id("mentee")}), true),
        ("T-1", CONDUCT, json!({"p": w.id("mentee")}), true),
        ("C-A", CONDUCT, json!({"p": w.id("mentee")}), false),
        ("M-1", READ_PERSON, json!({"p": w.id("mentee")}), false),
        ("O-1", READ_PERSON, json!({"p": w.id("mentee")}), true),
        ("S-B", READ_PERSON, json!({"p": w.id("mentee")}), true),
        ("T-1", SCREENING, json!({"p": w.id("mentee")}), true),
        ("O-1", SCREENING, json!({"p": w.id("mentee")}), true),
        ("M-1", SCREENING, json!({"p": w.id("mentee")}), false),
        ("C-A", SCREENING, json!({"p": w.id("mentee")}), false),
        ("C-A", ASSESSMENTS, json!({"s": w.id("branchA")}), false),
        ("S-B", ASSESSMENTS, json!({"s": w.id("branchA")}), true),
        ("M-1", ALERTS, json!({"s": w.id("branchA")}), true),
        ("S-A", ALERTS, json!({"s": w.id("branchA")}), false),
        ("O-1", NOMINATE, json!({"p": w.id("mentee")}), true),
        ("M-1", NOMINATE, json!({"p": w.id("mentee")}), false),
        ("S-A", APPROVE, json!({"p": w.id("mentee")}), true),
        ("K-A", APPROVE, json!({"p": w.id("mentee")}), false),
        ("K-A", VACATIONS, json!({}), true),
        ("M-1", AUDIT, json!({}), true),
        ("T-1", SELF_EVAL, json!({"p": w.id("mentee")}), false),
        ("T-1", BRANCH_EVAL, json!({"p": w.id("mentee")}), true),
        ("S-A", BRANCH_EVAL, json!({"p": w.id("mentee")}), false),
        (
            "K-A",
            ROLE,
            json!({"p": w.id("mentor"), "r": "GROUP_LEADER", "s": w.id("branchA")}),
            false,
        ),
        (
            "K-A",
            ROLE,
            json!({"p": w.id("mentor"), "r": "ADMIN", "s": w.id("branchA")}),
            true,
        ),
        (
            "K-A",
            ROLE,
            json!({"p": w.id("outsider"), "r": "COUNSELLOR", "s": w.id("branchB")}),
            true,
        ),
    ];
    let mut wrong = vec![];
    for (who, query, vars, refused) in cases {
        let got = w.as_person(who, query, vars.clone()).await;
        let ok = if refused { got == forbidden } else { got.is_none() };
        if !ok {
            wrong.push(format!(
                "{who} {query} {vars}: expected {}, got {got:?}",
                if refused { "FORBIDDEN" } else { "success" }
            ));
        }
    }
    assert!(wrong.is_empty(), "[{backend:?}]\n{}", wrong.join("\n"));

    // Lists are filtered: the other college's secretary sees only their own branch's people.
    let token = w.app.token("S-B", false);
    let (_, people) = w
        .app
        .graphql_as(
            Some(&token),
            "{ people(first: 100){ nodes { number } totalCount } }",
            json!({}),
        )
        .await;
    let mut numbers: Vec<&str> = people["data"]["people"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["O-1", "S-B"], "{people}");

    // Every read of a screening is in the privacy log, with who read it.
    let log = w
        .admin(
            "query($p: ID){ screeningReads(personId:$p){ reader person { number } } }",
            json!({"p": w.id("mentee")}),
        )
        .await;
    let readers: Vec<&str> = log["screeningReads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reader"].as_str().unwrap())
        .collect();
    assert_eq!(readers, ["M-1", "C-A"], "{log}");
}

#[tokio::test]
async fn rights_matrix_on_sqlite() {
    rights_matrix(DbKind::Sqlite).await;
}

#[tokio::test]
async fn rights_matrix_on_postgres() {
    rights_matrix(DbKind::Postgres).await;
}
