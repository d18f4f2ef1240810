//! The archive's files through HTTP on both stores (issue 13, items 2, 3, 5, 6): 附件一 and
//! 附件二 opened with calamine and checked against the GraphQL answers, the archive box's
//! folders, and the download links: tampered, for another path, expired, for someone
//! without the right.

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use std::io::Cursor;
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

async fn id(app: &TestApp, doc: &str, vars: Value, field: &str) -> Value {
    data(&app.graphql(doc, vars).await, field)["id"].clone()
}

fn code(body: &[u8]) -> String {
    let json: Value = serde_json::from_slice(body).unwrap_or_default();
    json["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The first sheet of an XLSX as rows of text.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn row_starting<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(first))
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("no row {first}: {rows:?}"))
}

async fn exports(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    let school = id(
        &app,
        UNIT,
        json!({"i": {"kind": "SCHOOL", "name": "示范大学"}}),
        "createOrgUnit",
    )
    .await;
    let college = id(
        &app,
        UNIT,
        json!({"i": {"kind": "COLLEGE", "name": "工业与信息学院", "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    let branch = id(
        &app,
        UNIT,
        json!({"i": {"kind": "BRANCH", "name": "学生第一党支部", "parentId": college}}),
        "createOrgUnit",
    )
    .await;
    let class = id(
        &app,
        UNIT,
        json!({"i": {"kind": "CLASS", "name": "电子2301班", "parentId": college}}),
        "createOrgUnit",
    )
    .await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let person = |number: &str, name: &str, units: Value, stage: &str, key: bool| {
        json!({"i": {"number": number, "name": name, "orgUnitIds": units, "stage": stage,
            "stageSince": "2024-03-01", "keyCultivationTarget": key}})
    };
    let mentor = id(
        &app,
        PERSON,
        person("M-1", "陈静", json!([college, branch]), "FULL", false),
        "registerPerson",
    )
    .await;
    let mut mentee_input = person("T-1", "刘洋", json!([college, class]), "ACTIVIST", true);
    mentee_input["i"]["contact"] = json!("13800138000");
    let mentee = id(&app, PERSON, mentee_input, "registerPerson").await;
    id(
        &app,
        PERSON,
        person("T-2", "旁人", json!([school]), "NON_PARTY", false),
        "registerPerson",
    )
    .await;
    const FORM: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
    let pairing = id(
        &app,
        FORM,
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee, "startsOn": "2025-09-01",
            "cadence": {"atLeast": 1, "calendar": "MONTH"}, "situation": "学习动力不足"}}),
        "formPairing",
    )
    .await;
    // Five contacts in term 1: the form prints five blocks (at least four).
    const CONTACT: &str = "mutation($p: ID!, $t: DateTime!, $f: ContactForm!){ recordContact(input:{pairingId:$p, occurredAt:$t, form:$f, place:\"图书馆\", effect:\"明确了学习计划\"}){ id } }";
    for (t, f) in [
        ("2025-09-05T19:00:00+08:00", "FACE_TO_FACE"),
        ("2025-10-08T10:00:00+08:00", "DORM_VISIT"),
        ("2025-11-03T10:00:00+08:00", "PHONE"),
        ("2025-12-01T10:00:00+08:00", "ONLINE"),
        ("2026-01-05T10:00:00+08:00", "CLASS_VISIT"),
    ] {
        data(
            &app.graphql(CONTACT, json!({"p": pairing, "t": t, "f": f})).await,
            "recordContact",
        );
    }
    let monthly = "mutation($p: ID!){ submitMonthlyRecord(pairingId:$p, month:\"2025-10\"){ id } }";
    data(
        &app.graphql(monthly, json!({"p": pairing})).await,
        "submitMonthlyRecord",
    );
    let opinion =
        "mutation($p: ID!){ giveBranchOpinion(pairingId:$p, month:\"2025-10\", opinion:\"交流及时，效果良好\"){ id } }";
    data(&app.graphql(opinion, json!({"p": pairing})).await, "giveBranchOpinion");

    // 附件一 through its link, no token: the cells say what GraphQL says.
    let q = "query($p: ID!){ pairing(id:$p){ recordFormUrl(period:\"2025-2026-1\") mentors { name } mentee { name } contacts { form } } }";
    let body = app.graphql(q, json!({"p": pairing})).await;
    let answer = data(&body, "pairing");
    let link = answer["recordFormUrl"].as_str().expect("a link").to_owned();
    assert!(
        link.starts_with(&format!(
            "/exports/pairings/{}/record.xlsx?period=2025-2026-1&link=",
            pairing.as_str().unwrap_or("")
        )),
        "{link}"
    );
    let (status, headers, bytes) = app.download(&link, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert!(
        headers[reqwest::header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.contains("spreadsheetml"))
    );
    let rows = cells(&bytes);
    let people = row_starting(&rows, "党员姓名");
    assert_eq!(people[1], answer["mentors"][0]["name"].as_str().unwrap_or(""));
    assert_eq!(people[3], answer["mentee"]["name"].as_str().unwrap_or(""));
    let branch_row = row_starting(&rows, "党员所在支部");
    assert_eq!(branch_row[1], "学生第一党支部");
    // 帮扶对象联系方式: the mentee's contact, which the link's owner (an administrator) may read.
    assert_eq!(
        (branch_row[2].as_str(), branch_row[3].as_str()),
        ("帮扶对象联系方式", "13800138000")
    );
    assert_eq!(row_starting(&rows, "帮扶前具体情况")[1], "学习动力不足");
    let first = row_starting(&rows, "第一次");
    assert_eq!((first[1].as_str(), first[2].as_str()), ("2025-09-05 19:00", "面对面"));
    assert_eq!((first[3].as_str(), first[4].as_str()), ("明确了学习计划", "图书馆"));
    assert_eq!(row_starting(&rows, "第二次")[2], "走访宿舍");
    assert_eq!(row_starting(&rows, "第五次")[2], "下课堂听课");
    assert!(row_starting(&rows, "党支部意见")[1].contains("2025-10：交流及时，效果良好"));
    assert!(
        rows.iter()
            .any(|r| r.first().is_some_and(|c| c.starts_with("支部书记签名")))
    );

    // The same file with a bearer token and no link.
    let path = link.split_once("&link=").map(|(p, _)| p.to_owned()).unwrap_or_default();
    let admin = app.token("admin", true);
    assert_eq!(app.download(&path, Some(&admin)).await.0, 200);
    assert_eq!(app.download(&path, None).await.0, 401);
    // Tampered: 401. The token on another pairing's path: 403. Expired: 401.
    let tampered = format!("{}x", link);
    let (status, _, body) = app.download(&tampered, None).await;
    assert_eq!((status, code(&body).as_str()), (401, "UNAUTHENTICATED"));
    let elsewhere = link.replace(pairing.as_str().unwrap_or(""), mentee.as_str().unwrap_or(""));
    let (status, _, body) = app.download(&elsewhere, None).await;
    assert_eq!((status, code(&body).as_str()), (403, "FORBIDDEN"));
    let admin_actor = api::signin::Actor {
        subject: "admin".into(),
        admin: true,
    };
    let pairing_path = format!("/exports/pairings/{}/record.xlsx", pairing.as_str().unwrap_or(""));
    let expired = app
        .keys
        .links()
        .link_until(&admin_actor, &pairing_path, &[("period", "2025-2026-1")], 1);
    let (status, _, body) = app.download(&expired, None).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (401, "UNAUTHENTICATED"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // Someone without the right to read the pairing: refused with a token, and with a
    // link of their own.
    let stranger = app.token("T-2", false);
    let (status, _, body) = app.download(&path, Some(&stranger)).await;
    assert_eq!((status, code(&body).as_str()), (403, "FORBIDDEN"));
    let theirs = api::signin::Actor {
        subject: "T-2".into(),
        admin: false,
    };
    let their_link = app
        .keys
        .links()
        .link(&theirs, &pairing_path, &[("period", "2025-2026-1")]);
    assert_eq!(app.download(&their_link, None).await.0, 403);
    // A bad period names the field.
    let bad = format!("{pairing_path}?period=2025-2027");
    let (status, _, body) = app.download(&bad, Some(&admin)).await;
    assert_eq!((status, code(&body).as_str()), (400, "BAD_INPUT"));

    // 附件二: one row per item, the total as GraphQL computes it.
    let eval = "mutation($p: ID!){ recordEvaluation(input:{personId:$p, rubric:\"key-target-100\", period:\"2025-2026\", itemKey:\"political_stance\", evaluator:BRANCH, score:4.5}){ id } }";
    data(&app.graphql(eval, json!({"p": mentee})).await, "recordEvaluation");
    let q = "query($p: ID!){ assessment(personId:$p, rubric:\"key-target-100\", period:\"2025-2026\"){ total formUrl items { title computed } } }";
    let body = app.graphql(q, json!({"p": mentee})).await;
    let answer = data(&body, "assessment");
    let link = answer["formUrl"].as_str().expect("a link").to_owned();
    let (status, _, bytes) = app.download(&link, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let rows = cells(&bytes);
    assert!(
        rows[1][0].contains("班级：电子2301班")
            && rows[1][0].contains("姓名：刘洋")
            && rows[1][0].contains("学号：T-1")
    );
    assert_eq!(
        rows[2],
        [
            "项目",
            "考评内容",
            "分值",
            "评分标准",
            "得分",
            "自评",
            "组织部考评",
            "支部考评"
        ]
    );
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let row = &rows[3 + i];
        assert_eq!(row[1], item["title"].as_str().unwrap_or(""), "{row:?}");
        assert_eq!(row[4].parse::<f64>().ok(), item["computed"].as_f64(), "{row:?}");
    }
    let stance = row_starting(&rows, "思想素质");
    assert_eq!(stance[7], "4.5");
    let total = row_starting(&rows, "总分");
    assert_eq!(total[4].parse::<f64>().ok(), answer["total"].as_f64());

    // The archive box of the college: 附件一 by branch, 附件二 by class.
    let q = "query($u: ID!){ orgUnit(id:$u){ archiveUrl(period:\"2025-2026\") } }";
    let body = app.graphql(q, json!({"u": college})).await;
    let link = data(&body, "orgUnit")["archiveUrl"]
        .as_str()
        .expect("a link")
        .to_owned();
    let (status, headers, bytes) = app.download(&link, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers[reqwest::header::CONTENT_TYPE], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    assert_eq!(
        names,
        [
            "附件一/学生第一党支部/陈静—刘洋.xlsx",
            "附件二/电子2301班/T-1 刘洋.xlsx",
            "统计.xlsx"
        ],
        "{names:?}"
    );
    let mut form = Vec::new();
    std::io::copy(
        &mut zip.by_name("附件二/电子2301班/T-1 刘洋.xlsx").expect("the form"),
        &mut form,
    )
    .expect("readable");
    assert_eq!(
        row_starting(&cells(&form), "总分")[4].parse::<f64>().ok(),
        answer["total"].as_f64()
    );
    // Statistics of the college for 2025-2026 (as of its last day, 31 Aug 2026), by hand:
    // 陈静 full and 刘洋 an activist (旁人 is in the school, not the college); 刘洋 contacted;
    // 5 contacts; no reports, stage changes or service; the pairing owed every whole month
    // from September to August, 12 (no vacations), with one record and one opinion.
    let q = "query($u: ID!){ statistics(scopeId:$u, period:\"2025-2026\"){ asOf peopleByStage { stage count } activists activistsContacted contacts thoughtReports newProbationary becameFullOnTime volunteerHours monthlyRecordsDue monthlyRecordsSubmitted branchOpinions sheetUrl byUnit { unit { name } activists contacts activistsContacted } } }";
    let body = app.graphql(q, json!({"u": college})).await;
    let st = data(&body, "statistics");
    assert_eq!(st["asOf"], "2026-08-31", "{body}");
    assert_eq!(
        st["peopleByStage"],
        json!([{"stage": "ACTIVIST", "count": 1}, {"stage": "FULL", "count": 1}])
    );
    let figures: Vec<i64> = [
        "activists",
        "activistsContacted",
        "contacts",
        "thoughtReports",
        "newProbationary",
        "becameFullOnTime",
        "monthlyRecordsDue",
        "monthlyRecordsSubmitted",
        "branchOpinions",
    ]
    .iter()
    .map(|k| st[*k].as_i64().unwrap_or(-1))
    .collect();
    assert_eq!(figures, [1, 1, 5, 0, 0, 0, 12, 1, 1], "{body}");
    // By unit, in creation order: the branch holds the mentor (the pairing, through its
    // mentor: 5 contacts, no activist); the class holds 刘洋.
    assert_eq!(
        st["byUnit"],
        json!([
            {"unit": {"name": "学生第一党支部"}, "activists": 0, "contacts": 5, "activistsContacted": 0},
            {"unit": {"name": "电子2301班"}, "activists": 1, "contacts": 5, "activistsContacted": 1}
        ]),
        "{body}"
    );
    let (status, _, bytes) = app.download(st["sheetUrl"].as_str().unwrap_or(""), None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let rows = cells(&bytes);
    let total = row_starting(&rows, "合计");
    let header = &rows[2];
    let column = |name: &str| header.iter().position(|h| h == name).expect("a column");
    assert_eq!(total[column("谈话次数")], "5");
    assert_eq!(total[column("应交记录表")], "12");
    assert_eq!(row_starting(&rows, "电子2301班")[column("入党积极分子")], "1");
    let (_, body) = app.graphql_as(Some(&stranger), q, json!({"u": college})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");

    // key-target-100 takes academic years and terms, not a calendar year: as `assessment`.
    let calendar = format!(
        "/exports/people/{}/assessment.xlsx?period=2026",
        mentee.as_str().unwrap_or("")
    );
    let (status, _, body) = app.download(&calendar, Some(&admin)).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (400, "BAD_INPUT"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // OrgUnit.statisticsUrl opens the same sheet.
    let q2 = "query($u: ID!){ orgUnit(id:$u){ statisticsUrl(period:\"2025-2026\") } }";
    let body = app.graphql(q2, json!({"u": college})).await;
    let link = data(&body, "orgUnit")["statisticsUrl"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let (status, _, bytes) = app.download(&link, None).await;
    assert_eq!(status, 200);
    assert_eq!(row_starting(&cells(&bytes), "合计")[column("谈话次数")], "5");

    // The box's link is the caller's; a student may not have one for the college.
    let student = app.token("T-1", false);
    let (_, body) = app.graphql_as(Some(&student), q, json!({"u": college})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn forms_and_the_archive_box_on_sqlite() {
    exports(DbKind::Sqlite).await;
}

#[tokio::test]
async fn forms_and_the_archive_box_on_postgres() {
    exports(DbKind::Postgres).await;
}
