//! `schema.graphql` is what the server serves: `bangfu export-schema` output, byte for byte.

#[test]
fn schema_graphql_is_the_exported_sdl() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql at the workspace root");
    let exported = api::graphql::sdl();
    assert!(
        committed == exported,
        "schema.graphql drifted from the server's schema: run `cargo run -p api -- export-schema > schema.graphql`"
    );
}
