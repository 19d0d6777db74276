//! Shared by the integration tests: DynamoDB Local and Lambda events.
#![allow(dead_code)]

pub mod dynamo_local;
pub mod proxy;
pub mod tls;

use std::sync::atomic::{AtomicU32, Ordering};

use agno_session_lambda::testing::{Database, KeyLayout, SecurityKey};
use agno_session_lambda::{Config, DynamoStore, InvocationError, SessionStore, handle_event};
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_http::{Context, LambdaEvent};
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
pub type App = agno_session_lambda::App<DynamoStore>;

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

/// Where an HTTP event comes from: each source shapes the same request differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway HTTP API (payload 2.0): raw path and raw query string.
    HttpApi,
    /// Lambda Function URL: payload 2.0 as well, its own host.
    FunctionUrl,
    /// API Gateway REST API (payload 1.0) on stage `prod`: decoded parameter maps.
    RestApi,
    /// Application Load Balancer: parameters as sent (still encoded), single-valued.
    Alb,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::HttpApi,
        Source::FunctionUrl,
        Source::RestApi,
        Source::Alb,
    ];

    /// The event this source sends for `method path?query` (path and query raw, as the
    /// client wrote them).
    pub fn event(self, method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> Value {
        match self {
            Source::HttpApi => http_v2_event(method, path, query, headers),
            Source::FunctionUrl => {
                let mut event = http_v2_event(method, path, query, headers);
                event["requestContext"]["domainName"] = json!("abc.lambda-url.us-east-1.on.aws");
                event["requestContext"]["apiId"] = json!("abc");
                event
            }
            Source::RestApi => rest_v1_event(method, path, query, headers, "prod"),
            Source::Alb => alb_event(method, path, query, headers),
        }
    }
}

fn header_maps(headers: &[(&str, &str)]) -> (Value, Value) {
    let single: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let multi: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!([v])))
        .collect();
    (Value::Object(single), Value::Object(multi))
}

/// An API Gateway REST API (v1) event: parameters arrive decoded, in a last-value map
/// and an all-values map.
pub fn rest_v1_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    stage: &str,
) -> Value {
    let mut single = serde_json::Map::new();
    let mut multi = serde_json::Map::<String, Value>::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        single.insert(name.to_string(), json!(value));
        multi
            .entry(name.to_string())
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap()
            .push(json!(value));
    }
    let (headers, multi_headers) = header_maps(headers);
    let none = |m: serde_json::Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    json!({
        "resource": "/sessions/{session_id}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": none(single),
        "multiValueQueryStringParameters": none(multi),
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "httpMethod": method,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "test"},
            "path": format!("/{stage}{path}"),
            "protocol": "HTTP/1.1",
            "requestId": "test-request",
            "requestTimeEpoch": 1757088129000u64,
            "resourceId": "a1b2c3",
            "resourcePath": "/sessions/{session_id}",
            "stage": stage
        },
        "body": null,
        "isBase64Encoded": false
    })
}

/// An ALB event (multi-value headers off): query parameters as the client sent them,
/// still encoded, the last value of a repeated name.
pub fn alb_event(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> Value {
    let mut params = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(name.to_owned(), json!(value));
    }
    let (headers, _) = header_maps(headers);
    json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/sessions/6d0ecf831eec9f09"}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": params,
        "headers": headers,
        "body": "",
        "isBase64Encoded": false
    })
}

/// A store that counts the reads it passes on: proves when DynamoDB is not asked.
pub struct Counting<S> {
    pub inner: S,
    pub calls: std::sync::atomic::AtomicUsize,
}

impl<S> Counting<S> {
    pub fn new(inner: S) -> Self {
        Counting {
            inner,
            calls: Default::default(),
        }
    }

    /// Reads since the last call.
    pub fn take(&self) -> usize {
        self.calls.swap(0, Ordering::SeqCst)
    }
}

impl<S: SessionStore> SessionStore for Counting<S> {
    async fn find(
        &self,
        database: &Database,
        session_id: &str,
        session_type: Option<agno_session_lambda::SessionType>,
        owner: Option<&str>,
    ) -> Result<Option<agno_session_lambda::StoredSession>, agno_session_lambda::StoreError> {
        // One for the item, one more for a runs table (agno 3.x), read alongside.
        let reads = if database.runs_table.is_some() { 2 } else { 1 };
        self.calls.fetch_add(reads, Ordering::SeqCst);
        self.inner
            .find(database, session_id, session_type, owner)
            .await
    }

    async fn table_exists(&self, table: &str) -> Result<bool, agno_session_lambda::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.table_exists(table).await
    }
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

/// Sends a Lambda event (any source) through the entry point, as the runtime does:
/// the JSON text is read as the runtime reads it, answered by `event::handle_event`,
/// and the answer is read back from the JSON the runtime would send to Lambda.
pub async fn send<S: SessionStore>(
    app: &agno_session_lambda::App<S>,
    event: &Value,
) -> Result<Answer, InvocationError> {
    send_text(app, &event.to_string()).await
}

/// As [`send`], for event text that need not be a JSON object.
pub async fn send_text<S: SessionStore>(
    app: &agno_session_lambda::App<S>,
    event: &str,
) -> Result<Answer, InvocationError> {
    // As the runtime reads it.
    let request: LambdaRequest =
        agno_session_lambda::read_event(event.as_bytes()).expect("any JSON is a Lambda event");
    let direct = matches!(request.request_origin(), RequestOrigin::PassThrough);
    let output = handle_event(app, LambdaEvent::new(request, Context::default())).await?;
    let json: Value = serde_json::from_slice(&output.into_json().expect("the answer serializes"))
        .expect("the answer is JSON");
    if direct {
        // A direct invocation's result is the document itself.
        let text = json.to_string();
        return Ok(Answer {
            status: 200,
            headers: Default::default(),
            bytes: text.clone().into_bytes(),
            text,
        });
    }
    Ok(Answer::from_runtime_output(&json))
}

impl Answer {
    /// Reads an HTTP answer from the response JSON of any event source (API Gateway v1
    /// and v2, Function URL, ALB).
    pub fn from_runtime_output(json: &Value) -> Answer {
        let status = json["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("no statusCode in {json}")) as u16;
        let mut headers = lambda_http::http::HeaderMap::new();
        let mut add = |name: &str, value: &Value| {
            let name = lambda_http::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            let value = lambda_http::http::HeaderValue::from_str(value.as_str().unwrap()).unwrap();
            headers.append(name, value);
        };
        if let Some(map) = json["multiValueHeaders"].as_object() {
            for (name, values) in map {
                values.as_array().unwrap().iter().for_each(|v| add(name, v));
            }
        }
        if let Some(map) = json["headers"].as_object()
            && json["multiValueHeaders"]
                .as_object()
                .is_none_or(|m| m.is_empty())
        {
            map.iter().for_each(|(name, v)| add(name, v));
        }
        let body = json["body"].as_str().unwrap_or_default();
        // Compressed answers are binary, base64-encoded in the response JSON.
        let bytes = if json["isBase64Encoded"] == true {
            lambda_http::aws_lambda_events::encodings::Body::from_maybe_encoded(true, body).to_vec()
        } else {
            body.as_bytes().to_vec()
        };
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }
}

pub async fn get<S: SessionStore>(
    app: &agno_session_lambda::App<S>,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Answer {
    send(app, &http_v2_event("GET", path, query, headers))
        .await
        .expect("HTTP events never fail the invocation")
}

pub fn load_json(relative: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Captures what the service logs, formatted as `main` formats it (JSON lines).
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs `main`'s subscriber at `level` for this thread (a current-thread tokio
    /// test runs all its tasks here) until the guard is dropped.
    pub fn install(&self, level: &str) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = agno_session_lambda::testing::subscriber(
            agno_session_lambda::testing::log_filter(Some(level)),
            move || writer.clone(),
        );
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub fn take(&self) -> String {
        let text = self.text();
        self.0.lock().unwrap().clear();
        text
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
