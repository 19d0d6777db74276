//! Security: what the logs hold, `user_id` scoping under encoding tricks, caching of
//! authenticated answers, the key comparison, and the function's IAM permissions.

use crate::common::{LogCapture, Source, app, demo_database, dynamo_local, get, send};
use agno_session_lambda::testing::{KeyLayout, SecurityKey};
use aws_sdk_dynamodb::types::AttributeValue;
use proptest::prelude::*;
use serde_json::json;

const SEED: &str = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710";
const KEY: &str = "k3y-Vq8xZ2-do-not-log";
const SECRET: &str = "SESSION-SECRET-91c2";

/// A request with the key, a wrong token, a 500 on a corrupt item, a refused event and
/// a direct invocation, at every log level from TRACE to ERROR: the log names statuses,
/// sessions and problems, and holds neither the key, nor a token, nor anything stored
/// in a session (at DEBUG and TRACE the SDK would log DynamoDB's answers: other crates
/// are capped at WARN).
#[tokio::test]
async fn logs_hold_no_key_token_or_session_content() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let corrupt = [
        ("session_id", "corrupt-1"),
        ("session_type", "agent"),
        ("user_id", SECRET),
        (
            "runs",
            &format!("[{{\"messages\": [{{\"content\": \"{SECRET}\"}}]}}]"),
        ),
        (
            "session_data",
            &format!("{{\"session_name\": \"{SECRET}\"}}"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
    .collect();
    dynamo_local::put_item(&client, &database.table, corrupt).await;
    let app = app(vec![database], Some(KEY));
    let bearer = format!("Bearer {KEY}");
    let seed = format!("/sessions/{SEED}");

    for level in ["trace", "debug", "info", "warn", "error"] {
        let logs = LogCapture::default();
        let guard = logs.install(level);
        let ok = get(&app, &seed, "", &[("authorization", &bearer)]).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
        // The answer itself holds session content (the log must not).
        assert!(ok.text.contains("Digimon"));
        let wrong = get(
            &app,
            &seed,
            "",
            &[("authorization", "Bearer wrong-token-5150")],
        )
        .await;
        assert_eq!(wrong.status, 401);
        let failed = get(
            &app,
            "/sessions/corrupt-1",
            "",
            &[("authorization", &bearer)],
        )
        .await;
        assert_eq!(failed.status, 500, "{}", failed.text);
        assert!(!failed.text.contains(SECRET), "{}", failed.text);
        let event = Source::HttpApi.event(
            "GET",
            &seed,
            "",
            &[("authorization", &bearer), ("host", "bad host")],
        );
        assert_eq!(send(&app, &event).await.unwrap().status, 400);
        let direct = send(&app, &json!({"session_id": "corrupt-1", "user_id": SECRET})).await;
        assert_eq!(direct.unwrap_err().error_type, "CorruptSession");
        drop(guard);

        let text = logs.text();
        println!("{level}: {} lines", text.lines().count());
        for line in text.lines() {
            let line: serde_json::Value = serde_json::from_str(line).expect("JSON log lines");
            assert!(line["level"].is_string(), "{line}");
        }
        // The 500 is logged at every level, with the key of the item.
        assert!(
            text.lines()
                .any(|l| l.contains("\"ERROR\"") && l.contains("'corrupt-1'")),
            "{level}: {text}"
        );
        for secret in [
            KEY,
            "wrong-token-5150",
            "Bearer",
            "authorization",
            SECRET,
            "Digimon",
            "What tools do you have?",
        ] {
            assert!(
                !text.contains(secret),
                "{level}: the log holds {secret:?}: {text}"
            );
        }
    }
}

/// Owner "123". A user id that is exactly "123" (however percent-encoded) sees the
/// session; look-alikes, padding and NUL bytes do not. As in AgentOS, the last
/// `user_id` is the one that scopes, and other spellings (`user_id[]`) are other
/// parameters: leaving them out scopes to no one, as leaving `user_id` out does.
#[tokio::test]
async fn user_id_scoping_cannot_be_bypassed_by_encoding() {
    let app = app(vec![demo_database("demo", KeyLayout::Agno).await], None);
    let seed = format!("/sessions/{SEED}");
    let cases: [(&str, u16); 24] = [
        ("user_id=123", 200),
        ("user_id=%31%32%33", 200),
        ("user%5Fid=123", 200),
        ("user_id[]=123", 200),
        ("user_id=123&user_id=123", 200),
        ("user_id=&user_id=123", 200),
        ("user_id=123%00", 404),
        ("user_id=%00123", 404),
        ("user_id=123%20", 404),
        ("user_id=+123", 404),
        ("user_id=123%0A", 404),
        ("user_id=%EF%BC%91%EF%BC%92%EF%BC%93", 404), // fullwidth １２３
        ("user_id=%F0%9D%9F%8F%F0%9D%9F%90%F0%9D%9F%91", 404), // mathematical bold digits
        ("user_id=123%E2%80%8B", 404),                // zero-width space
        ("user_id=l23", 404),
        ("user_id=%C2%B9%C2%B2%C2%B3", 404), // superscripts
        ("user_id=123%FF", 404),             // invalid UTF-8
        ("user_id=%2531%2532%2533", 404),    // double encoding stays encoded
        ("user_id=456", 404),
        ("user_id[]=456", 200),
        ("user_id[0]=456&user_id=123", 200),
        ("user_id=456&user_id=123", 200),
        ("user_id=123&user_id=456", 404),
        ("user_id=456&user_id[]=123", 404),
    ];
    for source in Source::ALL {
        for (query, status) in cases {
            // An ALB (multi-value off) passes only the last of a repeated name: those
            // cases depend on the load balancer's setting, not on this function.
            let repeated = query.matches("user_id=").count() > 1;
            if source == Source::Alb && repeated {
                continue;
            }
            let answer = send(&app, &source.event("GET", &seed, query, &[]))
                .await
                .unwrap();
            assert_eq!(answer.status, status, "{source:?} {query}: {}", answer.text);
            if status == 200 {
                assert_eq!(answer.json()["user_id"], "123");
            } else {
                assert_eq!(
                    answer.json(),
                    json!({"detail": format!("Agent Session with id '{SEED}' not found")}),
                    "{source:?} {query}"
                );
            }
        }
    }
}

/// With a key configured, no answer may be stored by a cache: 200, 307, 401, 404, 405,
/// 414 and 422 alike.
#[tokio::test]
async fn authenticated_answers_are_not_cached() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Composite).await],
        Some(KEY),
    );
    let bearer = format!("Bearer {KEY}");
    let auth: &[(&str, &str)] = &[("authorization", &bearer)];
    let seed = format!("/sessions/{SEED}");
    for (method, path, query, headers, status) in [
        ("GET", seed.as_str(), "", auth, 200),
        ("HEAD", &seed, "", auth, 405),
        ("GET", &format!("{seed}/"), "", auth, 307),
        ("GET", &seed, "", &[][..], 401),
        ("GET", "/sessions/nope", "", auth, 404),
        ("GET", "/nope", "", auth, 404),
        ("DELETE", &seed, "", auth, 405),
        ("GET", &seed, "type=bogus", auth, 422),
        // Refused before routing (src/event.rs).
        ("GET", &seed, &"q=1&".repeat(5000), auth, 414),
    ] {
        let answer = send(&app, &Source::HttpApi.event(method, path, query, headers))
            .await
            .unwrap();
        assert_eq!(answer.status, status, "{method} {path}?{query}");
        assert_eq!(
            answer.header("cache-control"),
            Some("no-store"),
            "{method} {path}?{query}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The constant-time comparison is still a comparison: equal exactly when equal.
    #[test]
    fn key_comparison_is_equality(key in ".{1,40}", token in ".{0,40}", cut in 0usize..40) {
        let security_key = SecurityKey::new(key.clone());
        prop_assert_eq!(security_key.matches(&token), key == token);
        prop_assert!(security_key.matches(&key));
        // Prefixes and extensions of the key never match.
        let prefix: String = key.chars().take(cut).collect();
        prop_assert_eq!(security_key.matches(&prefix), prefix == key);
        let extended = format!("{key}\0");
        prop_assert!(!security_key.matches(&extended));
    }
}

/// The function may only read single items of its table: `dynamodb:GetItem`, and
/// `dynamodb:Query` only where an opt-in needs it (type detection on a composite table,
/// an agno 3.x runs table), `dynamodb:DescribeTable` only under the 3.1 contract, each
/// under its condition.
#[test]
fn iam_allows_only_get_item() {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml")).unwrap();
    let lines: Vec<&str> = template.lines().collect();
    let mut actions = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for word in line
            .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"' | '\''))
            .filter(|word| word.to_ascii_lowercase().starts_with("dynamodb:"))
        {
            let conditions: &[&str] = match word {
                "dynamodb:Query" => &["- QueryTable", "- ReadRuns"],
                "dynamodb:DescribeTable" => &["- AgentOs3"],
                _ => &[],
            };
            if !conditions.is_empty() {
                let guarded = lines[i.saturating_sub(6)..i]
                    .iter()
                    .any(|l| conditions.contains(&l.trim()));
                assert!(guarded, "{word} outside its condition, line {}", i + 1);
            }
            actions.push(word);
        }
    }
    assert_eq!(
        actions,
        [
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Query",
            "dynamodb:DescribeTable"
        ],
        "DynamoDB actions in template.yaml"
    );
    // Keys from secret stores: exactly the secret and parameter named, under their
    // conditions.
    let grants = |action: &str| -> Vec<usize> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains(&format!("Action: {action}")))
            .map(|(i, _)| i)
            .collect()
    };
    let secrets = grants("secretsmanager:GetSecretValue");
    assert_eq!(secrets.len(), 1);
    let block = lines[secrets[0] - 4..secrets[0] + 4].join("\n");
    assert!(block.contains("- ReadsSecrets"), "{block}");
    assert!(
        block.contains("!Ref SecurityKeySecretArn")
            && block.contains("!Ref JwtVerificationKeySecretArn")
    );
    let parameters = grants("ssm:GetParameter");
    assert_eq!(parameters.len(), 1);
    let block = lines[parameters[0] - 4..parameters[0] + 2].join("\n");
    assert!(block.contains("- HasJwtKeyParameter"), "{block}");
    assert!(
        block.contains("parameter/${JwtVerificationKeyParameterName}"),
        "{block}"
    );
    assert!(!template.contains("secretsmanager:*") && !template.contains("ssm:*"));
    // No managed policy that grants more (DynamoDBCrudPolicy, DynamoDBReadPolicy, …).
    assert!(!template.contains("DynamoDBCrudPolicy") && !template.contains("DynamoDBReadPolicy"));
    assert!(!template.contains("Action: \"*\"") && !template.contains("Action: '*'"));
}

/// A token with bytes outside ASCII is a token, read as Starlette reads header bytes
/// (Latin-1): wrong, not missing, as AgentOS answers.
#[tokio::test]
async fn non_ascii_tokens_are_wrong_not_missing() {
    let app = app(
        vec![demo_database("demo", KeyLayout::Agno).await],
        Some(KEY),
    );
    let seed = format!("/sessions/{SEED}");
    for token in ["Bearer caf\u{e9}", "Bearer \u{1F511}", "Bearer k3y-\u{e9}"] {
        let answer = get(&app, &seed, "", &[("authorization", token)]).await;
        assert_eq!(
            (answer.status, answer.json()),
            (401, json!({"detail": "Invalid authentication token"})),
            "{token}"
        );
    }
}

/// One query, read one way: an HTTP API event's decoded map must agree with its raw
/// query string on `user_id`, `type` and `db_id`, or the event is refused; agreeing
/// events (repeated values joined by commas, as API Gateway joins them) are answered.
#[tokio::test]
async fn query_maps_that_disagree_never_widen_access() {
    let app = app(vec![demo_database("demo", KeyLayout::Agno).await], None);
    let seed = format!("/sessions/{SEED}");
    let event = |raw: &str, map: serde_json::Value| {
        let mut event = Source::HttpApi.event("GET", &seed, raw, &[]);
        event["queryStringParameters"] = map;
        event
    };
    for (raw, map, status) in [
        ("user_id=123", json!({"user_id": "123"}), 200),
        ("user_id=1&user_id=123", json!({"user_id": "1,123"}), 200),
        ("user_id=a+b", json!({"user_id": "a b"}), 404),
        ("user_id=a+b", json!({"user_id": "a+b"}), 404),
        ("", json!({"user_id": "someone-else"}), 404),
        ("user_id=123", json!({"user_id": "someone-else"}), 400),
        ("user_id=123", json!({}), 200),
        ("user_id=123", json!({"other": "x"}), 400),
        ("type=team", json!({"type": "agent"}), 400),
    ] {
        let answer = send(&app, &event(raw, map.clone())).await.unwrap();
        assert_eq!(answer.status, status, "{raw} {map}: {}", answer.text);
    }
    // REST API: the last-value map must be the multi-value map's last values.
    for (multi, single, status) in [
        (
            json!({"user_id": ["x", "123"]}),
            json!({"user_id": "123"}),
            200,
        ),
        (json!({"user_id": ["123"]}), json!({"user_id": "x"}), 400),
        (json!({"user_id": []}), serde_json::Value::Null, 200),
    ] {
        let mut event = Source::RestApi.event("GET", &seed, "", &[]);
        event["multiValueQueryStringParameters"] = multi.clone();
        event["queryStringParameters"] = single.clone();
        let answer = send(&app, &event).await.unwrap();
        assert_eq!(answer.status, status, "{multi} {single}: {}", answer.text);
    }
}

/// A direct invocation is not bounded by a URL: a 5 MB session id is refused without
/// being echoed into the error or the log, and no error message is longer than 2 KiB
/// plus an ellipsis, whatever the event quotes.
#[tokio::test]
async fn huge_direct_events_are_not_echoed() {
    let logs = LogCapture::default();
    let _guard = logs.install("trace");
    let app = app(vec![demo_database("demo", KeyLayout::Agno).await], None);
    let huge = "x".repeat(5 * 1024 * 1024);
    for event in [
        json!({"session_id": huge}),
        json!({"session_id": "s", "type": huge}),
        json!({ huge.as_str(): 1 }),
    ] {
        let error = send(&app, &event).await.unwrap_err();
        assert_eq!(error.error_type, "InvalidRequest");
        assert!(error.message.len() <= 2048 + 3, "{}", error.message.len());
    }
    let text = logs.text();
    assert!(text.len() < 64 * 1024, "the log holds {} bytes", text.len());
    assert!(!text.contains(&"x".repeat(4096)));
}
