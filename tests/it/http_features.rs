//! What this service adds to AgentOS's endpoint, end to end on DynamoDB Local:
//! ETags and 304, compression, CORS, OpenAPI, `Cache-Control`.

use std::io::Read;

use crate::common::{
    Answer, Source, app, demo_database, dynamo_local, get, http_v2_event, load_json, send,
};
use agno_session_lambda::testing::{CorsSettings, KeyLayout};
use agno_session_lambda::{App, Config, DynamoStore};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

const SEED_PATH: &str = "/sessions/6f6cfbfd-9643-479a-ae47-b8f32eb4d710";

#[tokio::test]
async fn etag_and_if_none_match() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        None,
    );
    let first = get(&app, SEED_PATH, "", &[]).await;
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let again = get(&app, SEED_PATH, "", &[("if-none-match", &etag)]).await;
    assert_eq!((again.status, again.text.as_str()), (304, ""));
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    let stale = get(
        &app,
        SEED_PATH,
        "",
        &[("if-none-match", "\"0000000000000000-1\"")],
    )
    .await;
    assert_eq!(stale.status, 200);

    // Another document has another tag.
    let team = get(&app, "/sessions/team-demo-1", "type=team", &[]).await;
    assert_ne!(team.header("etag"), Some(etag.as_str()));
    // Errors carry no ETag.
    assert!(
        get(&app, "/sessions/none", "", &[])
            .await
            .header("etag")
            .is_none()
    );
}

#[tokio::test]
async fn compression_when_accepted() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        None,
    );
    let plain = get(&app, SEED_PATH, "", &[]).await;
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));

    let gzip = get(&app, SEED_PATH, "", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.status, 200);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gzip.bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, plain.text);
    assert!(
        gzip.bytes.len() < plain.bytes.len() / 2,
        "{} vs {}",
        gzip.bytes.len(),
        plain.bytes.len()
    );
    assert_ne!(
        gzip.header("etag"),
        plain.header("etag"),
        "a compressed representation has its own tag"
    );

    let br = get(
        &app,
        SEED_PATH,
        "",
        &[("accept-encoding", "br;q=1, gzip;q=0.5")],
    )
    .await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    let mut back = Vec::new();
    brotli::BrotliDecompress(&mut &br.bytes[..], &mut back).unwrap();
    assert_eq!(back, plain.bytes);

    // The ETag of the plain document still validates a compressed answer.
    let revalidated = get(
        &app,
        SEED_PATH,
        "",
        &[
            ("accept-encoding", "gzip"),
            ("if-none-match", gzip.header("etag").unwrap()),
        ],
    )
    .await;
    assert_eq!(revalidated.status, 304);
    // ...and the 304 names the representation a 200 would have sent: the compressed
    // variant's tag, and `Vary`, so caches keep the variants apart.
    assert_eq!(revalidated.header("etag"), gzip.header("etag"));
    assert_eq!(revalidated.header("vary"), Some("Accept-Encoding"));
    let plain_revalidated = get(
        &app,
        SEED_PATH,
        "",
        &[("if-none-match", gzip.header("etag").unwrap())],
    )
    .await;
    assert_eq!(plain_revalidated.status, 304);
    assert_eq!(plain_revalidated.header("etag"), plain.header("etag"));

    // REST API (v1) events are not compressed: they would need binary media types.
    let mut v1 = load_json("events/apigw-rest-v1.json");
    v1["headers"]["Accept-Encoding"] = json!("gzip");
    let answer = send(&app, &v1).await.unwrap();
    assert_eq!(
        (answer.status, answer.header("content-encoding")),
        (200, None)
    );
}

fn with_config(
    config: impl FnOnce(&mut Config),
    database: agno_session_lambda::testing::Database,
) -> App<DynamoStore> {
    let mut c = Config {
        databases: vec![database],
        ..Default::default()
    };
    config(&mut c);
    App::new(
        c,
        DynamoStore::new(dynamo_local::client(&dynamo_local::endpoint())),
    )
}

#[tokio::test]
async fn cors_when_configured() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    // Off by default: an OPTIONS preflight is a method this API does not serve.
    let off = app(vec![database.clone()], None);
    let preflight = |origin: &str| {
        http_v2_event(
            "OPTIONS",
            SEED_PATH,
            "",
            &[
                ("origin", origin),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "authorization"),
            ],
        )
    };
    let answer = send(&off, &preflight("https://app.example")).await.unwrap();
    assert_eq!(answer.status, 405);
    assert!(answer.header("access-control-allow-origin").is_none());

    let on = with_config(
        |c| {
            c.cors = Some(CorsSettings {
                allow_origins: vec!["https://app.example".into()],
                allow_headers: vec!["authorization".into()],
                allow_credentials: false,
                max_age: 300,
            })
        },
        database,
    );
    let answer = send(&on, &preflight("https://app.example")).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(answer.header("access-control-max-age"), Some("300"));
    let refused = send(&on, &preflight("https://evil.example")).await.unwrap();
    assert_eq!(
        (refused.status, refused.text.as_str()),
        (400, "Disallowed CORS origin")
    );

    let answer = get(&on, SEED_PATH, "", &[("origin", "https://app.example")]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    // One Vary header: API Gateway HTTP APIs keep one value per header name.
    let vary: Vec<&str> = answer
        .header("vary")
        .unwrap_or_default()
        .split(", ")
        .collect();
    assert!(
        vary.contains(&"Origin") && vary.contains(&"Accept-Encoding"),
        "{vary:?}"
    );
}

#[tokio::test]
async fn authenticated_answers_are_not_cached() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Agno).await],
        Some("k"),
    );
    for headers in [&[][..], &[("authorization", "Bearer k")][..]] {
        let answer = get(&app, SEED_PATH, "", headers).await;
        assert_eq!(
            answer.header("cache-control"),
            Some("no-store"),
            "{}",
            answer.status
        );
    }
}

/// `GET /openapi.json` is AgentOS's own description of the endpoint, and the answers
/// the service gives validate against it.
#[tokio::test]
async fn openapi_describes_the_answers() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        Some("k"),
    );
    let served = get(&app, "/openapi.json", "", &[]).await;
    assert_eq!(served.status, 200, "the description needs no token");
    let openapi = served.json();
    assert_eq!(openapi, load_json("openapi.json"));
    let operation = &openapi["paths"]["/sessions/{session_id}"]["get"];
    assert_eq!(operation["operationId"], "get_session_by_id");
    let names: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["session_id", "type", "user_id", "db_id"]);

    let auth = [("authorization", "Bearer k")];
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let requests: [(&str, &str, Headers); 8] = [
        (SEED_PATH, "", &auth),
        ("/sessions/team-demo-1", "type=team", &auth),
        ("/sessions/workflow-demo-1", "type=workflow", &auth),
        ("/sessions/nope", "", &auth),
        (SEED_PATH, "db_id=other", &auth),
        (SEED_PATH, "", &[]),
        (SEED_PATH, "type=bogus", &auth),
        (SEED_PATH, "type=team", &auth),
    ];
    let mut statuses = Vec::new();
    for (path, query, headers) in requests {
        let answer = get(&app, path, query, headers).await;
        let declared = &operation["responses"][answer.status.to_string()];
        assert!(
            declared.is_object(),
            "status {} is not described",
            answer.status
        );
        let schema = &declared["content"]["application/json"]["schema"];
        if answer.status == 422 {
            // AgentOS declares `detail` a string for 422, but FastAPI answers its list of
            // errors (as AgentOS does): check the shape FastAPI documents instead.
            assert!(answer.json()["detail"].is_array());
        } else if let Err(problem) = validate(&answer.json(), schema, &openapi) {
            panic!("{path}?{query} ({}): {problem}", answer.status);
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses, [200, 200, 200, 404, 404, 401, 422, 404]);
}

/// Validates `value` against the JSON Schema subset OpenAPI 3.1 documents from FastAPI
/// use: `$ref`, `anyOf`, `type`, `properties`, `required`, `items`, `enum`.
pub(crate) fn validate(value: &Value, schema: &Value, root: &Value) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return validate(value, &root["components"]["schemas"][name], root);
    }
    if let Some(options) = schema["anyOf"].as_array() {
        return if options.iter().any(|o| validate(value, o, root).is_ok()) {
            Ok(())
        } else {
            Err(format!(
                "{value} matches none of {}",
                Value::Array(options.clone())
            ))
        };
    }
    if let Some(kind) = schema["type"].as_str() {
        let ok = match kind {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => true,
        };
        if !ok {
            return Err(format!("{value} is not of type {kind}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{value} is not one of {allowed:?}"));
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if value.get(name).is_none() {
            return Err(format!("required field {name} is missing"));
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, property) in properties {
            if let Some(field) = object.get(name) {
                validate(field, property, root).map_err(|e| format!("{name}: {e}"))?;
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            validate(item, items, root).map_err(|e| format!("[{i}]: {e}"))?;
        }
    }
    Ok(())
}

/// The runtime's answer for `event`, as the JSON text it sends to Lambda.
async fn runtime_output(app: &crate::common::App, event: &Value) -> String {
    let request: lambda_http::request::LambdaRequest =
        serde_json::from_value(event.clone()).unwrap();
    let output = agno_session_lambda::handle_event(
        app,
        lambda_http::LambdaEvent::new(request, lambda_http::Context::default()),
    )
    .await
    .unwrap();
    String::from_utf8(output.into_json().unwrap()).unwrap()
}

/// A 390 KB item whose first user message is 195,000 `"` renders to ~780 KB, which the
/// Lambda response escapes to ~1.56 MB: over an ALB's 1 MB, inside Lambda's 6 MB. Each
/// source gets an answer it can carry: compressed when the client accepts it, otherwise
/// a clear error (ALB), or the document as it is (HTTP API, direct invocation).
#[tokio::test]
async fn answers_fit_their_event_source() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let quotes = "\"".repeat(195_000);
    let runs = json!([{"run_id": "r1", "messages": [{"role": "user", "content": quotes}]}]);
    let item = [
        ("session_id", "quotes"),
        ("session_type", "agent"),
        ("runs", &runs.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
    .collect();
    dynamo_local::put_item(&client, &database.table, item).await;
    let app = app(vec![database], None);

    let alb = |headers: &[(&str, &str)]| Source::Alb.event("GET", "/sessions/quotes", "", headers);
    let plain = runtime_output(&app, &alb(&[])).await;
    let answer = Answer::from_runtime_output(&serde_json::from_str(&plain).unwrap());
    assert_eq!(answer.status, 500, "{:.300}", answer.text);
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("Accept-Encoding"), "{detail}");

    let compressed = runtime_output(&app, &alb(&[("accept-encoding", "gzip")])).await;
    assert!(
        compressed.len() <= 1024 * 1024,
        "{} bytes",
        compressed.len()
    );
    let answer = Answer::from_runtime_output(&serde_json::from_str(&compressed).unwrap());
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-encoding"), Some("gzip"));

    let v2 = runtime_output(
        &app,
        &Source::HttpApi.event("GET", "/sessions/quotes", "", &[]),
    )
    .await;
    assert!(
        v2.len() > 1024 * 1024 && v2.len() <= 6 * 1024 * 1024,
        "{}",
        v2.len()
    );
    let document = Answer::from_runtime_output(&serde_json::from_str(&v2).unwrap());
    assert_eq!(document.status, 200);
    let mut decompressed = Vec::new();
    flate2::read::GzDecoder::new(&answer.bytes[..])
        .read_to_end(&mut decompressed)
        .unwrap();
    assert_eq!(decompressed, document.bytes);
    assert_eq!(document.json()["chat_history"][0]["content"], json!(quotes));
}
