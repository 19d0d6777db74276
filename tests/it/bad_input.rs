//! Bad input through the real entry point (`event::handle_event`, which calls
//! `dispatch`), from every HTTP event source, on DynamoDB Local: a table of cases,
//! then generated requests checked against a model of AgentOS's routing. The store is
//! wrapped in a counter, to prove which requests never reach DynamoDB.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{Answer, Counting, Source, demo_database, dynamo_local, send, send_text};
use agno_session_lambda::testing::{KeyLayout, MAX_SESSION_ID_BYTES};
use agno_session_lambda::{App, Config, DynamoStore};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Value, json};

const SEED: &str = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710";

type CountingApp = App<Counting<DynamoStore>>;

async fn counting_app(layout: KeyLayout) -> CountingApp {
    let database = demo_database("demo", layout).await;
    let config = Config {
        databases: vec![database],
        metrics_namespace: None,
        ..Default::default()
    };
    let store = DynamoStore::new(dynamo_local::client(&dynamo_local::endpoint()));
    App::new(config, Counting::new(store))
}

async fn ask(app: &CountingApp, source: Source, method: &str, path: &str, query: &str) -> Answer {
    send(app, &source.event(method, path, query, &[]))
        .await
        .unwrap_or_else(|e| panic!("{source:?} {method} {path}?{query}: function error {e}"))
}

fn not_found(kind: &str, id: &str) -> Value {
    json!({ "detail": format!("{kind} Session with id '{id}' not found") })
}

fn enum_error(input: &str) -> Value {
    json!({"detail": [{"type": "enum", "loc": ["query", "type"],
        "msg": "Input should be 'agent', 'team' or 'workflow'", "input": input,
        "ctx": {"expected": "'agent', 'team' or 'workflow'"}}]})
}

/// One case: request, expected status and body, and whether DynamoDB is asked.
struct Case {
    method: &'static str,
    path: String,
    query: String,
    status: u16,
    body: Option<Value>,
    reads: usize,
    /// Where an ALB answers otherwise: with multi-value headers off (the default) it
    /// passes only the last value of a repeated parameter.
    alb: Option<(u16, usize)>,
}

fn case(
    path: impl Into<String>,
    query: &str,
    status: u16,
    body: Option<Value>,
    reads: usize,
) -> Case {
    Case {
        method: "GET",
        path: path.into(),
        query: query.into(),
        status,
        body,
        reads,
        alb: None,
    }
}

fn cases() -> Vec<Case> {
    let seed = format!("/sessions/{SEED}");
    let long = "a".repeat(MAX_SESSION_ID_BYTES + 1);
    let longest = "b".repeat(MAX_SESSION_ID_BYTES);
    // 1025 two-byte characters: 2050 bytes in 1025 characters.
    let long_chars = "%C3%A9".repeat(1025);
    let route_not_found = Some(json!({"detail": "Not Found"}));
    let mut cases = vec![
        // Session ids: empty, whitespace, encoded, control characters, traversal.
        case("/sessions/", "", 307, None, 0),
        case("/sessions/%20", "", 404, Some(not_found("Agent", " ")), 1),
        case(
            "/sessions/%09%0A",
            "",
            404,
            Some(not_found("Agent", "\t\n")),
            1,
        ),
        case(
            "/sessions/caf%C3%A9",
            "",
            404,
            Some(not_found("Agent", "café")),
            1,
        ),
        case(
            "/sessions/%FF%FE",
            "",
            404,
            Some(not_found("Agent", "\u{FFFD}\u{FFFD}")),
            1,
        ),
        case(
            "/sessions/%C3",
            "",
            404,
            Some(not_found("Agent", "\u{FFFD}")),
            1,
        ),
        case("/sessions/%00", "", 404, Some(not_found("Agent", "\0")), 1),
        case(
            "/sessions/a\u{1}b",
            "",
            404,
            Some(not_found("Agent", "a\u{1}b")),
            1,
        ),
        case("/sessions/%zz", "", 404, Some(not_found("Agent", "%zz")), 1),
        case("/sessions/..", "", 404, Some(not_found("Agent", "..")), 1),
        case(
            "/sessions/%2e%2e",
            "",
            404,
            Some(not_found("Agent", "..")),
            1,
        ),
        case(
            "/sessions/../etc/passwd",
            "",
            404,
            route_not_found.clone(),
            0,
        ),
        case(
            "/sessions/..%2Fetc%2Fpasswd",
            "",
            404,
            route_not_found.clone(),
            0,
        ),
        case(
            "/sessions/..%5Cetc",
            "",
            404,
            Some(not_found("Agent", "..\\etc")),
            1,
        ),
        // Over DynamoDB's 2048-byte key limit: not found, without asking DynamoDB.
        case(
            format!("/sessions/{long}"),
            "",
            404,
            Some(not_found("Agent", &long)),
            0,
        ),
        case(
            format!("/sessions/{long_chars}"),
            "",
            404,
            Some(not_found("Agent", &"é".repeat(1025))),
            0,
        ),
        case(
            format!("/sessions/{longest}"),
            "",
            404,
            Some(not_found("Agent", &longest)),
            1,
        ),
        // Query parameters: case, empty values, repeats (the last wins), unknown names.
        case(&seed, "type=Agent", 422, Some(enum_error("Agent")), 0),
        case(&seed, "type=", 422, Some(enum_error("")), 0),
        case(&seed, "type=agent%00", 422, Some(enum_error("agent\0")), 0),
        case(
            &seed,
            "type=agent&type=team",
            404,
            Some(not_found("Team", SEED)),
            1,
        ),
        case(&seed, "type=team&type=agent", 200, None, 1),
        case(&seed, "TYPE=team&Type=team", 200, None, 1),
        case(&seed, "db_id=&user_id=", 200, None, 1),
        case(&seed, "db_id=demo&db_id=", 200, None, 1),
        case(
            &seed,
            "db_id=nope",
            404,
            Some(json!({"detail": "Database with id 'nope' not found"})),
            0,
        ),
        case(&seed, "foo=bar&&=&x&%zz=%zz&User_Id=9", 200, None, 1),
        // As in AgentOS: the last `user_id` scopes (an empty one scopes to no one), and
        // other spellings are other parameters.
        case(&seed, "user_id[]=9", 200, None, 1),
        case(&seed, "user_id%5B%5D=9&User_Id=9", 200, None, 1),
        case(&seed, "user_id=9&user_id=123", 200, None, 1),
        case(
            &seed,
            "user_id=123&user_id=9",
            404,
            Some(not_found("Agent", SEED)),
            1,
        ),
        case(&seed, "user_id=123&user_id=&user_id=123", 200, None, 1),
        case(&seed, &format!("pad={}", "x".repeat(15_000)), 200, None, 1),
        case(
            &seed,
            &format!("pad={}", "x".repeat(20_000)),
            414,
            Some(json!({"detail": "URI Too Long"})),
            0,
        ),
        // Other paths, and trailing slashes (redirected, as Starlette does).
        case("/", "", 404, route_not_found.clone(), 0),
        case("/sessions", "", 404, route_not_found.clone(), 0),
        case("/SESSIONS/x", "", 404, route_not_found.clone(), 0),
        case("/session/x", "", 404, route_not_found.clone(), 0),
        case(format!("{seed}/runs"), "", 404, route_not_found.clone(), 0),
        case(format!("{seed}//"), "", 404, route_not_found.clone(), 0),
        case(format!("{seed}/"), "type=agent", 307, None, 0),
    ];
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] {
        let mut c = case(
            &seed,
            "",
            405,
            Some(json!({"detail": "Method Not Allowed"})),
            0,
        );
        c.method = method;
        cases.push(c);
    }
    // FastAPI routes GET only: HEAD is 405 too (without a body).
    let mut head = case(&seed, "", 405, None, 0);
    head.method = "HEAD";
    cases.push(head);
    cases
}

#[tokio::test]
async fn table_of_bad_requests_from_every_source() {
    let app = counting_app(KeyLayout::Composite).await;
    let mut tried = 0;
    for source in Source::ALL {
        for c in cases() {
            let answer = ask(&app, source, c.method, &c.path, &c.query).await;
            let what = format!("{source:?} {} {:.80}?{:.60}", c.method, c.path, c.query);
            let (status, reads) = match c.alb {
                Some(alb) if source == Source::Alb => alb,
                _ => (c.status, c.reads),
            };
            assert_eq!(answer.status, status, "{what}: {}", answer.text);
            assert_eq!(app.store.take(), reads, "DynamoDB reads for {what}");
            if let Some(body) = c.body.as_ref().filter(|_| status == c.status) {
                assert_eq!(&answer.json(), body, "{what}");
            }
            if c.status == 200 && c.method == "GET" {
                assert_eq!(answer.json()["session_id"], SEED, "{what}");
            }
            if c.method == "HEAD" {
                assert_eq!(answer.text, "", "{what}");
            }
            if c.status == 405 {
                assert_eq!(answer.header("allow"), Some("GET"), "{what}");
            }
            if c.status == 307 {
                let location = match c.path.as_str() {
                    "/sessions/" => "/sessions".to_owned(),
                    _ => format!("/sessions/{SEED}?type=agent"),
                };
                assert_eq!(answer.header("location"), Some(location.as_str()), "{what}");
            }
            tried += 1;
        }
    }
    println!("{tried} table cases answered as expected");
}

#[tokio::test]
async fn rest_api_stage_prefixes() {
    let app = counting_app(KeyLayout::Agno).await;
    for (path, stage, status) in [
        (format!("/sessions/{SEED}"), "prod", 200),
        (format!("/prod/sessions/{SEED}"), "prod", 200),
        (format!("/v1/sessions/{SEED}"), "v1", 200),
        (format!("/prod/sessions/{SEED}"), "dev", 404),
        ("/prod/sessions".to_owned(), "prod", 404),
    ] {
        let event = crate::common::rest_v1_event("GET", &path, "", &[], stage);
        let answer = send(&app, &event).await.unwrap();
        assert_eq!(answer.status, status, "{stage} {path}: {}", answer.text);
    }
}

/// Events no HTTP source sends: each gets a clear answer, none panics.
#[tokio::test]
async fn malformed_and_foreign_events() {
    let app = counting_app(KeyLayout::Composite).await;
    let seed = format!("/sessions/{SEED}");

    // Not an HTTP event: read as a direct invocation, refused as InvalidRequest.
    for text in [
        "null",
        "42",
        "\"a string\"",
        "[]",
        "[1, 2]",
        "{}",
        r#"{"foo": 1}"#,
        r#"{"session_id": 7}"#,
        r#"{"session_id": "x", "type": ["agent"]}"#,
    ] {
        let error = send_text(&app, text).await.expect_err(text);
        assert_eq!(
            error.error_type, "InvalidRequest",
            "{text}: {}",
            error.message
        );
    }

    // HTTP events lambda_http cannot read (fields missing or of the wrong type, header
    // values that are not strings or hold control characters, bad header names): they
    // reach the handler as pass-through events, and get the HTTP 400 of unreadable
    // events in their source's format, not a function error.
    let v2 = Source::HttpApi.event("GET", &seed, "", &[]);
    let v1 = Source::RestApi.event("GET", &seed, "", &[]);
    let alb = Source::Alb.event("GET", &seed, "", &[]);
    let with = |base: &Value, field: &str, value: Value| {
        let mut event = base.clone();
        event[field] = value;
        event
    };
    let with_header = |base: &Value, name: &str, value: Value| {
        let mut event = base.clone();
        event["headers"][name] = value;
        if event.get("multiValueHeaders").is_some() {
            event["multiValueHeaders"][name] = json!([event["headers"][name].clone()]);
        }
        event
    };
    let unreadable = [
        json!({"version": "2.0", "rawPath": "/sessions/x"}),
        json!({"httpMethod": "GET", "path": "/sessions/x"}),
        with(&v2, "cookies", json!("a=b")),
        with(&v2, "isBase64Encoded", json!("no")),
        with(&v1, "isBase64Encoded", json!(1)),
        with_header(&v2, "x-test", json!(null)),
        with_header(&v2, "x-test", json!(42)),
        with_header(&v2, "x-test", json!("a\u{1}b")),
        with_header(&v2, "x-test", json!("a\u{7f}b")),
        with_header(&v2, "x-test", json!("a\r\nInjected: 1")),
        with_header(&v1, "authorization", json!("Bearer k\u{0}")),
        with_header(&v1, "bad name", json!("v")),
        with_header(&v1, "", json!("v")),
        with_header(&v1, "caf\u{e9}", json!("v")),
        with_header(&alb, "x-test", json!(42)),
        with_header(&alb, "x-test", json!("a\u{1}b")),
    ];
    for event in unreadable {
        let what = event.to_string();
        let request: lambda_http::request::LambdaRequest =
            serde_json::from_value(event.clone()).unwrap();
        assert!(
            matches!(
                request.request_origin(),
                lambda_http::request::RequestOrigin::PassThrough
            ),
            "lambda_http reads {what}"
        );
        let answer = send(&app, &event)
            .await
            .unwrap_or_else(|e| panic!("{what}: a function error {e:?}"));
        let http = Answer::from_runtime_output(&answer.json());
        assert_eq!(http.status, 400, "{what}: {}", http.text);
        assert_eq!(
            http.json(),
            json!({"detail": "Invalid HTTP request received."}),
            "{what}"
        );
    }
    assert_eq!(app.store.take(), 0, "unreadable events read nothing");

    // HTTP events that lambda_http's own conversion panics on.
    let mut bad_base64 = Source::HttpApi.event("GET", &seed, "", &[]);
    bad_base64["body"] = json!("%%% not base64 %%%");
    bad_base64["isBase64Encoded"] = json!(true);
    let mut rest_bad_base64 = Source::RestApi.event("GET", &seed, "", &[]);
    rest_bad_base64["body"] = json!("***");
    rest_bad_base64["isBase64Encoded"] = json!(true);
    let raw_query = Source::HttpApi.event("GET", &seed, "user_id=1 2&x=\"q\"|{x}", &[]);
    let cases: Vec<(&str, Value, u16)> = vec![
        (
            "invalid base64 body (ignored: GET reads none)",
            bad_base64,
            200,
        ),
        ("REST invalid base64 body", rest_bad_base64, 200),
        // Encoded before conversion: user_id "1 2" does not own the session.
        ("raw query with spaces and quotes", raw_query, 404),
        (
            "Host header that is not a host",
            Source::HttpApi.event("GET", &seed, "", &[("host", "exa mple.com")]),
            400,
        ),
        (
            "numeric host out of range",
            Source::Alb.event("GET", &seed, "", &[("host", "999.1.1.1")]),
            400,
        ),
        (
            "X-Forwarded-Proto that is not a scheme",
            Source::RestApi.event("GET", &seed, "", &[("x-forwarded-proto", "h t t p")]),
            400,
        ),
        (
            "query over 64 KiB",
            Source::HttpApi.event("GET", &seed, &"q=1&".repeat(20_000), &[]),
            414,
        ),
        (
            "path over 64 KiB",
            Source::FunctionUrl.event("GET", &format!("/sessions/{}", "é".repeat(40_000)), "", &[]),
            414,
        ),
    ];
    for (what, event, status) in cases {
        let answer = send(&app, &event)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(answer.status, status, "{what}: {}", answer.text);
        assert!(
            answer.json()["detail"].is_string() || status == 200,
            "{what}"
        );
        if status == 400 {
            assert_eq!(
                answer.json(),
                json!({"detail": "Invalid HTTP request received."})
            );
        }
    }
    // The guard answered without reading DynamoDB for the refused ones.
    assert_eq!(app.store.take(), 3);
}

/// A model of AgentOS's answer for a generated request.
#[derive(Debug)]
struct Expect {
    status: u16,
    reads: usize,
}

fn expected(method: &str, path: &str, query: &str) -> Expect {
    if path.len() + query.len() > agno_session_lambda::testing::MAX_TARGET_BYTES {
        return Expect {
            status: 414,
            reads: 0,
        };
    }
    let routed = path
        .strip_prefix("/sessions/")
        .filter(|segment| !segment.is_empty() && !segment.contains('/'))
        .map(|segment| percent_encoding::percent_decode_str(segment).decode_utf8_lossy())
        .filter(|id| !id.contains('/'));
    let Some(id) = routed else {
        let redirect = path == "/sessions/"
            || path
                .strip_suffix('/')
                .and_then(|p| p.strip_prefix("/sessions/"))
                .is_some_and(|s| {
                    !s.is_empty()
                        && !s.contains('/')
                        && !percent_encoding::percent_decode_str(s)
                            .decode_utf8_lossy()
                            .contains('/')
                });
        return Expect {
            status: if redirect { 307 } else { 404 },
            reads: 0,
        };
    };
    if method != "GET" {
        return Expect {
            status: 405,
            reads: 0,
        };
    }
    let (mut kind, mut db_id, mut user) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "type" => kind = Some(value.into_owned()),
            "db_id" => db_id = Some(value.into_owned()),
            "user_id" => user = Some(value.into_owned()),
            _ => {}
        }
    }
    let user = user.filter(|u| !u.is_empty());
    let kind = kind.unwrap_or_else(|| "agent".into());
    if !matches!(kind.as_str(), "agent" | "team" | "workflow") {
        return Expect {
            status: 422,
            reads: 0,
        };
    }
    if db_id
        .as_deref()
        .is_some_and(|d| !d.is_empty() && d != "demo")
    {
        return Expect {
            status: 404,
            reads: 0,
        };
    }
    if id.len() > MAX_SESSION_ID_BYTES {
        return Expect {
            status: 404,
            reads: 0,
        };
    }
    let owner = |owner: &str| user.as_deref().is_none_or(|u| u == owner);
    let found = match (id.as_ref(), kind.as_str()) {
        (SEED, "agent") => owner("123"),
        ("team-demo-1", "team") | ("workflow-demo-1", "workflow") => owner("demo-user"),
        _ => false,
    };
    Expect {
        status: if found { 200 } else { 404 },
        reads: 1,
    }
}

/// Session id segments: known ids, encoded text (valid and invalid UTF-8), raw odd
/// characters, traversal, and ids around DynamoDB's key limit.
fn segment() -> impl Strategy<Value = String> {
    let encode = |bytes: Vec<u8>| -> String { bytes.iter().map(|b| format!("%{b:02X}")).collect() };
    prop_oneof![
        Just(SEED.to_owned()),
        Just("team-demo-1".to_owned()),
        Just("workflow-demo-1".to_owned()),
        Just(String::new()),
        any::<String>().prop_map(|s| {
            percent_encoding::utf8_percent_encode(&s, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        }),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(encode),
        "[ -.0-~\u{80}-\u{10FFFF}]{0,16}".prop_map(|s| s.replace(['?', '#'], "")),
        prop_oneof![
            Just(".."),
            Just("%2e%2e"),
            Just("..%2F.."),
            Just("%2F"),
            Just(".%00.")
        ]
        .prop_map(str::to_owned),
        (MAX_SESSION_ID_BYTES - 2..MAX_SESSION_ID_BYTES + 3).prop_map(|n| "x".repeat(n)),
        (680..700usize).prop_map(|n| "%E2%82%AC".repeat(n)),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => segment().prop_map(|s| format!("/sessions/{s}")),
        1 => segment().prop_map(|s| format!("/sessions/{s}/")),
        1 => "(/[a-zA-Z.%0-9]{0,8}){0,3}/?",
    ]
}

/// Query strings: the three parameters with good, odd-case, empty and arbitrary values,
/// repeated or not, among unknown names and junk.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => Just("type".to_owned()),
        2 => Just("user_id".to_owned()),
        1 => Just("db_id".to_owned()),
        1 => prop_oneof![Just("TYPE"), Just("user_id[]"), Just("user%5Fid"), Just("")]
            .prop_map(str::to_owned),
        1 => "[a-z_]{1,8}",
    ];
    let value = prop_oneof![
        2 => prop_oneof![Just("agent"), Just("team"), Just("workflow"), Just("123"), Just("demo")]
            .prop_map(str::to_owned),
        1 => prop_oneof![Just("Agent"), Just("AGENT"), Just(""), Just("agent "), Just("123%00")]
            .prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| {
            form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
        }),
        1 => "[ -~]{0,12}".prop_map(|s| s.replace(['&', '#'], "")),
    ];
    proptest::collection::vec((name, value), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn method() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        8 => Just("GET"),
        1 => Just("HEAD"),
        1 => prop_oneof![Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH"), Just("OPTIONS")],
    ]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::HttpApi),
        Just(Source::FunctionUrl),
        Just(Source::RestApi),
        Just(Source::Alb)
    ]
}

/// Generated requests: every one is answered (no panic, no function error), with the
/// status AgentOS's routing implies, a `{"detail": …}` body on errors, and a DynamoDB
/// read exactly when a valid request names an id DynamoDB can hold.
#[test]
fn generated_requests_get_the_modelled_answer() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(counting_app(KeyLayout::Composite));
    let cases = std::env::var("BAD_INPUT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1500);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let tried = AtomicUsize::new(0);
    let strategy = (source(), method(), path(), query());
    let result = runner.run(&strategy, |(source, method, path, query)| {
        tried.fetch_add(1, Ordering::Relaxed);
        // ALB and REST events carry parameters apart from the URL: `&` and `=` inside
        // a raw value would be split differently; only the HTTP API gets raw junk.
        let query = if matches!(source, Source::Alb | Source::RestApi) {
            form_urlencoded::parse(query.as_bytes())
                .fold(
                    form_urlencoded::Serializer::new(String::new()),
                    |mut s, (k, v)| {
                        s.append_pair(&k, &v);
                        s
                    },
                )
                .finish()
        } else {
            query
        };
        let modelled = if source == Source::Alb {
            // An ALB (multi-value headers off) passes the last value of each raw name.
            let mut last: Vec<(&str, &str)> = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                match last.iter_mut().find(|(n, _)| *n == name) {
                    Some(entry) => entry.1 = value,
                    None => last.push((name, value)),
                }
            }
            last.iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        } else {
            query.clone()
        };
        let expect = expected(method, &path, &modelled);
        let answer = runtime.block_on(ask(&app, source, method, &path, &query));
        let reads = app.store.take();
        let what = format!("{source:?} {method} {path:.80}?{query:.80}");
        prop_assert_eq!(answer.status, expect.status, "{}: {}", what, answer.text);
        prop_assert_eq!(reads, expect.reads, "reads for {}", what);
        if method != "HEAD" && expect.status >= 400 {
            prop_assert!(
                answer.json().get("detail").is_some(),
                "{}: {}",
                what,
                answer.text
            );
        }
        if expect.status == 307 {
            prop_assert!(answer.header("location").is_some(), "{}", what);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let tried = tried.into_inner();
    assert!(tried >= cases as usize, "{tried} generated requests");
    println!("{tried} generated requests answered as modelled");
}
