//! The roster import (issue 13.1): `cargo bench -p tests --bench import`.
//!
//! On a fresh SQLite file and a fresh PostgreSQL database, a server is started and a
//! 5,000-row roster (XLSX, written with rust_xlsxwriter as a secretary's spreadsheet would
//! be: 50 classes, 10 branches, every column filled) is sent to `importPeople` through
//! HTTP as a multipart upload: a dry run, the import (one store batch: 5,000 registrations
//! and 60 new units), and the same file again (every row unchanged). Prints each time, end
//! to end. `BANGFU_BENCH_ROWS` changes the rows (default 5,000).

use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};
use std::time::Instant;
use tests::TestDb;
use tests::app::{TestApp, spawn_app};

const IMPORT: &str = "mutation($u: ID!, $f: Upload!, $d: Boolean!){ importPeople(unitId: $u, file: $f, dryRun: $d){ \
    created unchanged unitsCreated errorCount errors { row column message } } }";

fn rows() -> usize {
    std::env::var("BANGFU_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

/// A roster of `n` people.
fn roster(n: usize) -> Vec<u8> {
    let stages = [
        "群众",
        "共青团员",
        "入党申请人",
        "入党积极分子",
        "发展对象",
        "预备党员",
        "中共党员",
    ];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "学号",
        "姓名",
        "政治面貌",
        "阶段起始日期",
        "班级",
        "党支部",
        "联系方式",
        "邮箱",
        "重点培养对象",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("a header");
    }
    for i in 0..n {
        let r = i as u32 + 1;
        let stage = stages[i % stages.len()];
        let cells = [
            format!("2025{i:06}"),
            format!("学生{i:05}"),
            stage.to_owned(),
            format!("2024/{}/{}", i % 12 + 1, i % 28 + 1),
            format!("计科{:02}班", i % 50),
            format!("第{}党支部", i % 10),
            format!("138{i:08}"),
            format!("s{i}@example.edu.cn"),
            if stage == "入党积极分子" && i % 2 == 0 {
                "是"
            } else {
                "否"
            }
            .to_owned(),
        ];
        for (c, cell) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, cell).expect("a cell");
        }
    }
    workbook.save_to_buffer().expect("the roster")
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let n = rows();
        let file = roster(n);
        println!(
            "roster import: {n} rows, {:.0} KiB of XLSX, through HTTP",
            file.len() as f64 / 1024.0
        );
        bench("sqlite", tests::fresh_sqlite().await, &file, n).await?;
        match tests::try_fresh_postgres().await {
            Ok(db) => bench("postgres", db, &file, n).await,
            Err(e) => {
                println!("postgres: skipped ({e})");
                Ok(())
            }
        }
    })
}

async fn bench(label: &str, db: TestDb, file: &[u8], n: usize) -> anyhow::Result<()> {
    let app = spawn_app(&db.url).await;
    let unit = college(&app).await?;
    let token = app.token("admin", true);
    for (what, dry_run, created, unchanged) in
        [("dry run", true, n, 0), ("import", false, n, 0), ("again", false, 0, n)]
    {
        let started = Instant::now();
        let (status, body) = app
            .upload(
                Some(&token),
                IMPORT,
                json!({"u": unit, "d": dry_run}),
                "f",
                &[("花名册.xlsx", file)],
            )
            .await;
        let elapsed = started.elapsed();
        let report = &body["data"]["importPeople"];
        anyhow::ensure!(
            status == 200 && report["created"] == created && report["unchanged"] == unchanged,
            "{what}: {status} {body}"
        );
        println!(
            "{label:>8}: {what:<8} {:>6.2} s  (created {}, unchanged {}, units created {})",
            elapsed.as_secs_f64(),
            report["created"],
            report["unchanged"],
            report["unitsCreated"]
        );
    }
    let head = app.graphql("{ events(first: 1){ totalCount } }", json!({})).await;
    anyhow::ensure!(
        head["data"]["events"]["totalCount"] == json!(2 + n + 60),
        "the log holds the units and every registration once: {head}"
    );
    app.stop().await;
    Ok(())
}

/// A school and a college; the college's id.
async fn college(app: &TestApp) -> anyhow::Result<Value> {
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input: $i){ id } }";
    let school = app
        .graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "大学"}}))
        .await;
    let school = school["data"]["createOrgUnit"]["id"].clone();
    let college = app
        .graphql(
            UNIT,
            json!({"i": {"kind": "COLLEGE", "name": "学院", "parentId": school}}),
        )
        .await;
    let id = college["data"]["createOrgUnit"]["id"].clone();
    anyhow::ensure!(id.is_string(), "{college}");
    Ok(id)
}
