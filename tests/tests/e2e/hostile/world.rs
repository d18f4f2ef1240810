//! A small college for the hostile requests: a student with a record, their mentor, a
//! counsellor over the college, and a student of another college; each test on both stores.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::app::TestApp;

pub struct World {
    pub app: TestApp,
    pub college: String,
    /// The student S-1 (a person), mentored by M-1 in `pairing`.
    pub student: String,
    pub mentor: String,
    pub pairing: String,
    /// A student of the other college, with a screening.
    pub stranger: String,
    /// Tokens: `S-1`, `M-1`, the counsellor `C-1`, and `nobody` (a subject with no person).
    pub student_token: String,
    pub mentor_token: String,
    pub counsellor_token: String,
    pub nobody_token: String,
}

/// The memory a hostile request may leave the server holding, in MiB: the folded state of
/// this world is a few KiB; the rest is the runtime, the pools and the allocator's slack.
pub const MEMORY_CEILING_MIB: u64 = 256;
/// How long any refusal may take.
pub const REFUSED_WITHIN: Duration = Duration::from_secs(2);

impl World {
    pub async fn new(app: TestApp) -> World {
        let unit = |name: &str, kind: &str, parent: Option<&str>| json!({"i": {"kind": kind, "name": name, "parentId": parent}});
        const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
        let school = ok(&app.graphql(UNIT, unit("大学", "SCHOOL", None)).await)["createOrgUnit"]["id"].clone();
        let school = school.as_str().unwrap_or_default().to_owned();
        let college = id(
            &app.graphql(UNIT, unit("学院", "COLLEGE", Some(&school))).await,
            "createOrgUnit",
        );
        let other_college = id(
            &app.graphql(UNIT, unit("别院", "COLLEGE", Some(&school))).await,
            "createOrgUnit",
        );
        const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
        let person = |number: &str, unit: &str, stage: &str| json!({"i": {"number": number, "name": format!("人{number}"), "orgUnitIds": [unit], "stage": stage}});
        let student = id(
            &app.graphql(PERSON, person("S-1", &college, "ACTIVIST")).await,
            "registerPerson",
        );
        let mentor = id(
            &app.graphql(PERSON, person("M-1", &college, "FULL")).await,
            "registerPerson",
        );
        let counsellor = id(
            &app.graphql(PERSON, person("C-1", &college, "FULL")).await,
            "registerPerson",
        );
        let stranger = id(
            &app.graphql(PERSON, person("X-1", &other_college, "NON_PARTY")).await,
            "registerPerson",
        );
        ok(&app
            .graphql(
                "mutation($p: ID!, $u: ID!){ assignRole(personId:$p, role:COUNSELLOR, scopeId:$u){ id } }",
                json!({"p": counsellor, "u": college}),
            )
            .await);
        let pairing = id(
            &app.graphql(
                "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }",
                json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": student,
                    "startsOn": "2025-09-01", "cadence": {"atLeast": 1, "everyDays": 14}}}),
            )
            .await,
            "formPairing",
        );
        ok(&app
            .graphql(
                "mutation($p: ID!){ recordScreening(input:{personId:$p, categories:[ACADEMIC_DIFFICULTY]}){ id } }",
                json!({"p": stranger}),
            )
            .await);
        let tokens = ["S-1", "M-1", "C-1", "nobody"].map(|s| app.token(s, false));
        let [student_token, mentor_token, counsellor_token, nobody_token] = tokens;
        World {
            app,
            college,
            student,
            mentor,
            pairing,
            stranger,
            student_token,
            mentor_token,
            counsellor_token,
            nobody_token,
        }
    }

    /// Sends `query` as `token`; returns the body and how long the answer took.
    pub async fn timed(&self, token: &str, query: &str, variables: Value) -> (Value, Duration) {
        let started = Instant::now();
        let (_, body) = self.app.graphql_as(Some(token), query, variables).await;
        (body, started.elapsed())
    }

    /// Sends `query` as `token` and expects a refusal with `code`, quickly; returns the body.
    pub async fn refused(&self, token: &str, query: &str, variables: Value, code: &str) -> Value {
        let (body, took) = self.timed(token, query, variables).await;
        assert_eq!(code_of(&body), Some(code), "{}", truncated(&body));
        assert!(
            took < REFUSED_WITHIN,
            "refused only after {took:?}: {}",
            truncated(&body)
        );
        body
    }

    /// The server still answers, and its memory stayed under the ceiling.
    pub async fn still_well(&mut self, after: &str) {
        let body = self.app.graphql("{ __typename }", json!({})).await;
        assert_eq!(body["data"]["__typename"], "Query", "after {after}: {body}");
        assert!(self.app.server_alive(), "the server died after {after}");
        if let Some(peak) = self.app.server_peak_memory_mib() {
            println!("after {after}: peak memory {peak} MiB");
            assert!(peak < MEMORY_CEILING_MIB, "after {after}: peak memory {peak} MiB");
        }
    }

    /// How many events the log holds.
    pub async fn event_count(&self) -> i64 {
        let body = self.app.graphql("{ events(first: 1) { totalCount } }", json!({})).await;
        body["data"]["events"]["totalCount"].as_i64().unwrap_or(-1)
    }
}

pub fn code_of(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

pub fn field_of(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

pub fn truncated(body: &Value) -> String {
    let text = body.to_string();
    text.chars().take(600).collect()
}

pub fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "{}", truncated(body));
    &body["data"]
}

fn id(body: &Value, field: &str) -> String {
    ok(body)[field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// Runs `async fn(World)` as two tests, `<name>::sqlite` and `<name>::postgres`, each
/// against a `bangfu serve` child process (so its memory is its own).
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(db) = tests::fresh(tests::DbKind::Sqlite).await {
                    let app = tests::app::spawn_app_process(env!("CARGO_BIN_EXE_bangfu-under-test"), &db.url).await;
                    super::$name(super::World::new(app).await).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = tests::fresh(tests::DbKind::Postgres).await {
                    let app = tests::app::spawn_app_process(env!("CARGO_BIN_EXE_bangfu-under-test"), &db.url).await;
                    super::$name(super::World::new(app).await).await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_stores;
