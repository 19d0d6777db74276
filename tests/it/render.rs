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
