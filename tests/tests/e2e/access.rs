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

    /// Runs as the person with this number, expecting success; returns the data.
    async fn read_as(&self, number: &str, query: &str, vars: Value) -> Value {
        let token = self.app.token(number, false);
        let (_, response) = self.app.graphql_as(Some(&token), query, vars).await;
        assert!(response.get("errors").is_none(), "{number}: {response}");
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
        ("branchCommitteeA", "B-A", &branch_a, "FULL"),
        ("groupLeaderA", "G-A", &branch_a, "FULL"),
        ("adminA", "D-A", &college_a, "FULL"),
        ("mentor", "M-1", &branch_a, "FULL"),
        ("mentee", "T-1", &branch_a, "ACTIVIST"),
        ("mentee2", "T-2", &branch_a, "ACTIVIST"),
        ("outsider", "O-1", &branch_b, "NON_PARTY"),
        ("secretaryB", "S-B", &branch_b, "FULL"),
    ] {
        // The activists are key cultivation targets, so key-target-100 assesses them.
        let vars = json!({"i": {"number": number, "name": name, "orgUnitIds": [unit], "stage": stage,
            "stageSince": "2024-09-01", "keyCultivationTarget": stage == "ACTIVIST"}});
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
        ("branchCommitteeA", "BRANCH_COMMITTEE", &branch_a),
        ("groupLeaderA", "GROUP_LEADER", &branch_a),
        ("adminA", "ADMIN", &college_a),
        ("secretaryB", "BRANCH_SECRETARY", &branch_b),
    ] {
        w.admin(ROLE, json!({"p": w.id(who), "r": role, "s": scope})).await;
    }
    let pair = |mentee: &str| {
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [w.id("mentor")], "menteeId": w.id(mentee),
                     "startsOn": "2025-09-01", "cadence": {"atLeast": 1, "everyDays": 14}}})
    };
    const PAIR: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
    let pairing = w.admin(PAIR, pair("mentee")).await["formPairing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The mentor's second mentee: what the first must not reach through the mentor.
    let pairing2 = w.admin(PAIR, pair("mentee2")).await["formPairing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.admin(
        "mutation($i: RecordScreeningInput!){ recordScreening(input:$i){ id } }",
        json!({"i": {"personId": w.id("mentee"), "categories": ["ECONOMIC_HARDSHIP"]}}),
    )
    .await;
    // Facts to retract: a conduct record (the counsellor's to record), a thought report
    // (the mentee's own), an approved nomination (the college committee's).
    let fact = |data: Value, field: &str| data[field]["id"].as_str().unwrap().to_owned();
    let conduct = fact(w.admin(CONDUCT, json!({"p": w.id("mentee")})).await, "recordConduct");
    let report = fact(
        w.admin(REPORT, json!({"p": w.id("mentee")})).await,
        "submitThoughtReport",
    );
    w.admin(NOMINATE, json!({"p": w.id("mentee")})).await;
    w.admin(EXAMINE, json!({"p": w.id("mentee")})).await;
    w.admin(APPROVE, json!({"p": w.id("mentee")})).await;
    let approval = w
        .admin(
            "query($s: ID!){ events(streamId:$s){ nodes { id kind } } }",
            json!({"s": w.id("mentee")}),
        )
        .await["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "NominationApproved")
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .expect("the approval is on the mentee's stream");
    for (name, id) in [
        ("collegeA", college_a),
        ("branchA", branch_a),
        ("branchB", branch_b),
        ("pairing", pairing),
        ("pairing2", pairing2),
        ("conduct", conduct),
        ("report", report),
        ("approval", approval),
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
const EXAMINE: &str = "mutation($p: ID!){ examineNomination(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\", passed:true, opinion:\"全面考核合格\"}){ examination { passed } } }";
const APPROVE: &str =
    "mutation($p: ID!){ approve(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\"}){ approved } }";
const VACATIONS: &str = "mutation{ setVacations(vacations:[{from:\"2026-01-15\", to:\"2026-02-20\"}]){ from } }";
const AUDIT: &str = "query{ events(first: 5){ nodes { id } } }";
const STREAM: &str = "query($s: ID!){ events(streamId:$s){ nodes { id } } }";
const READ_RECORD: &str = "query($p: ID!){ person(id:$p){ conduct { kind } } }";
const READ_PAIRING: &str = "query($p: ID!){ pairing(id:$p){ startsOn } }";
const ASSESSMENT: &str =
    "query($p: ID!){ assessment(personId:$p, rubric:\"key-target-100\", period:\"2025-2026\"){ total } }";
const PARTY_STARS: &str = "query($s: ID!){ partyStars(scopeId:$s, period:\"2025-2026\"){ quota } }";
const SECRETARY_ALERTS: &str =
    "query($s: ID!){ secretaryAlerts(scopeId:$s, asOf:\"2025-10-20T00:00:00+08:00\"){ kind } }";
const SCREEN: &str =
    "mutation($p: ID!){ recordScreening(input:{personId:$p, categories:[ACADEMIC_DIFFICULTY]}){ id } }";
const VISIT: &str =
    "mutation($p: ID!){ recordVisitFeedback(input:{pairingId:$p, visitedOn:\"2025-10-10\", rating:4}){ id } }";
const OPINION: &str = "mutation($p: ID!){ giveBranchOpinion(pairingId:$p, month:\"2025-10\", opinion:\"良好\"){ id } }";
const MONTHLY: &str = "mutation($p: ID!){ submitMonthlyRecord(pairingId:$p, month:\"2025-10\"){ id } }";
const STAGE: &str = "mutation($p: ID!){ changeStage(input:{personId:$p, stage:DEVELOPMENT_TARGET, effectiveOn:\"2025-10-01\"}){ stage } }";
const PARTY_STAR_NOMINATION: &str = "mutation($p: ID!){ nominate(input:{kind:PARTY_STAR, personId:$p, period:\"2025-2026\", reason:\"表现突出\"}){ approved } }";
const REGISTER: &str =
    "mutation($u: ID!, $n: String!){ registerPerson(input:{number:$n, name:\"新生\", orgUnitIds:[$u]}){ id } }";
const SUB_UNIT: &str =
    "mutation($u: ID!){ createOrgUnit(input:{kind:PARTY_GROUP, name:\"党小组\", parentId:$u}){ id } }";
const ROOT_UNIT: &str = "mutation{ createOrgUnit(input:{kind:SCHOOL, name:\"另一所大学\"}){ id } }";
const REVIEW: &str =
    "mutation($p: ID!){ recordReview(input:{personId:$p, kind:ACTIVIST_REVIEW, reviewedOn:\"2025-09-15\"}){ id } }";
const RETRACT: &str = "mutation($e: ID!){ retractEvent(eventId:$e, reason:\"录入错误\"){ id } }";
const READS_LOG: &str = "query{ screeningReads { reader } }";
const FORM: &str = "mutation($m: ID!, $t: ID!){ formPairing(input:{kind:ONE_TO_ONE, mentorIds:[$m], menteeId:$t, startsOn:\"2025-10-01\", cadence:{everyDays:14}}){ id } }";
const END: &str = "mutation($p: ID!){ endPairing(pairingId:$p, endsOn:\"2025-12-31\", reason:\"毕业\"){ id } }";
const SERVICE: &str = "mutation($p: ID!){ logVolunteerService(input:{personId:$p, servedOn:\"2025-10-09\", hours:2, activity:\"支教\"}){ id } }";
const ACTIVITY: &str = "mutation($p: ID!){ recordMemberActivity(input:{personId:$p, kind:STUDY_SESSION_MISSED, occurredOn:\"2025-10-10\"}){ id } }";
const ORG_EVAL: &str = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:ORGANIZATION, score:5}){ id } }";
const DEMOCRATIC: &str =
    "mutation($p: ID!){ recordDemocraticEvaluation(input:{personId:$p, period:\"2025-2026\", grade:QUALIFIED}){ id } }";
const EXTEND: &str = "mutation($p: ID!){ extendProbation(input:{personId:$p, months:6, reason:\"考察\"}){ id } }";
const MOST_IMPROVED: &str = "query($s: ID!){ mostImproved(scopeId:$s, period:\"2025-2026\"){ quota } }";
const SELF_EVAL: &str = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:SELF, score:5}){ id } }";
const BRANCH_EVAL: &str = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:BRANCH, score:5}){ id } }";

async fn rights_matrix(backend: DbKind) {
    let Some((w, _db)) = world(backend).await else { return };
    let forbidden = Some("FORBIDDEN".to_string());
    // (who, what, variables, refused?)
    let (mentee, mentor, pairing) = (w.id("mentee"), w.id("mentor"), w.id("pairing"));
    let p = |id: &str| json!({ "p": id });
    let scope = |id: &str| json!({ "s": id });
    let role = |person: &str, role: &str, unit: &str| json!({"p": w.id(person), "r": role, "s": w.id(unit)});
    // (who, what, variables, refused?), role by role. Writes that succeed stay harmless
    // to the cases after them.
    let cases: Vec<(&str, &str, Value, bool)> = vec![
        // The mentor (M): their pairing, their mentee's record and screening; nothing else.
        ("M-1", CONTACT, p(pairing), false),
        ("M-1", MONTHLY, p(pairing), false),
        ("M-1", VISIT, p(pairing), true),
        ("M-1", OPINION, p(pairing), true),
        ("M-1", READ_PERSON, p(mentee), false),
        ("M-1", READ_RECORD, p(mentee), false),
        ("M-1", SCREENING, p(mentee), false),
        ("M-1", SCREEN, p(mentee), false),
        ("M-1", STREAM, scope(mentee), false),
        ("M-1", ASSESSMENT, p(mentee), false),
        ("M-1", NOMINATE, p(w.id("mentee2")), false),
        ("M-1", EXAMINE, p(w.id("mentee2")), true),
        ("M-1", STAGE, p(mentee), true),
        ("M-1", ALERTS, scope(w.id("branchA")), true),
        ("M-1", AUDIT, json!({}), true),
        ("M-1", PARTY_STARS, scope(w.id("branchA")), true),
        ("M-1", RETRACT, json!({"e": w.id("approval")}), true),
        ("M-1", ACTIVITY, p(mentee), false),
        ("M-1", FORM, json!({"m": mentor, "t": w.id("outsider")}), true),
        ("M-1", EXTEND, p(mentee), true),
        ("M-1", DEMOCRATIC, p(mentee), true),
        // Reviews (考察鉴定) are the branch's: BS, BC, CC and admins, not M, S, GL or CO.
        ("M-1", REVIEW, p(mentee), true),
        ("T-1", REVIEW, p(mentee), true),
        ("G-A", REVIEW, p(mentee), true),
        ("C-A", REVIEW, p(mentee), true),
        ("S-B", REVIEW, p(mentee), true),
        ("S-A", REVIEW, p(mentee), false),
        ("B-A", REVIEW, p(mentee), false),
        ("K-A", REVIEW, p(mentee), false),
        ("D-A", REVIEW, p(mentee), false),
        // The student (S): themself, and who their mentor is, not the mentor's record.
        ("T-1", REPORT, p(mentee), false),
        ("T-1", SELF_EVAL, p(mentee), false),
        ("T-1", CONDUCT, p(mentee), true),
        ("T-1", BRANCH_EVAL, p(mentee), true),
        ("T-1", SCREENING, p(mentee), true),
        ("T-1", READ_RECORD, p(mentee), false),
        ("T-1", ASSESSMENT, p(mentee), false),
        ("T-1", READ_PAIRING, p(pairing), false),
        ("T-1", READ_PERSON, p(mentor), false),
        ("T-1", READ_RECORD, p(mentor), true),
        ("T-1", ASSESSMENT, p(mentor), true),
        ("T-1", STREAM, scope(mentor), true),
        ("T-1", READ_PERSON, p(w.id("mentee2")), true),
        ("T-1", READ_PAIRING, p(w.id("pairing2")), true),
        ("T-1", SECRETARY_ALERTS, scope(w.id("branchA")), true),
        ("T-1", RETRACT, json!({"e": w.id("conduct")}), true),
        ("T-1", RETRACT, json!({"e": w.id("report")}), false),
        ("T-1", SERVICE, p(mentee), false),
        ("T-1", ACTIVITY, p(mentee), true),
        ("T-1", STREAM, scope(pairing), false),
        ("T-1", MOST_IMPROVED, scope(w.id("branchA")), true),
        // Someone with no role and no pairing.
        ("O-1", CONTACT, p(pairing), true),
        ("O-1", REPORT, p(mentee), true),
        ("O-1", READ_PERSON, p(mentee), true),
        ("O-1", SCREENING, p(mentee), true),
        ("O-1", NOMINATE, p(mentee), true),
        ("O-1", READ_PAIRING, p(pairing), true),
        ("O-1", STREAM, scope(pairing), true),
        ("O-1", END, p(pairing), true),
        ("O-1", SERVICE, p(mentee), true),
        // Branch secretary (BS) of branch A, and of branch B (out of scope).
        ("S-A", CONTACT, p(pairing), false),
        ("S-A", OPINION, p(pairing), false),
        ("S-A", ALERTS, scope(w.id("branchA")), false),
        ("S-A", BRANCH_EVAL, p(mentee), false),
        ("S-A", APPROVE, p(mentee), true),
        // 最具进步奖 「由帮助人提名，学生党支部进行全面考核」: the branch examines, the mentor nominates.
        ("S-A", NOMINATE, p(w.id("mentee2")), true),
        ("S-A", EXAMINE, p(w.id("mentee2")), false),
        ("S-A", SUB_UNIT, json!({"u": w.id("branchA")}), true),
        ("S-A", DEMOCRATIC, p(mentee), false),
        ("S-A", ORG_EVAL, p(mentee), true),
        ("S-B", CONTACT, p(pairing), true),
        ("S-B", READ_PERSON, p(mentee), true),
        ("S-B", READ_PAIRING, p(pairing), true),
        ("S-B", ASSESSMENTS, scope(w.id("branchA")), true),
        ("S-B", STAGE, p(mentee), true),
        // Branch committee (BC).
        ("B-A", VISIT, p(pairing), false),
        ("B-A", SCREENING, p(mentee), false),
        ("B-A", PARTY_STAR_NOMINATION, p(mentor), false),
        ("B-A", SECRETARY_ALERTS, scope(w.id("branchA")), false),
        ("B-A", STAGE, p(mentee), true),
        ("B-A", APPROVE, p(mentee), true),
        ("B-A", SELF_EVAL, p(mentee), true),
        // Party group leader (GL).
        ("G-A", REGISTER, json!({"u": w.id("branchA"), "n": "N-GL"}), false),
        ("G-A", REGISTER, json!({"u": w.id("branchB"), "n": "N-GL2"}), true),
        ("G-A", CONDUCT, p(mentee), false),
        ("G-A", READ_RECORD, p(mentee), false),
        ("G-A", PARTY_STARS, scope(w.id("branchA")), false),
        ("G-A", SCREENING, p(mentee), true),
        ("G-A", SCREEN, p(mentee), true),
        ("G-A", VISIT, p(pairing), true),
        ("G-A", BRANCH_EVAL, p(mentee), true),
        ("G-A", PARTY_STAR_NOMINATION, p(mentor), true),
        (
            "G-A",
            FORM,
            json!({"m": w.id("branchCommitteeA"), "t": w.id("mentee2")}),
            false,
        ),
        ("S-B", END, p(w.id("pairing2")), true),
        // Counsellor (CO) of college A.
        ("C-A", CONDUCT, p(mentee), false),
        ("C-A", SCREENING, p(mentee), false),
        ("C-A", ASSESSMENTS, scope(w.id("branchA")), false),
        ("C-A", OPINION, p(pairing), true),
        ("C-A", ROLE, role("mentor", "GROUP_LEADER", "branchA"), true),
        ("C-A", MOST_IMPROVED, scope(w.id("collegeA")), false),
        // College committee (CC) of college A.
        ("K-A", APPROVE, p(w.id("mentee2")), false),
        ("K-A", ORG_EVAL, p(mentee), false),
        ("K-A", SUB_UNIT, json!({"u": w.id("collegeA")}), false),
        ("K-A", ROOT_UNIT, json!({}), true),
        ("K-A", VACATIONS, json!({}), true),
        ("K-A", READS_LOG, json!({}), true),
        ("K-A", ROLE, role("mentee2", "GROUP_LEADER", "branchA"), false),
        ("K-A", ROLE, role("mentor", "ADMIN", "branchA"), true),
        ("K-A", ROLE, role("outsider", "COUNSELLOR", "branchB"), true),
        ("K-A", STAGE, p(mentee), false),
        ("K-A", RETRACT, json!({"e": w.id("approval")}), false),
        // An ADMIN over college A: everything there, nothing school-wide or elsewhere.
        ("D-A", CONDUCT, p(mentee), false),
        ("D-A", SCREENING, p(mentee), false),
        ("D-A", ROLE, role("mentee2", "COLLEGE_COMMITTEE", "branchA"), false),
        ("D-A", ROLE, role("outsider", "COUNSELLOR", "branchB"), true),
        ("D-A", READ_PERSON, p(w.id("outsider")), true),
        ("D-A", VACATIONS, json!({}), true),
        ("D-A", ROOT_UNIT, json!({}), true),
        ("D-A", AUDIT, json!({}), true),
    ];
    let mut wrong = vec![];
    for (who, query, vars, refused) in cases {
        let got = w.as_person(who, query, vars.clone()).await;
        // A retraction the caller may not make is answered as for an id that exists
        // nowhere (NOT_FOUND), so ids out of scope cannot be probed.
        let refusal = if query == RETRACT {
            Some("NOT_FOUND".to_string())
        } else {
            forbidden.clone()
        };
        let ok = if refused { got == refusal } else { got.is_none() };
        if !ok {
            wrong.push(format!(
                "{who} {query} {vars}: expected {}, got {got:?}",
                if refused { "a refusal" } else { "success" }
            ));
        }
    }
    assert!(wrong.is_empty(), "[{backend:?}]\n{}", wrong.join("\n"));

    // Lists are filtered: the other college's secretary sees only their own branch's people.
    let numbers = |data: &Value, list: &str, field: &str| -> Vec<String> {
        let mut out: Vec<String> = data[list]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{data}"))
            .iter()
            .map(|n| n[field].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        out
    };
    let people = w
        .read_as("S-B", "{ people(first: 100){ nodes { number } } }", json!({}))
        .await;
    assert_eq!(numbers(&people, "people", "number"), ["O-1", "S-B"], "{people}");
    // ... and pairings to those the caller is in or holds a role over.
    const PAIRINGS: &str = "{ pairings(first: 100){ nodes { id } } }";
    let mut both = vec![pairing.to_owned(), w.id("pairing2").to_owned()];
    both.sort();
    // Every pairing (the group leader formed a third one above) is in branch A.
    let every = numbers(&w.admin(PAIRINGS, json!({})).await, "pairings", "id");
    assert_eq!(every.len(), 3, "{every:?}");
    for (who, expected) in [
        ("M-1", both),
        ("T-1", vec![pairing.to_owned()]),
        ("S-A", every),
        ("S-B", vec![]),
    ] {
        let data = w.read_as(who, PAIRINGS, json!({})).await;
        assert_eq!(numbers(&data, "pairings", "id"), expected, "{who}: {data}");
    }

    // No path through the graph escapes a guard: through their pairing the mentee sees who
    // their mentor is, but not the mentor's other pairings, nor the mentor's record.
    let data = w
        .read_as(
            "T-1",
            // A list inside a list is weighed by both pages: the inner one asks for few.
            "{ me { pairings { mentors { number pairings(first: 10) { id } } } } }",
            json!({}),
        )
        .await;
    let mentor_seen = &data["me"]["pairings"][0]["mentors"][0];
    assert_eq!(mentor_seen["number"], "M-1", "{data}");
    assert_eq!(mentor_seen["pairings"], json!([{ "id": pairing }]), "{data}");
    let nested_record = "{ me { pairings(first: 5) { mentors { conduct(first: 5) { kind } } } } }";
    assert_eq!(w.as_person("T-1", nested_record, json!({})).await, forbidden);

    // Roles are read on the person, and taken back by whoever may grant them.
    const ROLES: &str = "query($p: ID!){ person(id:$p){ roles { role scope { id } } } }";
    let roles = w.admin(ROLES, p(w.id("mentee2"))).await;
    let mut granted: Vec<(String, String)> = roles["person"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap().to_owned(),
                g["scope"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    granted.sort();
    let branch_a = w.id("branchA").to_owned();
    assert_eq!(
        granted,
        [
            ("COLLEGE_COMMITTEE".to_owned(), branch_a.clone()),
            ("GROUP_LEADER".to_owned(), branch_a.clone())
        ],
        "{roles}"
    );
    const REVOKE: &str =
        "mutation($p: ID!, $r: Role!, $s: ID!){ revokeRole(personId:$p, role:$r, scopeId:$s){ roles { role } } }";
    assert_eq!(
        w.as_person("K-A", REVOKE, role("mentee2", "COLLEGE_COMMITTEE", "branchA"))
            .await,
        forbidden
    );
    assert_eq!(
        w.as_person("S-A", REVOKE, role("mentee2", "GROUP_LEADER", "branchA"))
            .await,
        forbidden
    );
    let revoked = w
        .read_as("K-A", REVOKE, role("mentee2", "GROUP_LEADER", "branchA"))
        .await;
    assert_eq!(
        revoked["revokeRole"]["roles"],
        json!([{ "role": "COLLEGE_COMMITTEE" }]),
        "{revoked}"
    );

    // The audit trail shows a screening's contents only to those who may read it (and
    // logs that read); the person themself sees that one was recorded, not what.
    const TRAIL: &str = "query($s: ID!){ events(streamId:$s){ nodes { kind payload } } }";
    let screenings = |data: &Value| -> Vec<Value> {
        data["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "ScreeningRecorded")
            .map(|e| e["payload"].clone())
            .collect()
    };
    let own = w.read_as("T-1", TRAIL, scope(mentee)).await;
    assert_eq!(
        screenings(&own),
        [
            json!({"redacted": "ScreeningRecorded"}),
            json!({"redacted": "ScreeningRecorded"})
        ],
        "{own}"
    );
    let mentors_view = w.read_as("M-1", TRAIL, scope(mentee)).await;
    let shown: Vec<Value> = screenings(&mentors_view)
        .iter()
        .map(|p| p["categories"].clone())
        .collect();
    assert_eq!(
        shown,
        [json!(["ECONOMIC_HARDSHIP"]), json!(["ACADEMIC_DIFFICULTY"])],
        "{mentors_view}"
    );

    // Every read of a screening is in the privacy log, with who read it: the four
    // `Person.screening` reads of the table, then the mentor's read of the audit trail
    // (two screenings of one person in one request: one read, per reader, person and request).
    let log = w
        .admin(
            "query($p: ID){ screeningReads(personId:$p){ reader person { number } } }",
            json!({"p": mentee}),
        )
        .await;
    let readers: Vec<&str> = log["screeningReads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reader"].as_str().unwrap())
        .collect();
    assert_eq!(readers, ["M-1", "B-A", "C-A", "D-A", "M-1"], "{log}");
}

#[tokio::test]
async fn rights_matrix_on_sqlite() {
    rights_matrix(DbKind::Sqlite).await;
}

#[tokio::test]
async fn rights_matrix_on_postgres() {
    rights_matrix(DbKind::Postgres).await;
}

/// The next event on a socket subscribed to `eventAppended`.
async fn next(socket: &mut tests::app::Socket) -> Value {
    tests::app::next_result(socket).await["data"]["eventAppended"].clone()
}

/// `eventAppended` passes only events of the streams the caller may read, and a
/// screening's contents only to those who may read it.
async fn event_stream_is_filtered(backend: DbKind) {
    let Some((w, _db)) = world(backend).await else { return };
    const EVENTS: &str = "subscription { eventAppended { streamId kind payload } }";
    let mut outsider = w.app.subscribe(&w.app.token("O-1", false), EVENTS, json!({})).await;
    let mut mentee = w.app.subscribe(&w.app.token("T-1", false), EVENTS, json!({})).await;
    // Let both subscriptions start before anything is appended.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let (mentee_id, outsider_id) = (w.id("mentee"), w.id("outsider"));
    w.admin(CONDUCT, json!({"p": mentee_id})).await;
    w.admin(
        "mutation($p: ID!){ recordScreening(input:{personId:$p, categories:[SERIOUS_ILLNESS]}){ id } }",
        json!({"p": mentee_id}),
    )
    .await;
    w.admin(CONDUCT, json!({"p": outsider_id})).await;
    w.admin(REPORT, json!({"p": mentee_id})).await;

    // The outsider sees nothing of the mentee: the first event they get is their own.
    let first = next(&mut outsider).await;
    assert_eq!(
        (first["streamId"].as_str(), first["kind"].as_str()),
        (Some(outsider_id), Some("ConductRecorded")),
        "{first}"
    );
    // The mentee sees their own stream, the screening redacted, and not the outsider's.
    let kinds = [
        next(&mut mentee).await,
        next(&mut mentee).await,
        next(&mut mentee).await,
    ];
    assert!(kinds.iter().all(|e| e["streamId"] == mentee_id), "{kinds:?}");
    assert_eq!(kinds[0]["kind"], "ConductRecorded");
    assert_eq!(kinds[1]["kind"], "ScreeningRecorded");
    assert_eq!(kinds[1]["payload"], json!({"redacted": "ScreeningRecorded"}));
    assert_eq!(kinds[2]["kind"], "ThoughtReportSubmitted");
    // Nobody read the screening, so the privacy log is empty.
    let log = w
        .admin(
            "query($p: ID){ screeningReads(personId:$p){ reader } }",
            json!({"p": mentee_id}),
        )
        .await;
    assert_eq!(log["screeningReads"], json!([]), "{log}");
}

#[tokio::test]
async fn event_stream_is_filtered_on_sqlite() {
    event_stream_is_filtered(DbKind::Sqlite).await;
}

#[tokio::test]
async fn event_stream_is_filtered_on_postgres() {
    event_stream_is_filtered(DbKind::Postgres).await;
}
