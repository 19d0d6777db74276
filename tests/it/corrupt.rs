//! Corrupt or foreign items in DynamoDB Local, read through the entry point: each gets
//! a 500 whose detail names the session, the attribute and the problem (or, where the
//! schema implies one, the document or a 404), is logged at ERROR with the session id,
//! and never quotes the stored value; nothing panics. Items near DynamoDB's 400 KB
//! limit are answered in full.

use std::collections::HashMap;
use std::time::Instant;

use crate::common::{LogCapture, app, demo_database, dynamo_local, get};
use agno_session_lambda::testing::KeyLayout;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;

/// Marks stored text that must never appear in a log line or an error detail.
const SECRET: &str = "SECRET-CONTENT-7f3a";

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

/// What a corrupt item must be answered with.
enum Expect {
    /// 500, and the detail ends with this (after "Stored session '<id>' cannot be read: ").
    Corrupt(&'static str),
    /// The document the schema implies, with this check on it.
    Document(fn(&serde_json::Value) -> bool),
    /// The document, holding this text (too deep for `serde_json::Value`).
    Contains(&'static str),
}

/// An item's id, its attributes besides the key, and the answer it must get.
type Case = (&'static str, Vec<(&'static str, AttributeValue)>, Expect);

fn cases() -> Vec<Case> {
    use Expect::*;
    let native_map = |pairs: &[(&str, AttributeValue)]| {
        AttributeValue::M(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<HashMap<_, _>>(),
        )
    };
    vec![
        // Attributes of the wrong DynamoDB type.
        (
            "user-id-number",
            vec![("user_id", AttributeValue::N("4242".into()))],
            Corrupt("attribute 'user_id' has type N, expected S"),
        ),
        (
            "agent-id-map",
            vec![("agent_id", native_map(&[("x", s(SECRET))]))],
            Corrupt("attribute 'agent_id' has type M, expected S"),
        ),
        (
            "created-at-text",
            vec![("created_at", s(SECRET))],
            Corrupt("attribute 'created_at' is not a number of seconds"),
        ),
        (
            "created-at-bool",
            vec![("created_at", AttributeValue::Bool(true))],
            Corrupt("attribute 'created_at' has type BOOL, expected N"),
        ),
        (
            "created-at-huge",
            vec![("created_at", AttributeValue::N("99999999999999999".into()))],
            Corrupt("attribute 'created_at' is outside the years 1 to 9999"),
        ),
        (
            "runs-binary",
            vec![("runs", AttributeValue::B(Blob::new(SECRET.as_bytes())))],
            Corrupt("attribute 'runs' of type B cannot be read as JSON"),
        ),
        (
            "session-data-number",
            vec![("session_data", AttributeValue::N("5".into()))],
            Corrupt("attribute 'session_data' is not a JSON object"),
        ),
        // Broken JSON text.
        (
            "broken-session-data",
            vec![(
                "session_data",
                s(&format!("{{\"session_name\": \"{SECRET}")),
            )],
            Corrupt("attribute 'session_data' is not valid: truncated JSON at line 1 column 37"),
        ),
        (
            "broken-runs",
            vec![("runs", s(&format!("[{{{SECRET}}}]")))],
            Corrupt("attribute 'runs' is not valid: malformed JSON at line 1 column 3"),
        ),
        (
            "empty-runs-text",
            vec![("runs", s(""))],
            Corrupt("attribute 'runs' is not valid: truncated JSON at line 1 column 0"),
        ),
        (
            // Deep nesting (DynamoDB allows it in JSON text): passed through as stored.
            "nested-deep",
            vec![(
                "session_data",
                s(&format!(
                    "{{\"session_state\": {}{}}}",
                    "[".repeat(5000),
                    "]".repeat(5000)
                )),
            )],
            Contains("\"session_state\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
        ),
        // Runs that are not lists, messages that are not objects.
        (
            "runs-object",
            vec![("runs", s(&format!("{{\"messages\": \"{SECRET}\"}}")))],
            Corrupt(
                "attribute 'runs' is not valid: unexpected value, expected a sequence at line 1 column 0",
            ),
        ),
        (
            "runs-string",
            vec![("runs", s(&format!("\"{SECRET}\"")))],
            Corrupt(
                "attribute 'runs' is not valid: unexpected value, expected a sequence at line 1 column 21",
            ),
        ),
        (
            "messages-not-objects",
            vec![("runs", s(&format!("[{{\"messages\": [\"{SECRET}\"]}}]")))],
            Corrupt(
                "attribute 'runs' is not valid: unexpected value, expected struct Message at line 1 column 36",
            ),
        ),
        (
            "messages-object",
            vec![("runs", s("[{\"messages\": {\"role\": \"user\"}}]"))],
            Corrupt(
                "attribute 'runs' is not valid: unexpected value, expected a sequence at line 1 column 14",
            ),
        ),
        (
            "message-without-role",
            vec![(
                "runs",
                s(&format!(
                    "[{{\"messages\": [{{\"content\": \"{SECRET}\"}}]}}]"
                )),
            )],
            Corrupt("attribute 'runs' is not valid: missing field `role` at line 1 column 49"),
        ),
        (
            "role-number",
            vec![("runs", s("[{\"messages\": [{\"role\": 7}]}]"))],
            Corrupt(
                "attribute 'runs' is not valid: unexpected value, expected a string at line 1 column 25",
            ),
        ),
        (
            "summary-null-text",
            vec![("summary", s("{\"summary\": null}"))],
            Corrupt("attribute 'summary' has a null summary"),
        ),
        (
            "metrics-not-object",
            vec![("session_data", s("{\"session_metrics\": [1]}"))],
            Corrupt("attribute 'session_data' has session_metrics that is not an object"),
        ),
        (
            "tokens-fraction",
            vec![(
                "session_data",
                s("{\"session_metrics\": {\"total_tokens\": 1.5}}"),
            )],
            Corrupt("attribute 'session_data' is not valid: unexpected value at line 1 column 21"),
        ),
        // What the schema implies: runs whose first element is not an object are not
        // loaded (Agno's from_dict), a string set is a list, native maps are documents.
        (
            "runs-of-numbers",
            vec![("runs", s("[1, {\"messages\": []}]"))],
            Document(|d| d["chat_history"] == json!([])),
        ),
        (
            "runs-string-set",
            vec![("runs", AttributeValue::Ss(vec!["a".into(), "b".into()]))],
            Document(|d| d["chat_history"] == json!([])),
        ),
        (
            "session-data-native",
            vec![(
                "session_data",
                native_map(&[(
                    "session_state",
                    native_map(&[("n", AttributeValue::N("1".into()))]),
                )]),
            )],
            Document(|d| d["session_state"] == json!({"n": 1})),
        ),
        (
            "runs-null",
            vec![("runs", AttributeValue::Null(true))],
            Document(|d| d["chat_history"] == json!([])),
        ),
        // What Python's json.loads and pydantic accept: integers beyond 64 bits, kept
        // exactly, and repeated keys, the last one winning.
        (
            "total-tokens-huge",
            vec![(
                "session_data",
                s(r#"{"session_metrics": {"total_tokens": 99999999999999999999}}"#),
            )],
            Contains("\"total_tokens\":99999999999999999999,"),
        ),
        (
            "repeated-keys",
            vec![
                (
                    "session_data",
                    s(
                        r#"{"session_name": "first", "session_state": {"n": 1, "n": 2}, "session_name": "last"}"#,
                    ),
                ),
                (
                    "runs",
                    s(
                        r#"[{"run_id": "r1", "messages": [{"role": "user", "role": "assistant", "content": "hi"}], "run_id": "r2"}]"#,
                    ),
                ),
            ],
            Document(|d| {
                d["session_name"] == "last"
                    && d["session_state"] == json!({"n": 2})
                    && d["chat_history"][0]["role"] == "assistant"
            }),
        ),
    ]
}

#[tokio::test]
async fn corrupt_items_answer_a_clear_500_logged_with_the_key() {
    let logs = LogCapture::default();
    let _guard = logs.install("info");
    for layout in [KeyLayout::Composite, KeyLayout::Agno] {
        let database = demo_database("demo", layout).await;
        let client = dynamo_local::client(&dynamo_local::endpoint());
        for (id, attributes, _) in cases() {
            let mut item: HashMap<String, AttributeValue> = [
                ("session_id".to_owned(), s(id)),
                ("session_type".to_owned(), s("agent")),
            ]
            .into();
            item.extend(attributes.into_iter().map(|(k, v)| (k.to_owned(), v)));
            dynamo_local::put_item(&client, &database.table, item).await;
        }
        // An Agno-layout item without a session_type is no agent's session.
        if layout == KeyLayout::Agno {
            let item = [
                ("session_id".to_owned(), s("no-type")),
                ("runs".to_owned(), s("[]")),
            ]
            .into();
            dynamo_local::put_item(&client, &database.table, item).await;
        }
        let app = app(vec![database], None);

        let mut corrupt = 0;
        let mut mismatches = Vec::new();
        for (id, _, expect) in cases() {
            logs.take();
            let answer = get(&app, &format!("/sessions/{id}"), "", &[]).await;
            let what = format!("{layout:?} {id}");
            let log = logs.take();
            assert!(
                !log.contains(SECRET),
                "{what}: the log quotes the stored value: {log}"
            );
            assert!(
                !answer.text.contains(SECRET) || answer.status == 200,
                "{what}: {}",
                answer.text
            );
            match expect {
                Expect::Corrupt(problem) => {
                    assert_eq!(answer.status, 500, "{what}: {}", answer.text);
                    let detail = format!("Stored session '{id}' cannot be read: {problem}");
                    if answer.json() != json!({ "detail": detail }) {
                        mismatches.push(format!("{what}: {}", answer.text));
                        continue;
                    }
                    // One ERROR line, with the key, that a log query can find (beside the
                    // request's INFO line).
                    let lines: Vec<serde_json::Value> = log
                        .lines()
                        .map(|l| {
                            serde_json::from_str(l)
                                .unwrap_or_else(|e| panic!("{what}: JSON log line ({e}): {l}"))
                        })
                        .collect();
                    let errors: Vec<&serde_json::Value> =
                        lines.iter().filter(|l| l["level"] == "ERROR").collect();
                    assert_eq!(errors.len(), 1, "{what}: one ERROR line: {log}");
                    let line = errors[0];
                    assert_eq!(line["level"], "ERROR", "{what}");
                    assert_eq!(line["fields"]["status"], 500, "{what}");
                    assert!(
                        line["fields"]["error"]
                            .as_str()
                            .unwrap()
                            .contains(&format!("'{id}'")),
                        "{what}: {log}"
                    );
                    corrupt += 1;
                }
                Expect::Document(check) => {
                    assert_eq!(answer.status, 200, "{what}: {}", answer.text);
                    assert!(check(&answer.json()), "{what}: {}", answer.text);
                    // Only the request's own INFO line: no error logged.
                    assert!(
                        log.lines().all(|l| l.contains(r#""level":"INFO""#)),
                        "{what}: {log}"
                    );
                }
                Expect::Contains(text) => {
                    assert_eq!(answer.status, 200, "{what}: {:.300}", answer.text);
                    assert!(answer.text.contains(text), "{what}: {:.300}", answer.text);
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "unexpected details:\n{}",
            mismatches.join("\n")
        );
        assert_eq!(corrupt, 19, "corrupt items answered 500");
        if layout == KeyLayout::Agno {
            let answer = get(&app, "/sessions/no-type", "", &[]).await;
            assert_eq!(answer.status, 404, "{}", answer.text);
            for kind in ["team", "workflow"] {
                let answer = get(&app, "/sessions/no-type", &format!("type={kind}"), &[]).await;
                assert_eq!(answer.status, 404, "{kind}: {}", answer.text);
            }
        }
    }
}

/// A workflow's name is `json.dumps` of its first run's input: nested deeper than
/// Python could dump (its recursion limit), it is a corrupt item, not a crash.
#[tokio::test]
async fn deeply_nested_workflow_input_is_refused_not_a_stack_overflow() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let client = dynamo_local::client(&dynamo_local::endpoint());
    // 60 000 levels: about 360 KB, under DynamoDB's item limit.
    let depth = 60_000;
    let input = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let runs = format!("[{{\"input\": {input}}}]");
    let item = [
        ("session_id".to_owned(), s("deep-input")),
        ("session_type".to_owned(), s("workflow")),
        ("runs".to_owned(), s(&runs)),
    ]
    .into();
    dynamo_local::put_item(&client, &database.table, item).await;
    let app = app(vec![database], None);
    let answer = get(&app, "/sessions/deep-input", "type=workflow", &[]).await;
    assert_eq!(answer.status, 500, "{:.200}", answer.text);
    assert_eq!(
        answer.json(),
        json!({"detail": "Stored session 'deep-input' cannot be read: attribute 'runs' is nested too deeply"})
    );
}

/// Near DynamoDB's 400 KB item limit: answered in full, quickly, for every type.
#[tokio::test]
async fn items_near_the_size_limit_are_answered() {
    let database = demo_database("demo", KeyLayout::Agno).await;
    let client = dynamo_local::client(&dynamo_local::endpoint());
    // About 390 KB of runs: 1250 messages of 250 characters.
    let message = |i: usize| {
        json!({"id": format!("m{i}"), "role": if i.is_multiple_of(2) { "user" } else { "assistant" },
            "content": format!("{i:05} {}", "x".repeat(240)), "created_at": 1757088129})
    };
    let runs = json!([{"run_id": "r1", "agent_id": "a", "team_id": "t",
        "messages": (0..1250).map(message).collect::<Vec<_>>()}])
    .to_string();
    assert!((350_000..400_000).contains(&runs.len()), "{}", runs.len());
    for (id, kind) in [
        ("big-agent", "agent"),
        ("big-team", "team"),
        ("big-workflow", "workflow"),
    ] {
        let item = [
            ("session_id".to_owned(), s(id)),
            ("session_type".to_owned(), s(kind)),
            ("runs".to_owned(), s(&runs)),
        ]
        .into();
        dynamo_local::put_item(&client, &database.table, item).await;
    }
    // One byte over the limit is refused by DynamoDB itself.
    let too_big = [
        ("session_id".to_owned(), s("too-big")),
        ("runs".to_owned(), s(&"y".repeat(400 * 1024))),
    ]
    .into();
    let refused = client
        .put_item()
        .table_name(&database.table)
        .set_item(Some(too_big))
        .send()
        .await;
    assert!(refused.is_err(), "DynamoDB stores items over 400 KB?");

    let app = app(vec![database], None);
    for (id, kind) in [
        ("big-agent", "agent"),
        ("big-team", "team"),
        ("big-workflow", "workflow"),
    ] {
        let start = Instant::now();
        let answer = get(
            &app,
            &format!("/sessions/{id}"),
            &format!("type={kind}"),
            &[],
        )
        .await;
        let elapsed = start.elapsed();
        assert_eq!(answer.status, 200, "{id}: {:.300}", answer.text);
        let document = answer.json();
        if kind == "workflow" {
            assert_eq!(document["session_id"], id);
        } else {
            assert_eq!(
                document["chat_history"].as_array().unwrap().len(),
                1250,
                "{id}"
            );
            assert!(answer.text.len() > 350_000, "{id}: {}", answer.text.len());
        }
        println!("{id}: {} bytes in {elapsed:?}", answer.text.len());
        // Not a speed check (the time is printed): a guard against work that grows
        // with the square of the item, which would take minutes at this size.
        assert!(elapsed.as_secs() < 60, "{id}: {elapsed:?}");
    }
}
