//! The roster import (issue 13.1) through HTTP on both stores: `importPeople` with a
//! multipart upload — a file with wrong rows (nothing appended, each row named), a dry run,
//! a good import, the same file again, a GBK CSV — the template, the upload limits, and
//! `bangfu import people` as a child process. The files are built here: XLSX with
//! rust_xlsxwriter (a real date cell, a number typed as a number), CSV as bytes.

use reqwest::StatusCode;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

const IMPORT: &str = "mutation($u: ID!, $f: Upload!, $d: Boolean!){ importPeople(unitId: $u, file: $f, dryRun: $d){ \
    created unchanged unitsCreated dryRun errorCount errors { row column message } } }";

/// A cell of a test spreadsheet.
enum Cell {
    Text(&'static str),
    Number(f64),
    Date(u16, u8, u8),
    Empty,
}

/// A one-sheet workbook of these rows (the first is the header).
fn xlsx(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("yyyy/m/d");
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                Cell::Date(y, m, d) => {
                    let day = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet.write_date_with_format(r, c, &day, &date).unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

async fn send_files(app: &TestApp, token: &str, variables: Value, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
    app.upload(Some(token), IMPORT, variables, "f", files).await
}

/// Imports a file as the administrator; the report.
async fn import(app: &TestApp, unit: &Value, name: &str, bytes: &[u8], dry_run: bool) -> Value {
    let token = app.token("admin", true);
    let (status, body) = send_files(app, &token, json!({"u": unit, "d": dry_run}), &[(name, bytes)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["importPeople"].clone()
}

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

/// How many events the log holds.
async fn events(app: &TestApp) -> i64 {
    let body = app.graphql("{ events(first: 1){ totalCount } }", json!({})).await;
    data(&body, "events")["totalCount"].as_i64().unwrap()
}

/// Everyone in the scope, by number: (number, name, stage, stageSince, contact, email, units).
async fn people(app: &TestApp, scope: &Value) -> Vec<Value> {
    let body = app
        .graphql(
            "query($s: ID!){ people(scopeId: $s, first: 50){ nodes { number name stage stageSince keyCultivationTarget contact email orgUnits { name kind parent { id } } } } }",
            json!({"s": scope}),
        )
        .await;
    let mut nodes = data(&body, "people")["nodes"].as_array().unwrap().clone();
    nodes.sort_by(|a, b| a["number"].as_str().cmp(&b["number"].as_str()));
    nodes
}

/// A school and a college with a branch 一支部 in it; the college's id.
async fn college(app: &TestApp) -> Value {
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input: $i){ id } }";
    let school = data(
        &app.graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "大学"}}))
            .await,
        "createOrgUnit",
    )["id"]
        .clone();
    let college = data(
        &app.graphql(
            UNIT,
            json!({"i": {"kind": "COLLEGE", "name": "计算机学院", "parentId": school}}),
        )
        .await,
        "createOrgUnit",
    )["id"]
        .clone();
    data(
        &app.graphql(
            UNIT,
            json!({"i": {"kind": "BRANCH", "name": "一支部", "parentId": college}}),
        )
        .await,
        "createOrgUnit",
    );
    college
}

use Cell::{Date, Empty, Number, Text};

fn header() -> Vec<Cell> {
    [
        "学号",
        "姓名",
        "政治面貌",
        "阶段起始日期",
        "班级",
        "党支部",
        "联系方式",
        "邮箱",
        "重点培养对象",
    ]
    .into_iter()
    .map(Text)
    .collect()
}

/// Three good rows: a number typed as a number, a date cell, a new class, the existing branch.
fn good_roster() -> Vec<u8> {
    xlsx(&[
        header(),
        vec![
            Number(2023001.0),
            Text("张三"),
            Text("入党积极分子"),
            Date(2025, 9, 1),
            Text("计科2301"),
            Empty,
            Number(13800138000.0),
            Text("zs@example.edu.cn"),
            Text("是"),
        ],
        vec![Text("2023002"), Text("李四"), Text("共青团员"), Empty, Text("计科2301")],
        vec![
            Text("2023003"),
            Text("王五"),
            Text("中共党员"),
            Text("2024/6/1"),
            Empty,
            Text("一支部"),
        ],
    ])
}

async fn roster_import(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let college = college(&app).await;
    let before = events(&app).await;
    assert_eq!(before, 3);

    // A file with wrong rows: nothing appended, each named by row, column and reason.
    let bad = xlsx(&[
        vec![Text("姓名"), Text("学号"), Text("政治面貌"), Text("阶段起始日期")],
        vec![Text("甲"), Text("1"), Text("积极分子"), Empty],
        vec![Empty, Text("2")],
        vec![Text("丙"), Text("1"), Empty, Text("2999-01-01")],
        vec![Text("丁"), Text("4")],
    ]);
    let report = import(&app, &college, "坏名单.xlsx", &bad, false).await;
    assert_eq!(report["created"], 0, "{report}");
    assert_eq!(report["errorCount"], 3, "{report}");
    assert_eq!(
        report["errors"],
        json!([
            {"row": 2, "column": "政治面貌", "message": "无法识别的政治面貌“积极分子”，可填：群众、共青团员、入党申请人、入党积极分子、发展对象、预备党员、中共党员、正式党员"},
            {"row": 3, "column": "姓名", "message": "姓名不能为空"},
            {"row": 4, "column": "阶段起始日期", "message": format!("日期2999-01-01晚于今天（{}）", domain::time::local_date(chrono::Utc::now()))},
        ]),
        "{report}"
    );
    assert_eq!(events(&app).await, before, "a file with wrong rows appends nothing");
    // A number twice is wrong on the later row.
    let twice = b"\xe5\xad\xa6\xe5\x8f\xb7,\xe5\xa7\x93\xe5\x90\x8d\n7,A\n7,B\n";
    let report = import(&app, &college, "x.csv", twice, false).await;
    assert_eq!(
        report["errors"],
        json!([{"row": 3, "column": "学号", "message": "学号“7”与第2行重复"}])
    );

    // A dry run: the report as the import would be, nothing appended.
    let good = good_roster();
    let report = import(&app, &college, "名单.xlsx", &good, true).await;
    assert_eq!(
        (
            &report["created"],
            &report["unchanged"],
            &report["unitsCreated"],
            &report["dryRun"]
        ),
        (&json!(3), &json!(0), &json!(1), &json!(true)),
        "{report}"
    );
    assert_eq!(report["errors"], json!([]));
    assert_eq!(events(&app).await, before, "a dry run appends nothing");

    // The import: three registrations and one class, four events.
    let report = import(&app, &college, "名单.xlsx", &good, false).await;
    assert_eq!(
        (&report["created"], &report["unitsCreated"], &report["dryRun"]),
        (&json!(3), &json!(1), &json!(false)),
        "{report}"
    );
    assert_eq!(events(&app).await, before + 4);
    let listed = people(&app, &college).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    let zhang = &listed[0];
    assert_eq!(
        (
            &zhang["number"],
            &zhang["name"],
            &zhang["stage"],
            &zhang["stageSince"],
            &zhang["keyCultivationTarget"]
        ),
        (
            &json!("2023001"),
            &json!("张三"),
            &json!("ACTIVIST"),
            &json!("2025-09-01"),
            &json!(true)
        ),
        "{zhang}"
    );
    assert_eq!(
        (&zhang["contact"], &zhang["email"]),
        (&json!("13800138000"), &json!("zs@example.edu.cn"))
    );
    assert_eq!(zhang["orgUnits"][0]["name"], "计科2301");
    assert_eq!(zhang["orgUnits"][0]["kind"], "CLASS");
    assert_eq!(
        zhang["orgUnits"][0]["parent"]["id"], college,
        "the class is created below the unit"
    );
    assert_eq!(listed[1]["stage"], "NON_PARTY");
    assert_eq!(listed[1]["contact"], Value::Null);
    assert_eq!(listed[2]["stageSince"], "2024-06-01");
    assert_eq!(listed[2]["orgUnits"][0]["name"], "一支部");
    let children = app
        .graphql(
            "query($c: ID!){ orgUnit(id: $c){ children { name kind } } }",
            json!({"c": college}),
        )
        .await;
    assert_eq!(
        data(&children, "orgUnit")["children"],
        json!([{"name": "一支部", "kind": "BRANCH"}, {"name": "计科2301", "kind": "CLASS"}])
    );

    // The same file again: nothing appended, every row unchanged.
    let report = import(&app, &college, "名单.xlsx", &good, false).await;
    assert_eq!(
        (&report["created"], &report["unchanged"], &report["unitsCreated"]),
        (&json!(0), &json!(3), &json!(0)),
        "{report}"
    );
    assert_eq!(events(&app).await, before + 4);

    // A row that contradicts a registration is wrong.
    let other_name = "学号,姓名,政治面貌\n2023002,李肆,\n2023003,王五,发展对象\n";
    let report = import(&app, &college, "x.csv", other_name.as_bytes(), false).await;
    let columns: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["column"])
        .collect();
    assert_eq!(columns, [&json!("姓名"), &json!("政治面貌")], "{report}");

    // A GBK CSV, as Excel saves it on a Chinese Windows: one known row, two new.
    let csv = "工号,姓名,班级,邮箱\r\n2023001,张三,计科2301,zs@example.edu.cn\r\nT001,赵老师,,\r\n2023004,钱七,计科2302,qq@example.edu.cn\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err());
    let report = import(&app, &college, "名单.csv", &gbk, false).await;
    assert_eq!(
        (&report["created"], &report["unchanged"], &report["unitsCreated"]),
        (&json!(2), &json!(1), &json!(1)),
        "{report}"
    );
    let listed = people(&app, &college).await;
    let names: Vec<&str> = listed.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["张三", "李四", "王五", "钱七", "赵老师"]);
    assert_eq!(events(&app).await, before + 4 + 3);

    // Who may: a student may not import; they read their own contact, as their record.
    let student = app.token("2023001", false);
    let (_, refused) = send_files(&app, &student, json!({"u": college, "d": true}), &[("x.csv", twice)]).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    let (_, me) = app
        .graphql_as(Some(&student), "{ me { contact email } }", json!({}))
        .await;
    assert_eq!(data(&me, "me")["contact"], "13800138000", "{me}");
    app.stop().await;
}

#[tokio::test]
async fn a_roster_imports_all_or_nothing_on_sqlite() {
    roster_import(DbKind::Sqlite).await;
}

#[tokio::test]
async fn a_roster_imports_all_or_nothing_on_postgres() {
    roster_import(DbKind::Postgres).await;
}

/// What the upload path refuses, each as JSON with a code: two files, a file marker in a
/// JSON request, a body over the multipart limit, a file over the import's; and the template.
#[tokio::test]
async fn uploads_are_bounded_and_refused_as_json() {
    let Some(db) = fresh(DbKind::Sqlite).await else { return };
    let app = spawn_app(&db.url).await;
    let college = college(&app).await;
    let token = app.token("admin", true);
    let file: &[u8] = "学号,姓名\n1,甲\n".as_bytes();

    let (status, body) = send_files(
        &app,
        &token,
        json!({"u": college, "d": true}),
        &[("a.csv", file), ("b.csv", file)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}");

    // A marker async-graphql did not set would make it panic: refused before anything runs.
    for marker in ["#__graphql_file__:0", "#__graphql_file__:x"] {
        let (status, body) = app
            .graphql_as(Some(&token), IMPORT, json!({"u": college, "f": marker, "d": true}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}");
    }
    // A plain string is not a file.
    let (_, body) = app
        .graphql_as(Some(&token), IMPORT, json!({"u": college, "f": "名单.csv", "d": true}))
        .await;
    assert!(body["errors"][0]["extensions"]["code"].is_string(), "{body}");

    // Over the multipart body limit: 413 before it is read.
    let huge = vec![b'a'; api::http::MAX_UPLOAD_BODY_BYTES + 1];
    let (status, body) = send_files(&app, &token, json!({"u": college, "d": true}), &[("huge.csv", &huge)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE", "{body}");
    // Within it, but over the import's 5 MiB: BAD_INPUT on the file.
    let big = vec![b'a'; api::imports::MAX_IMPORT_BYTES + 1];
    let (_, body) = send_files(&app, &token, json!({"u": college, "d": true}), &[("big.csv", &big)]).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "file", "{body}");
    // A file that is no roster: BAD_INPUT on the file, the reason in Chinese.
    let (_, body) = send_files(
        &app,
        &token,
        json!({"u": college, "d": true}),
        &[("x.xlsx", b"PK\x03\x04junk")],
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "file", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不是可读的 XLSX 文件"),
        "{body}"
    );
    // Without a token, the multipart request is refused like any other.
    let (status, body) = app
        .upload(None, IMPORT, json!({"u": college, "d": true}), "f", &[("a.csv", file)])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // The template: a signed-in caller's, its header what the import reads.
    let url = app.url("/exports/templates/people.xlsx");
    let (status, _) = app.send(app.client.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = app.client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(workbook.sheet_names(), ["花名册", "填写说明"]);
    let sheet = workbook.worksheet_range("花名册").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "学号",
            "姓名",
            "政治面貌",
            "阶段起始日期",
            "班级",
            "党支部",
            "联系方式",
            "邮箱",
            "重点培养对象"
        ]
    );
    let help = workbook.worksheet_range("填写说明").unwrap();
    let text: Vec<String> = help.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    for value in [
        "群众",
        "共青团员",
        "入党申请人",
        "入党积极分子",
        "发展对象",
        "预备党员",
        "中共党员",
        "正式党员",
    ] {
        assert!(text.iter().any(|t| t == value), "{value} is explained");
    }
    // And the template imports as it stands (a dry run): its example row.
    let report = import(&app, &college, "people.xlsx", &bytes, true).await;
    assert_eq!(
        (&report["created"], &report["errorCount"]),
        (&json!(1), &json!(0)),
        "{report}"
    );
    app.stop().await;
}

/// `bangfu import people` on the configured database: a bad file prints its rows and exits
/// non-zero with nothing imported; a good one imports.
#[tokio::test]
async fn the_cli_imports_a_roster_or_prints_its_wrong_rows() {
    let Some(db) = fresh(DbKind::Sqlite).await else { return };
    let app = spawn_app(&db.url).await;
    let college = college(&app).await;
    app.stop().await;
    let dir = std::env::temp_dir().join(format!("bangfu-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |file: &std::path::Path, dry_run: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"));
        command
            .args(["--database-url", &db.url, "import", "people"])
            .arg(file)
            .args(["--unit", college.as_str().unwrap()])
            .env("RUST_LOG", "warn");
        if dry_run {
            command.arg("--dry-run");
        }
        command.output().expect("run bangfu import people")
    };
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "学号,姓名,政治面貌\n1,甲,\n2,,\n3,丙,党员\n").unwrap();
    let out = run(&bad, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("第3行\t姓名\t姓名不能为空"), "{stdout}");
    assert!(stdout.contains("第4行\t政治面貌\t无法识别的政治面貌“党员”"), "{stdout}");
    assert!(stderr.contains("nothing imported"), "{stderr}");

    let good = dir.join("good.xlsx");
    std::fs::write(&good, good_roster()).unwrap();
    let out = run(&good, true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("试运行"));
    let out = run(&good, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("已新登记3人"), "{stdout}");

    let app = spawn_app(&db.url).await;
    assert_eq!(people(&app, &college).await.len(), 3);
    // Three units, then one class and three people.
    assert_eq!(events(&app).await, 3 + 4);
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
