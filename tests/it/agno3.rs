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

/// The 3.1 contract's fixtures: items agno 3.1.10 stored and the answers it gave.
fn compat3() -> (Value, Value) {
    (
        load_json("tests/compat3/fixtures/items.json"),
        load_json("tests/compat3/fixtures/cases.json"),
    )
}

/// `AGENTOS_VERSION=3.1` and nothing else: the tables agno 3.1.10 creates by default
/// (`agno_sessions`, keyed on `session_id`, and `agno_runs`) are read as they are, and
/// every recorded answer for them comes back.
#[tokio::test]
async fn agentos_3_1_needs_no_other_setting_for_the_tables_agno_creates() {
    let (items, cases) = compat3();
    let client = dynamo_local::client_in(&dynamo_local::endpoint(), "agnodefaults");
    dynamo_local::create_table(&client, "agno_sessions", KeyLayout::Agno).await;
    dynamo_local::create_runs_table(&client, "agno_runs").await;
    for named in items["items"].as_array().unwrap() {
        if named["database"] != "compat3-db" {
            continue;
        }
        dynamo_local::put_item(&client, "agno_sessions", item(&named["item"])).await;
        for row in named["runs"].as_array().unwrap() {
            dynamo_local::put_item(&client, "agno_runs", item(row)).await;
        }
    }
    let mut config = Config::from_lookup(|name| (name == "AGENTOS_VERSION").then(|| "3.1".into()))
        .expect("valid");
    config.metrics_namespace = None;
    let app = App::new(config, DynamoStore::new(client));

    let mut checked = 0;
    for case in cases["cases"].as_array().unwrap() {
        let query = case["query"].as_str().unwrap();
        let plain = case["setup"] == "single"
            && case["method"] == "GET"
            && case["headers"].as_object().unwrap().is_empty()
            && !query.contains("db_id")
            && !query.contains("table");
        if !plain {
            continue;
        }
        let answer = get(&app, case["path"].as_str().unwrap(), query, &[]).await;
        let expected = &case["expected"];
        assert_eq!(answer.status, expected["status"], "{}", case["id"]);
        if answer.status != 307 {
            assert_eq!(answer.json(), expected["body"], "{}", case["id"]);
        }
        checked += 1;
    }
    assert!(checked > 400, "only {checked} cases apply");
    println!(
        "AGENTOS_VERSION=3.1 alone: {checked} recorded answers from agno_sessions + agno_runs"
    );
}

/// A direct invocation follows the contract: no `type` reads the stored type, a given
/// type is the shape answered, `table` picks a table, and 3.1's error texts.
#[tokio::test]
async fn direct_invocation_under_agentos_3_1() {
    let (items, _) = compat3();
    let client = dynamo_local::client_in(&dynamo_local::endpoint(), "agnodirect");
    dynamo_local::create_table(&client, "agno_sessions", KeyLayout::Agno).await;
    dynamo_local::create_runs_table(&client, "agno_runs").await;
    for named in items["items"].as_array().unwrap() {
        let name = named["name"].as_str().unwrap();
        if named["database"] == "compat3-db" && ["team-basic", "agent-basic"].contains(&name) {
            dynamo_local::put_item(&client, "agno_sessions", item(&named["item"])).await;
            for row in named["runs"].as_array().unwrap() {
                dynamo_local::put_item(&client, "agno_runs", item(row)).await;
            }
        }
    }
    let lookup = |name: &str| match name {
        "AGENTOS_VERSION" => Some("3.1".to_owned()),
        "SESSION_DATABASES" => Some("main=agno_sessions".to_owned()),
        "METRICS_NAMESPACE" => Some("off".to_owned()),
        _ => None,
    };
    let app = App::new(
        Config::from_lookup(lookup).unwrap(),
        DynamoStore::new(client),
    );
    let team = crate::common::send(&app, &json!({"session_id": "team-basic"}))
        .await
        .expect("found");
    assert_eq!(team.json()["team_id"], "research-team");
    assert!(team.json().get("agent_session_id").is_none());
    let as_team = crate::common::send(
        &app,
        &json!({"session_id": "agent-basic", "type": "team", "db_id": "main", "table": "agno_sessions"}),
    )
    .await
    .expect("3.1 reads by id and answers the shape asked for");
    assert!(as_team.json().get("agent_session_id").is_none());
    for (event, error_type, message) in [
        (
            json!({"session_id": "nope"}),
            "SessionNotFound",
            "Session with id 'nope' not found",
        ),
        (
            json!({"session_id": "agent-basic", "db_id": "other"}),
            "DatabaseNotFound",
            "No database found with id 'other'",
        ),
        (
            json!({"session_id": "agent-basic", "table": "agno_sessions"}),
            "InvalidRequest",
            "The db_id query parameter is required when passing a table",
        ),
        (
            json!({"session_id": "agent-basic", "db_id": "main", "table": "t2"}),
            "DatabaseNotFound",
            "No database with id 'main' has table 't2'",
        ),
    ] {
        let error = crate::common::send(&app, &event)
            .await
            .expect_err("an error");
        assert_eq!(
            (error.error_type, error.message.as_str()),
            (error_type, message)
        );
    }
}

/// Under 3.1, `GET /openapi.json` is AgentOS 3.1.10's own description, and its answers
/// validate against it.
#[tokio::test]
async fn openapi_3_1_describes_the_answers() {
    let (items, _) = compat3();
    let client = dynamo_local::client_in(&dynamo_local::endpoint(), "agnoopenapi");
    dynamo_local::create_table(&client, "agno_sessions", KeyLayout::Agno).await;
    dynamo_local::create_runs_table(&client, "agno_runs").await;
    for named in items["items"].as_array().unwrap() {
        if named["database"] == "compat3-db" {
            dynamo_local::put_item(&client, "agno_sessions", item(&named["item"])).await;
            for row in named["runs"].as_array().unwrap() {
                dynamo_local::put_item(&client, "agno_runs", item(row)).await;
            }
        }
    }
    let lookup = |name: &str| match name {
        "AGENTOS_VERSION" => Some("3.1".to_owned()),
        "OS_SECURITY_KEY" => Some("k".to_owned()),
        "METRICS_NAMESPACE" => Some("off".to_owned()),
        _ => None,
    };
    let app = App::new(
        Config::from_lookup(lookup).unwrap(),
        DynamoStore::new(client),
    );
    let openapi = get(&app, "/openapi.json", "", &[]).await.json();
    assert_eq!(openapi, load_json("openapi-3.1.json"));
    let operation = &openapi["paths"]["/sessions/{session_id}"]["get"];
    let names: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["session_id", "type", "user_id", "db_id", "table"]);
    let mut checked = 0;
    for named in items["items"].as_array().unwrap() {
        if named["database"] != "compat3-db" {
            continue;
        }
        let id = named["item"]["session_id"]["S"].as_str().unwrap();
        let path = format!("/sessions/{}", urlencoding(id));
        let answer = get(&app, &path, "", &[("authorization", "Bearer k")]).await;
        let declared = &operation["responses"][answer.status.to_string()];
        let schema = &declared["content"]["application/json"]["schema"];
        if let Err(problem) = crate::http_features::validate(&answer.json(), schema, &openapi) {
            panic!("{id} ({}): {problem}", answer.status);
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} sessions");
}

fn urlencoding(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
