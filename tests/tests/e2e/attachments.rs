//! Scans of signed forms through HTTP on both stores (issue 13, item 7): a PNG attached to
//! a pairing comes back byte for byte through its link, also after a restart; a PDF on a
//! person's record; a program renamed `.png` and an 11 MiB file are refused and nothing is
//! kept; who may attach and who may download.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

/// A 1×1 PNG, as an image editor writes it.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

const ATTACH: &str = "mutation($s: ID!, $file: Upload!, $c: String){ attachFile(subjectId:$s, file:$file, caption:$c){ id filename contentType size sha256 caption attachedBy downloadUrl } }";

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

async fn id(app: &TestApp, doc: &str, vars: Value, field: &str) -> Value {
    data(&app.graphql(doc, vars).await, field)["id"].clone()
}

fn refusal(body: &Value) -> (&str, &str) {
    let error = &body["errors"][0]["extensions"];
    (
        error["code"].as_str().unwrap_or(""),
        error["field"].as_str().unwrap_or(""),
    )
}

async fn attachments(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let mut app = spawn_app(&db.url).await;
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
        json!({"i": {"kind": "COLLEGE", "name": "信息学院", "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let person = |number: &str, name: &str, units: Value, stage: &str| {
        json!({"i": {"number": number, "name": name, "orgUnitIds": units, "stage": stage,
            "stageSince": "2024-03-01", "keyCultivationTarget": false}})
    };
    let mentor = id(
        &app,
        PERSON,
        person("M-1", "陈静", json!([college]), "FULL"),
        "registerPerson",
    )
    .await;
    let mentee = id(
        &app,
        PERSON,
        person("T-1", "刘洋", json!([college]), "ACTIVIST"),
        "registerPerson",
    )
    .await;
    id(
        &app,
        PERSON,
        person("T-2", "旁人", json!([school]), "NON_PARTY"),
        "registerPerson",
    )
    .await;
    let pairing = id(
        &app,
        "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }",
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee, "startsOn": "2025-09-01",
            "cadence": {"atLeast": 1, "calendar": "MONTH"}}}),
        "formPairing",
    )
    .await;
    let mentor_token = app.token("M-1", false);
    let mentee_token = app.token("T-1", false);
    let stranger = app.token("T-2", false);

    // The mentor attaches the signed 附件一 to the pairing, from a Windows path.
    let vars = json!({"s": pairing, "c": "支部书记已签字"});
    let (status, body) = app
        .upload(
            Some(&mentor_token),
            ATTACH,
            vars.clone(),
            "file",
            &[(r"C:\扫描\附件一.png", PNG)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let scan = data(&body, "attachFile").clone();
    assert_eq!(scan["filename"], "附件一.png");
    assert_eq!(scan["contentType"], "image/png");
    assert_eq!(scan["size"], PNG.len());
    assert_eq!(scan["sha256"], api::store::sha256_hex(PNG));
    assert_eq!(
        (scan["caption"].as_str(), scan["attachedBy"].as_str()),
        (Some("支部书记已签字"), Some("M-1"))
    );

    // Its link opens without a token and gives back the very bytes, typed and not sniffed.
    let link = scan["downloadUrl"].as_str().expect("a link").to_owned();
    assert!(
        link.starts_with(&format!(
            "/exports/attachments/{}?link=",
            scan["id"].as_str().unwrap_or("")
        )),
        "{link}"
    );
    let (status, headers, bytes) = app.download(&link, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(bytes, PNG);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("attachment"))
    );
    // Tampered: 401. The mentee reads the pairing, so with a token they may download it;
    // a stranger may not (403), with a token or a link of their own.
    let path = link.split_once('?').map(|(p, _)| p.to_owned()).unwrap_or_default();
    assert_eq!(app.download(&format!("{link}x"), None).await.0, 401);
    assert_eq!(app.download(&path, None).await.0, 401);
    assert_eq!(app.download(&path, Some(&mentee_token)).await.2, PNG);
    assert_eq!(app.download(&path, Some(&stranger)).await.0, 403);
    let theirs = api::signin::Actor {
        subject: "T-2".into(),
        admin: false,
    };
    assert_eq!(
        app.download(&app.keys.links().link(&theirs, &path, &[]), None).await.0,
        403
    );

    // The mentee may read the pairing but not record on it: refused, nothing kept.
    let (_, body) = app
        .upload(Some(&mentee_token), ATTACH, vars.clone(), "file", &[("mine.png", PNG)])
        .await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    // A program renamed `.png`, and a PNG of 11 MiB: refused on `file`, nothing kept.
    let program = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".repeat(40);
    let (_, body) = app
        .upload(
            Some(&mentor_token),
            ATTACH,
            vars.clone(),
            "file",
            &[("scan.png", &program)],
        )
        .await;
    assert_eq!(refusal(&body), ("BAD_INPUT", "file"), "{body}");
    let mut large = PNG.to_vec();
    large.resize(11 * 1024 * 1024, 0);
    let (status, body) = app
        .upload(
            Some(&mentor_token),
            ATTACH,
            vars.clone(),
            "file",
            &[("large.png", &large)],
        )
        .await;
    assert_eq!(
        (status.as_u16(), refusal(&body)),
        (200, ("BAD_INPUT", "file")),
        "{body}"
    );

    // A scanned PDF of 3 MiB on the mentee's record, by the mentor (who records for them).
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..3 * 1024 * 1024).map(|i: u32| (i % 251) as u8));
    let (_, body) = app
        .upload(
            Some(&mentor_token),
            ATTACH,
            json!({"s": mentee}),
            "file",
            &[("鉴定表.pdf", &pdf)],
        )
        .await;
    let review = data(&body, "attachFile").clone();
    assert_eq!(
        (review["contentType"].as_str(), review["caption"].as_str()),
        (Some("application/pdf"), None)
    );

    // The lists: one scan on the pairing (the refused ones left nothing), one on the record.
    let q = "query($p: ID!, $m: ID!){ pairing(id:$p){ attachments { id sha256 } } person(id:$m){ attachments { id filename size } } }";
    let lists = |body: Value| {
        (
            body["data"]["pairing"]["attachments"].clone(),
            body["data"]["person"]["attachments"].clone(),
        )
    };
    let (on_pairing, on_person) = lists(app.graphql(q, json!({"p": pairing, "m": mentee})).await);
    assert_eq!(on_pairing, json!([{"id": scan["id"], "sha256": scan["sha256"]}]));
    assert_eq!(
        on_person,
        json!([{"id": review["id"], "filename": "鉴定表.pdf", "size": pdf.len()}])
    );
    // A stranger sees neither list.
    let (_, body) = app
        .graphql_as(Some(&stranger), q, json!({"p": pairing, "m": mentee}))
        .await;
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");

    // After a restart both come back from the database, byte for byte.
    app = app.restart().await;
    let admin = app.token("admin", true);
    assert_eq!(app.download(&path, Some(&admin)).await.2, PNG);
    let pdf_path = format!("/exports/attachments/{}", review["id"].as_str().unwrap_or(""));
    let (status, headers, bytes) = app.download(&pdf_path, Some(&admin)).await;
    assert_eq!(
        (status, headers["content-type"].to_str().ok()),
        (200, Some("application/pdf"))
    );
    assert!(bytes == pdf, "the PDF came back changed ({} bytes)", bytes.len());
    // Retracted, a scan is no longer listed nor served.
    let retract = "mutation($e: ID!){ retractEvent(eventId:$e, reason:\"传错了\"){ id } }";
    data(&app.graphql(retract, json!({"e": scan["id"]})).await, "retractEvent");
    assert_eq!(app.download(&path, Some(&admin)).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn scans_on_sqlite() {
    attachments(DbKind::Sqlite).await;
}

#[tokio::test]
async fn scans_on_postgres() {
    attachments(DbKind::Postgres).await;
}
