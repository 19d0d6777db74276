//! End to end on the real DynamoDB Local, through the real `aws-sdk-dynamodb` client:
//! every status the endpoint answers, in both key layouts.

use crate::common::{app, demo_database, dynamo_local, get, load_json};
use agno_session_lambda::testing::KeyLayout;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

const SEED: &str = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710";
const LAYOUTS: [KeyLayout; 2] = [KeyLayout::Composite, KeyLayout::Agno];

#[tokio::test]
async fn seed_session_answers_the_spec_example_in_both_layouts() {
    for layout in LAYOUTS {
        let app = app(vec![demo_database("demo", layout).await], None);
        let answer = get(&app, &format!("/sessions/{SEED}"), "", &[]).await;
        assert_eq!(answer.status, 200, "{layout:?}: {}", answer.text);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        // Without a security key, caching is the deployment's choice, as in AgentOS.
        assert_eq!(answer.header("cache-control"), None);
        assert_eq!(
            answer.json(),
            load_json("tests/data/spec_example.json"),
            "{layout:?}"
        );
    }
}

#[tokio::test]
async fn each_type_renders_its_schema() {
    for layout in LAYOUTS {
        let app = app(vec![demo_database("demo", layout).await], None);

        let team = get(&app, "/sessions/team-demo-1", "type=team", &[]).await;
        assert_eq!(team.status, 200, "{}", team.text);
        let team = team.json();
        assert_eq!(team["team_id"], "travel-team");
        // The team run's first user message names the session, not the member run's.
        assert_eq!(team["session_name"], "Plan a week in Japan.");
        assert_eq!(
            team["session_state"],
            json!({"trip": {"country": "Japan", "days": 7}})
        );
        assert_eq!(team["total_tokens"], 202);
        assert_eq!(team["created_at"], "2025-09-05T16:33:20Z");
        // Member run messages come first (stored first), tool messages are kept.
        let roles: Vec<&str> = team["chat_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(
            roles,
            [
                "system",
                "user",
                "assistant",
                "system",
                "user",
                "assistant",
                "tool",
                "assistant"
            ]
        );

        let workflow = get(&app, "/sessions/workflow-demo-1", "type=workflow", &[]).await;
        assert_eq!(workflow.status, 200, "{}", workflow.text);
        let workflow = workflow.json();
        assert_eq!(
            workflow["session_name"],
            "Write a post about DynamoDB single-table design"
        );
        assert_eq!(workflow["workflow_name"], "Blog Pipeline");
        assert_eq!(workflow["metadata"], json!({"team": "content"}));
        assert_eq!(workflow["created_at"], 1757090009);
        assert!(workflow.get("chat_history").is_none());
    }
}

#[tokio::test]
async fn not_found_answers() {
    for layout in LAYOUTS {
        let app = app(vec![demo_database("demo", layout).await], None);
        let cases = [
            (
                format!("/sessions/{SEED}"),
                "type=team",
                format!("Team Session with id '{SEED}' not found"),
            ),
            (
                format!("/sessions/{SEED}"),
                "type=workflow",
                format!("Workflow Session with id '{SEED}' not found"),
            ),
            (
                "/sessions/nope".to_owned(),
                "",
                "Agent Session with id 'nope' not found".to_owned(),
            ),
            (
                format!("/sessions/{SEED}"),
                "user_id=someone-else",
                format!("Agent Session with id '{SEED}' not found"),
            ),
            (
                format!("/sessions/{SEED}"),
                "db_id=elsewhere",
                "Database with id 'elsewhere' not found".to_owned(),
            ),
            ("/sessions".to_owned(), "", "Not Found".to_owned()),
        ];
        for (path, query, detail) in cases {
            let answer = get(&app, &path, query, &[]).await;
            assert_eq!(
                (answer.status, answer.json()),
                (404, json!({ "detail": detail })),
                "{layout:?} {path}?{query}"
            );
        }
        // The owner finds it; an empty user_id does not filter (AgentOS: `if user_id`).
        for query in ["user_id=123", "user_id=", "db_id=demo"] {
            assert_eq!(
                get(&app, &format!("/sessions/{SEED}"), query, &[])
                    .await
                    .status,
                200,
                "{query}"
            );
        }
    }
}

#[tokio::test]
async fn several_databases_need_a_db_id() {
    let app = app(
        vec![
            demo_database("main", KeyLayout::Composite).await,
            demo_database("native", KeyLayout::Agno).await,
        ],
        None,
    );
    let answer = get(&app, &format!("/sessions/{SEED}"), "", &[]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"detail": "The db_id query parameter is required when using multiple databases"})
    );
    for db in ["main", "native"] {
        let answer = get(
            &app,
            &format!("/sessions/{SEED}"),
            &format!("db_id={db}"),
            &[],
        )
        .await;
        assert_eq!(answer.status, 200, "{db}: {}", answer.text);
    }
}

#[tokio::test]
async fn security_key_is_required_when_configured() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        Some("s3cret"),
    );
    let path = format!("/sessions/{SEED}");
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Headers, u16, &str); 5] = [
        (&[], 401, "Authorization header required"),
        (
            &[("authorization", "Basic s3cret")],
            401,
            "Authorization header required",
        ),
        (
            &[("authorization", "Bearer wrong")],
            401,
            "Invalid authentication token",
        ),
        (&[("authorization", "Bearer s3cret")], 200, ""),
        (&[("authorization", "bearer s3cret")], 200, ""),
    ];
    for (headers, status, detail) in cases {
        let answer = get(&app, &path, "", headers).await;
        assert_eq!(answer.status, status, "{headers:?}");
        assert_eq!(
            answer.header("cache-control"),
            Some("no-store"),
            "{headers:?}"
        );
        if status == 401 {
            assert_eq!(answer.json(), json!({ "detail": detail }));
        }
    }
    // Authentication comes before parameter validation, as in FastAPI.
    assert_eq!(get(&app, &path, "type=bogus", &[]).await.status, 401);
}

#[tokio::test]
async fn invalid_type_is_a_validation_error() {
    let app = app(vec![demo_database("demo", KeyLayout::Agno).await], None);
    let answer = get(&app, &format!("/sessions/{SEED}"), "type=bogus", &[]).await;
    assert_eq!(answer.status, 422);
    assert_eq!(
        answer.json(),
        json!({"detail": [{"type": "enum", "loc": ["query", "type"],
            "msg": "Input should be 'agent', 'team' or 'workflow'", "input": "bogus",
            "ctx": {"expected": "'agent', 'team' or 'workflow'"}}]})
    );
}

#[tokio::test]
async fn corrupt_items_answer_500_with_a_clear_detail() {
    for layout in LAYOUTS {
        let database = demo_database("demo", layout).await;
        let client = dynamo_local::client(&dynamo_local::endpoint());
        let item = |id: &str, extra: (&str, AttributeValue)| {
            [
                ("session_id".to_owned(), AttributeValue::S(id.into())),
                ("session_type".to_owned(), AttributeValue::S("agent".into())),
                (extra.0.to_owned(), extra.1),
            ]
            .into_iter()
            .collect()
        };
        dynamo_local::put_item(
            &client,
            &database.table,
            item("broken-json", ("runs", AttributeValue::S("[{".into()))),
        )
        .await;
        dynamo_local::put_item(
            &client,
            &database.table,
            item("wrong-type", ("user_id", AttributeValue::N("7".into()))),
        )
        .await;
        let app = app(vec![database], None);

        let answer = get(&app, "/sessions/broken-json", "", &[]).await;
        assert_eq!(answer.status, 500);
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.starts_with(
                "Stored session 'broken-json' cannot be read: attribute 'runs' is not valid"
            ),
            "{detail}"
        );

        let answer = get(&app, "/sessions/wrong-type", "", &[]).await;
        assert_eq!(answer.status, 500);
        assert_eq!(
            answer.json(),
            json!({"detail": "Stored session 'wrong-type' cannot be read: attribute 'user_id' has type N, expected S"})
        );
    }
}

#[tokio::test]
async fn other_paths_and_methods_answer_like_fastapi() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        None,
    );
    let path = format!("/sessions/{SEED}");
    let answer = crate::common::send(
        &app,
        &crate::common::http_v2_event("DELETE", &path, "", &[]),
    )
    .await
    .unwrap();
    assert_eq!(
        (answer.status, answer.json()),
        (405, json!({"detail": "Method Not Allowed"}))
    );
    assert_eq!(answer.header("allow"), Some("GET"));

    for other in ["/", "/nope", "/sessions/a/b", &format!("{path}/runs/x")] {
        let answer = get(&app, other, "", &[]).await;
        assert_eq!(
            (answer.status, answer.json()),
            (404, json!({"detail": "Not Found"})),
            "{other}"
        );
    }
    let answer = get(&app, &format!("{path}/"), "type=agent", &[]).await;
    assert_eq!(answer.status, 307);
    assert_eq!(
        answer.header("location"),
        Some(format!("{path}?type=agent").as_str())
    );

    // Behind API Gateway the Host header is there, and the redirect is absolute.
    let answer = get(
        &app,
        &format!("{path}/"),
        "",
        &[("host", "api.example"), ("x-forwarded-proto", "https")],
    )
    .await;
    assert_eq!(
        answer.header("location"),
        Some(format!("https://api.example{path}").as_str())
    );

    // FastAPI routes GET only: HEAD is 405, without a body.
    let head = crate::common::send(&app, &crate::common::http_v2_event("HEAD", &path, "", &[]))
        .await
        .unwrap();
    assert_eq!((head.status, head.text.as_str()), (405, ""));
    assert_eq!(head.header("allow"), Some("GET"));
}

/// Agent and team sessions' runs are read from DynamoDB's answer still escaped and their
/// chat history copied, still escaped, into the response: the document and the answer
/// are what the plain path makes of the same item, under both contracts.
#[tokio::test]
async fn stored_runs_are_answered_in_one_pass() {
    use crate::common::unique_table;
    use crate::render::bench_sessions;
    use agno_session_lambda::testing::{Database, decode, item_from_json, render, render_document};
    use agno_session_lambda::{App, Config, Contract, DynamoStore, SessionStore, SessionType};

    let client = dynamo_local::client(&dynamo_local::endpoint());
    let table = unique_table("one-pass");
    dynamo_local::create_table(&client, &table, KeyLayout::Agno).await;
    let sessions = bench_sessions::all(std::path::Path::new("demo"));
    for session in &sessions {
        let item = item_from_json(&session.item).unwrap();
        dynamo_local::put_item(&client, &table, item).await;
    }
    let database = Database {
        id: "db".into(),
        table,
        layout: KeyLayout::Agno,
        runs_table: None,
    };
    let store = DynamoStore::new(client);
    for contract in [Contract::V2_1, Contract::V3_1] {
        let app = App::new(
            Config {
                databases: vec![database.clone()],
                contract,
                metrics_namespace: None,
                ..Default::default()
            },
            store.clone(),
        );
        for session in &sessions {
            let name = format!("{} {contract:?}", session.name);
            let session_type = SessionType::parse(session.session_type).unwrap();
            let stored = store
                .find(&database, &session.session_id, Some(session_type), None)
                .await
                .unwrap()
                .unwrap();
            let stored = stored.content.unwrap();
            let document = render_document(&stored, session_type, contract).unwrap();
            let one_pass = session_type != SessionType::Workflow;
            assert_eq!(document.escaped_part().is_some(), one_pass, "{name}");
            // Agent and team runs are held escaped and never unescaped; workflows read
            // their runs as text, so they are not kept escaped.
            let runs = stored.runs.unwrap();
            assert_eq!(runs.unescaped(), one_pass.then_some(false), "{name}");
            let record = decode(item_from_json(&session.item).unwrap()).unwrap();
            let plain = render(&record, session_type, contract).unwrap();
            assert_eq!(
                String::from_utf8(document.into_plain()).unwrap(),
                String::from_utf8(plain.clone()).unwrap(),
                "{name}"
            );
            let path = format!("/sessions/{}", session.session_id);
            let query = format!("type={}", session.session_type);
            let answer = get(&app, &path, &query, &[]).await;
            assert_eq!(answer.status, 200, "{name}: {}", answer.text);
            assert!(
                answer.bytes == plain,
                "{name}: the answer is not the document"
            );
        }
    }
}

/// Every request the store sends carries the SDK's user-agent headers once each, the
/// same on every request (built by the SDK for the first one, kept for the others),
/// and DynamoDB Local answers them all.
#[tokio::test]
async fn every_request_carries_the_sdks_user_agent() {
    use crate::common::unique_table;
    use agno_session_lambda::testing::{Database, item_from_json};
    use agno_session_lambda::{DynamoStore, SessionStore, SessionType};
    use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
    use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
    use std::sync::{Arc, Mutex};

    type Sent = Arc<Mutex<Vec<(Vec<String>, Vec<String>)>>>;
    #[derive(Debug)]
    struct Capture(Sent);
    impl Intercept for Capture {
        fn name(&self) -> &'static str {
            "Capture"
        }
        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
            let headers = context.request().headers();
            let all = |name| headers.get_all(name).map(str::to_owned).collect();
            let sent = (all("user-agent"), all("x-amz-user-agent"));
            self.0.lock().unwrap().push(sent);
            Ok(())
        }
    }

    let sent = Sent::default();
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let table = unique_table("user-agent");
    dynamo_local::create_table(&client, &table, KeyLayout::Agno).await;
    let item = load_json("demo/agent-basic.json");
    dynamo_local::put_item(&client, &table, item_from_json(&item).unwrap()).await;
    let config = client
        .config()
        .to_builder()
        .interceptor(Capture(sent.clone()))
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config));
    let database = Database {
        id: "db".into(),
        table,
        layout: KeyLayout::Agno,
        runs_table: None,
    };
    // Agent reads and a workflow read (the store's two clients), found or not.
    for session_type in [
        SessionType::Agent,
        SessionType::Agent,
        SessionType::Workflow,
    ] {
        let found = store
            .find(&database, SEED, Some(session_type), None)
            .await
            .unwrap();
        assert!(found.is_some());
    }
    assert!(
        store
            .find(&database, "none", None, None)
            .await
            .unwrap()
            .is_none()
    );
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 4);
    let (user_agent, x_amz_user_agent) = &sent[0];
    assert_eq!(user_agent.len(), 1, "{user_agent:?}");
    assert_eq!(x_amz_user_agent.len(), 1, "{x_amz_user_agent:?}");
    assert!(
        x_amz_user_agent[0].starts_with("aws-sdk-rust/"),
        "{x_amz_user_agent:?}"
    );
    assert!(user_agent[0].contains("api/dynamodb"), "{user_agent:?}");
    for later in &sent[1..] {
        assert_eq!(later, &sent[0]);
    }
}
