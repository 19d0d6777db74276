//! DynamoDB Local through the real `aws-sdk-dynamodb` client: tables in both key
//! layouts and items in DynamoDB JSON. Shared by the integration tests and the demo
//! loader (`examples/load_demo.rs`).
#![allow(dead_code)]

use std::path::Path;

use agno_session_lambda::testing::{Item, KeyLayout, item_from_json};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// The endpoint the test script exported; tests that need DynamoDB fail without it.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect(
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with scripts/test.sh, which starts DynamoDB Local",
    )
}

/// A client for DynamoDB Local (any credentials and region do).
pub fn client(endpoint: &str) -> Client {
    client_in(endpoint, "local")
}

/// A client whose tables live apart from every other namespace's: DynamoDB Local keeps
/// one database per access key (unless started with `-sharedDb`), so tests can use
/// fixed table names (AgentOS's `?table=` names them) without meeting each other.
/// Access keys are letters and digits: anything else in `namespace` is dropped.
pub fn client_in(endpoint: &str, namespace: &str) -> Client {
    let namespace: String = namespace
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(agno_session_lambda::testing::sdk::https_client())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            namespace.as_str(),
            "local",
            None,
            None,
            "dynamodb-local",
        ))
        .build();
    Client::from_conf(config)
}

fn key(attr: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(attr)
        .key_type(kind)
        .build()
        .unwrap()
}

fn attr(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

/// Creates `name` with the given key layout (on-demand billing), replacing a table of
/// that name.
pub async fn create_table(client: &Client, name: &str, layout: KeyLayout) {
    let _ = client.delete_table().table_name(name).send().await;
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("session_id", KeyType::Hash))
        .attribute_definitions(attr("session_id", ScalarAttributeType::S));
    if layout == KeyLayout::Composite {
        request = request
            .key_schema(key("session_type", KeyType::Range))
            .attribute_definitions(attr("session_type", ScalarAttributeType::S));
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("create table {name}: {e:?}"));
}

/// An agno 3.x runs table: `run_id` key, runs by session on `session_id-created_at-index`.
pub async fn create_runs_table(client: &Client, name: &str) {
    use aws_sdk_dynamodb::types::{GlobalSecondaryIndex, Projection, ProjectionType};
    let _ = client.delete_table().table_name(name).send().await;
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("run_id", KeyType::Hash))
        .attribute_definitions(attr("run_id", ScalarAttributeType::S))
        .attribute_definitions(attr("session_id", ScalarAttributeType::S))
        .attribute_definitions(attr("created_at", ScalarAttributeType::N))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("session_id-created_at-index")
                .key_schema(key("session_id", KeyType::Hash))
                .key_schema(key("created_at", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create runs table {name}: {e:?}"));
}

pub async fn put_item(client: &Client, table: &str, item: Item) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put item into {table}: {e:?}"));
}

/// Items in DynamoDB JSON from every `*.json` file of a directory, by file name.
pub fn items_in(dir: &Path) -> Vec<(String, Item)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let item = item_from_json(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                item,
            )
        })
        .collect()
}
