//! agno 3.x storage, opt-in: runs kept in their own table, and type detection when
//! `type` is omitted. Items written by agno 3.1.10's own storage (tests/data/agno3).
//! The 2.1.10 contract is unchanged: a session read with its runs table renders exactly
//! as the same session with its runs inside the item.

use crate::common::{demo_database, dynamo_local, get, load_json, unique_table};
use agno_session_lambda::testing::{Database, Item, KeyLayout, item_from_json};
use agno_session_lambda::{App, Config, DynamoStore};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

fn item(json: &Value) -> Item {
    item_from_json(json).expect("DynamoDB JSON")
}

/// The 3.x sessions, each as (session item, runs-table rows).
fn sessions() -> Vec<(String, Item, Vec<Item>)> {
    let data = load_json("tests/data/agno3/sessions_3.1.10.json");
    data["sessions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| {
            (
                name.clone(),
                item(&s["session"]),
                s["runs"].as_array().unwrap().iter().map(item).collect(),
            )
        })
        .collect()
}

fn app(databases: Vec<Database>, detect: bool) -> App<DynamoStore> {
    let config = Config {
        databases,
        detect_session_type: detect,
        metrics_namespace: None,
        ..Default::default()
    };
    App::new(
        config,
        DynamoStore::new(dynamo_local::client(&dynamo_local::endpoint())),
    )
}

/// One 3.x database (sessions table in the agno layout + runs table) holding `name`'s
/// session, and one 2.1.10-style database holding the same session with its runs merged
/// into the item, in the order AgentOS 3.x merges them.
async fn both_ways(session: Item, rows: Vec<Item>) -> (Database, Database) {
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let (sessions, runs, legacy) = (
        unique_table("v3-sessions"),
        unique_table("v3-runs"),
        unique_table("v3-legacy"),
    );
    dynamo_local::create_table(&client, &sessions, KeyLayout::Agno).await;
    dynamo_local::create_runs_table(&client, &runs).await;
    dynamo_local::create_table(&client, &legacy, KeyLayout::Agno).await;

    let mut merged: Vec<Value> = match session.get("runs") {
        Some(AttributeValue::S(text)) => serde_json::from_str(text).unwrap(),
        _ => Vec::new(),
    };
    let mut ordered: Vec<&Item> = rows.iter().collect();
    let number = |row: &Item, name: &str| {
        row.get(name)
            .and_then(|v| v.as_n().ok())
            .map_or(0.0, |n| n.parse::<f64>().unwrap())
    };
    ordered.sort_by(|a, b| {
        (number(a, "run_index"), number(a, "created_at"))
            .partial_cmp(&(number(b, "run_index"), number(b, "created_at")))
            .unwrap()
    });
    for row in ordered {
        let run: Value = serde_json::from_str(row["run_data"].as_s().unwrap()).unwrap();
        match merged.iter_mut().find(|r| r["run_id"] == run["run_id"]) {
            Some(existing) => *existing = run,
            None => merged.push(run),
        }
    }
    let mut legacy_item = session.clone();
    legacy_item.insert(
        "runs".into(),
        AttributeValue::S(Value::Array(merged).to_string()),
    );

    dynamo_local::put_item(&client, &sessions, session).await;
    for row in rows {
        dynamo_local::put_item(&client, &runs, row).await;
    }
    dynamo_local::put_item(&client, &legacy, legacy_item).await;
    (
        Database {
            id: "v3".into(),
            table: sessions,
            layout: KeyLayout::Agno,
            runs_table: Some(runs),
        },
        Database {
            id: "legacy".into(),
            table: legacy,
            layout: KeyLayout::Agno,
            runs_table: None,
        },
    )
}

#[tokio::test]
async fn runs_table_sessions_render_as_if_their_runs_were_in_the_item() {
    for (name, session, rows) in sessions() {
        let id = session["session_id"].as_s().unwrap().clone();
        let kind = session["session_type"].as_s().unwrap().clone();
        let (v3, legacy) = both_ways(session, rows).await;
        let app = app(vec![v3, legacy], false);
        let path = format!("/sessions/{id}");
        let query = |db: &str| format!("type={kind}&db_id={db}");

        let from_runs_table = get(&app, &path, &query("v3"), &[]).await;
        let from_item = get(&app, &path, &query("legacy"), &[]).await;
        assert_eq!(
            from_runs_table.status, 200,
            "{name}: {}",
            from_runs_table.text
        );
        assert_eq!(from_runs_table.json(), from_item.json(), "{name}");

        let document = from_runs_table.json();
        if kind != "workflow" {
            let history = document["chat_history"].as_array().unwrap();
            assert!(
                history.len() >= 4,
                "{name}: runs from the runs table make the chat history"
            );
        }
        assert_ne!(
            document["session_name"], "",
            "{name}: the name comes from the first run"
        );
        println!(
            "{name}: {} runs-table rows merged, session_name {}",
            kind, document["session_name"]
        );
    }
}

#[tokio::test]
async fn legacy_runs_and_runs_table_rows_merge_in_order() {
    let (_, session, rows) = sessions()
        .into_iter()
        .find(|(name, ..)| name == "agent-mixed")
        .unwrap();
    let (v3, _) = both_ways(session, rows).await;
    let app = app(vec![v3], false);
    let document = get(&app, "/sessions/agent-sess-0001", "", &[]).await.json();
    let users: Vec<&str> = document["chat_history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        users.len(),
        3,
        "two runs in the item, one in the runs table: {users:?}"
    );
    assert_eq!(users[2], "Third");
}

#[tokio::test]
async fn type_detection_when_configured() {
    for layout in [KeyLayout::Agno, KeyLayout::Composite] {
        let database = demo_database("demo", layout).await;
        // Off (the default): no type means agent, as AgentOS 2.1.10.
        let plain = app(vec![database.clone()], false);
        let answer = get(&plain, "/sessions/team-demo-1", "", &[]).await;
        assert_eq!(
            (answer.status, answer.json()),
            (
                404,
                json!({"detail": "Agent Session with id 'team-demo-1' not found"})
            )
        );

        let detecting = app(vec![database], true);
        for (id, field) in [
            ("team-demo-1", "team_id"),
            ("workflow-demo-1", "workflow_id"),
            ("6f6cfbfd-9643-479a-ae47-b8f32eb4d710", "agent_id"),
        ] {
            let answer = get(&detecting, &format!("/sessions/{id}"), "", &[]).await;
            assert_eq!(answer.status, 200, "{layout:?} {id}: {}", answer.text);
            assert!(
                answer.json().get(field).is_some(),
                "{layout:?} {id} answered as its own type"
            );
        }
        // A given type still has to match, as in 2.1.10.
        assert_eq!(
            get(&detecting, "/sessions/team-demo-1", "type=agent", &[])
                .await
                .status,
            404
        );
        let answer = get(&detecting, "/sessions/nope", "", &[]).await;
        assert_eq!(
            (answer.status, answer.json()),
            (404, json!({"detail": "Session with id 'nope' not found"}))
        );
    }
}

/// With type detection, ownership is decided first: another user's session answers 404
/// whatever its stored type, and no error quotes a stored value. On a composite table
/// where one id is stored under two types for two users, each user gets their own.
#[tokio::test]
async fn type_detection_decides_ownership_first() {
    let client = dynamo_local::client(&dynamo_local::endpoint());
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let item = |pairs: &[(&str, &str)]| -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect()
    };

    // An id-keyed table (Agno's layout): one item, of a type Agno does not know.
    let agno = unique_table("detect-agno");
    dynamo_local::create_table(&client, &agno, KeyLayout::Agno).await;
    let odd = [
        ("session_id", "odd-type"),
        ("session_type", "gizmo-7f3"),
        ("user_id", "A"),
    ];
    dynamo_local::put_item(&client, &agno, item(&odd)).await;
    let detecting = app(
        vec![Database {
            id: "db".into(),
            table: agno,
            layout: KeyLayout::Agno,
            runs_table: None,
        }],
        true,
    );
    let answer = get(&detecting, "/sessions/odd-type", "user_id=B", &[]).await;
    assert_eq!(
        (answer.status, answer.json()),
        (
            404,
            json!({"detail": "Session with id 'odd-type' not found"})
        )
    );
    for query in ["", "user_id=A"] {
        let answer = get(&detecting, "/sessions/odd-type", query, &[]).await;
        assert_eq!(answer.status, 500, "{query}: {}", answer.text);
        assert!(!answer.text.contains("gizmo"), "{query}: {}", answer.text);
    }

    // A composite table: "dup" is A's agent session and B's team session.
    let composite = unique_table("detect-composite");
    dynamo_local::create_table(&client, &composite, KeyLayout::Composite).await;
    let agent = [
        ("session_id", "dup"),
        ("session_type", "agent"),
        ("user_id", "A"),
        ("agent_id", "agent-of-a"),
    ];
    let team = [
        ("session_id", "dup"),
        ("session_type", "team"),
        ("user_id", "B"),
        ("team_id", "team-of-b"),
    ];
    dynamo_local::put_item(&client, &composite, item(&agent)).await;
    dynamo_local::put_item(&client, &composite, item(&team)).await;
    let detecting = app(
        vec![Database {
            id: "db".into(),
            table: composite,
            layout: KeyLayout::Composite,
            runs_table: None,
        }],
        true,
    );
    for (query, field, value) in [
        ("user_id=B", "team_id", "team-of-b"),
        ("user_id=A", "agent_id", "agent-of-a"),
        // No user: the first type by sort key, as before.
        ("", "agent_id", "agent-of-a"),
    ] {
        let answer = get(&detecting, "/sessions/dup", query, &[]).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.text);
        assert_eq!(answer.json()[field], value, "{query}");
    }
    let answer = get(&detecting, "/sessions/dup", "user_id=C", &[]).await;
    assert_eq!(answer.status, 404, "{}", answer.text);
}
