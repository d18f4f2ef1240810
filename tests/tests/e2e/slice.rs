//! The first vertical slice through HTTP: createOrgUnit, orgUnit with parent and children,
//! the audit trail, errors with a code; and a restart keeps everything.

use serde_json::json;
use tests::app::spawn_app;
use tests::{DbKind, fresh};

const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id name kind } }";

async fn slice(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let school = app
        .graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "示范大学"}}))
        .await;
    let school = school["data"]["createOrgUnit"]["id"]
        .as_str()
        .expect("a school")
        .to_owned();
    let college = app
        .graphql(
            UNIT,
            json!({"i": {"kind": "COLLEGE", "name": "工业与信息学院", "parentId": school}}),
        )
        .await;
    assert_eq!(college["data"]["createOrgUnit"]["kind"], "COLLEGE", "{college}");
    let college = college["data"]["createOrgUnit"]["id"].as_str().unwrap().to_owned();

    let missing_parent = app
        .graphql(
            UNIT,
            json!({"i": {"kind": "BRANCH", "name": "支部", "parentId": "00000000-0000-7000-8000-000000000000"}}),
        )
        .await;
    assert_eq!(
        missing_parent["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{missing_parent}"
    );
    let blank = app
        .graphql(
            UNIT,
            json!({"i": {"kind": "BRANCH", "name": "  ", "parentId": college}}),
        )
        .await;
    assert_eq!(blank["errors"][0]["extensions"]["code"], "BAD_INPUT", "{blank}");
    assert_eq!(blank["errors"][0]["extensions"]["field"], "name", "{blank}");

    let tree = "query($s: ID!){ orgUnit(id:$s){ name children { id name parent { id } } } }";
    let events = "{ events(first: 10){ nodes { kind streamId position payload actorId retracted } pageInfo { hasNextPage endCursor } } }";
    let check = |app_tree: serde_json::Value, app_events: serde_json::Value| {
        assert_eq!(
            app_tree["data"]["orgUnit"]["children"][0]["id"],
            json!(college),
            "{app_tree}"
        );
        assert_eq!(
            app_tree["data"]["orgUnit"]["children"][0]["parent"]["id"],
            json!(school),
            "{app_tree}"
        );
        let nodes = app_events["data"]["events"]["nodes"].as_array().expect("events");
        // Two units created; the refused ones appended nothing.
        assert_eq!(nodes.len(), 2, "{app_events}");
        assert_eq!(nodes[0]["kind"], "OrgUnitCreated");
        assert_eq!(nodes[0]["position"], "1");
        assert_eq!(nodes[1]["payload"]["name"], "工业与信息学院");
        assert_eq!(nodes[1]["payload"]["parentId"], json!(school));
        assert_eq!(nodes[1]["actorId"], "admin");
        assert_eq!(nodes[1]["retracted"], false);
        assert_eq!(app_events["data"]["events"]["pageInfo"]["hasNextPage"], false);
    };
    check(
        app.graphql(tree, json!({"s": school})).await,
        app.graphql(events, json!({})).await,
    );

    let app = app.restart().await;
    check(
        app.graphql(tree, json!({"s": school})).await,
        app.graphql(events, json!({})).await,
    );
    app.stop().await;
}

#[tokio::test]
async fn the_slice_on_sqlite() {
    slice(DbKind::Sqlite).await;
}

#[tokio::test]
async fn the_slice_on_postgres() {
    slice(DbKind::Postgres).await;
}
