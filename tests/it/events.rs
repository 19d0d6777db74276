//! The sample events in `events/`, through the entry point on DynamoDB Local: every HTTP
//! source answers the same document, and direct invocations answer the document itself
//! or a typed function error.

use crate::common::{app, demo_database, load_json, send};
use agno_session_lambda::testing::KeyLayout;
use serde_json::Value;

#[tokio::test]
async fn every_http_event_source_answers_the_seed_document() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        None,
    );
    let expected = load_json("tests/data/spec_example.json");
    // alb-multi-value repeats `type` (team, then agent): the last one wins, as in FastAPI.
    for file in [
        "apigw-http-v2",
        "apigw-rest-v1",
        "function-url",
        "alb",
        "alb-multi-value",
    ] {
        let answer = send(&app, &load_json(&format!("events/{file}.json")))
            .await
            .expect("HTTP answer");
        println!("events/{file}.json -> {}", answer.status);
        assert_eq!(answer.status, 200, "{file}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{file}"
        );
        assert_eq!(answer.json(), expected, "{file}");
    }
}

#[tokio::test]
async fn direct_invocation_samples() {
    let app = app(vec![demo_database("demo", KeyLayout::Agno).await], None);

    let found = send(&app, &load_json("events/direct-found.json"))
        .await
        .expect("a document");
    // A direct invocation's result is the document itself, not an HTTP envelope.
    assert!(found.json().get("statusCode").is_none());
    assert_eq!(found.json(), load_json("tests/data/spec_example.json"));
    println!("events/direct-found.json -> the session document");

    for (file, error_type, message) in [
        (
            "direct-not-found",
            "SessionNotFound",
            "Team Session with id 'no-such-session' not found",
        ),
        (
            "direct-bad-type",
            "InvalidRequest",
            "Input should be 'agent', 'team' or 'workflow', not 'bogus'",
        ),
    ] {
        let error = send(&app, &load_json(&format!("events/{file}.json")))
            .await
            .expect_err("a function error");
        println!("events/{file}.json -> {error_type}: {message}");
        assert_eq!(
            (error.error_type, error.message.as_str()),
            (error_type, message)
        );
    }
}

#[tokio::test]
async fn direct_invocation_errors_a_state_machine_can_branch_on() {
    let app = app(
        vec![
            demo_database("main", KeyLayout::Composite).await,
            demo_database("other", KeyLayout::Agno).await,
        ],
        Some("http-only-key"),
    );
    let cases: [(Value, Result<&str, &str>); 6] = [
        // The security key guards HTTP only: direct invocation is guarded by IAM.
        (
            serde_json::json!({"session_id": "team-demo-1", "type": "team", "db_id": "other"}),
            Ok("team-demo-1"),
        ),
        (
            serde_json::json!({"session_id": "team-demo-1", "type": "team"}),
            Err("InvalidRequest"),
        ),
        (
            serde_json::json!({"session_id": "team-demo-1", "type": "team", "db_id": "nope"}),
            Err("DatabaseNotFound"),
        ),
        (
            serde_json::json!({"session_id": "team-demo-1", "type": "team", "db_id": "main", "user_id": "intruder"}),
            Err("SessionNotFound"),
        ),
        (serde_json::json!({"type": "team"}), Err("InvalidRequest")),
        (
            serde_json::json!({"event": "something else"}),
            Err("InvalidRequest"),
        ),
    ];
    for (event, expected) in cases {
        match (send(&app, &event).await, expected) {
            (Ok(answer), Ok(id)) => assert_eq!(answer.json()["session_id"], id, "{event}"),
            (Err(error), Err(error_type)) => {
                assert_eq!(error.error_type, error_type, "{event}: {error}")
            }
            (other, _) => panic!("{event}: unexpected {other:?}"),
        }
    }
}
