//! Shared by the integration tests: DynamoDB Local and Lambda events.
#![allow(dead_code)]

pub mod dynamo_local;

use std::sync::atomic::{AtomicU32, Ordering};

use agno_session_lambda::config::{Config, Database, KeyLayout, SecurityKey};
use agno_session_lambda::invoke::InvocationError;
use agno_session_lambda::lambda;
use agno_session_lambda::store::DynamoStore;
use lambda_http::Body;
use lambda_http::request::LambdaRequest;
use serde_json::{Value, json};

/// A table name no other test (or earlier run against the same DynamoDB Local) uses.
pub fn unique_table(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A table of the given layout holding the demo sessions, and a database for it.
pub async fn demo_database(id: &str, layout: KeyLayout) -> Database {
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let table = unique_table(&format!("demo-{id}"));
    dynamo_local::create_table(&client, &table, layout).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    for (_, item) in dynamo_local::items_in(&dir) {
        dynamo_local::put_item(&client, &table, item).await;
    }
    Database {
        id: id.to_owned(),
        table,
        layout,
        runs_table: None,
    }
}

/// The service as `main` builds it, on DynamoDB Local.
pub type App = agno_session_lambda::service::App<DynamoStore>;

pub fn app(databases: Vec<Database>, security_key: Option<&str>) -> App {
    let config = Config {
        databases,
        security_key: security_key.map(SecurityKey::new),
        // EMF lines would only clutter test output (telemetry's unit tests cover them).
        metrics_namespace: None,
        ..Default::default()
    };
    App::new(
        config,
        DynamoStore::new(dynamo_local::client(&dynamo_local::endpoint())),
    )
}

/// An API Gateway HTTP API (v2) event; `path` and `query` are sent raw (encoded).
pub fn http_v2_event(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> Value {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_lowercase(), json!(v)))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": "test-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "05/Sep/2025:16:02:09 +0000",
            "timeEpoch": 1757088129000u64
        },
        "isBase64Encoded": false
    })
}

/// What a handler answered: status, headers and body (parsed as JSON where it is).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    /// The body as text (lossy for compressed bodies: see `bytes`).
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends a Lambda event (any source) through the entry point, as the runtime would.
pub async fn send(app: &App, event: &Value) -> Result<Answer, InvocationError> {
    let request: LambdaRequest = serde_json::from_value(event.clone()).expect("a Lambda event");
    let response = lambda::handle(app, request.into()).await?;
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    })
}

pub async fn get(app: &App, path: &str, query: &str, headers: &[(&str, &str)]) -> Answer {
    send(app, &http_v2_event("GET", path, query, headers))
        .await
        .expect("HTTP events never fail the invocation")
}

pub fn load_json(relative: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
}
