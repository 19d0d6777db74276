//! Rendering from stored items, no AWS involved.

use agno_session_lambda::testing::{decode, item_from_json, render};
use agno_session_lambda::{Contract, SessionType};
use serde_json::Value;

fn load(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn demo_agent_session_renders_the_spec_example() {
    let item = item_from_json(&load("demo/agent-basic.json")).unwrap();
    let record = decode(item).unwrap();
    let body = render(&record, SessionType::Agent, Contract::V2_1).unwrap();
    let got: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(got, load("tests/data/spec_example.json"));
}

#[path = "../../bench/sessions.rs"]
pub(crate) mod bench_sessions;

/// The chat history scanner takes what Agno stores (the benchmark's sessions, the demo
/// ones), and agrees with the serde path on every golden-suite item.
#[test]
fn stored_runs_are_scanned_and_agree_with_serde() {
    use agno_session_lambda::testing::check_scanner;
    let runs = |item: &Value| item["runs"]["S"].as_str().map(str::to_owned);
    for session in bench_sessions::all(std::path::Path::new("demo")) {
        let text = runs(&session.item).unwrap();
        let scanned = check_scanner(&text).unwrap_or_else(|e| panic!("{}: {e}", session.name));
        assert_eq!(scanned, 4, "{}", session.name);
    }
    let fixtures = load("tests/compat/fixtures/items.json");
    let items = fixtures["items"].as_array().unwrap();
    let mut scanned = 0;
    for case in items {
        if let Some(text) = runs(&case["item"]) {
            scanned += check_scanner(&text).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        }
    }
    assert!(scanned > items.len(), "{scanned}");
}
