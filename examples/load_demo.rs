//! Creates the demo tables on DynamoDB Local and loads the sessions in `demo/`.
//! `scripts/run-local.sh` runs it; by hand:
//! `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 cargo run --example load_demo -- <table> [composite|agno]`

#[path = "../tests/it/common/dynamo_local.rs"]
mod dynamo_local;

use agno_session_lambda::testing::KeyLayout;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let table = args.next().unwrap_or_else(|| "agno_sessions_demo".into());
    let layout = match args.next().as_deref() {
        None | Some("composite") => KeyLayout::Composite,
        Some("agno") => KeyLayout::Agno,
        Some(other) => panic!("layout must be 'composite' or 'agno', not '{other}'"),
    };
    let client = dynamo_local::client(&dynamo_local::endpoint());
    dynamo_local::create_table(&client, &table, layout).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    for (name, item) in dynamo_local::items_in(&dir) {
        let id = item
            .get("session_id")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        dynamo_local::put_item(&client, &table, item).await;
        println!("loaded {name}: session {id} into {table} ({layout:?})");
    }
}
