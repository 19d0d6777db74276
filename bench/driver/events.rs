//! What the Lambda function is asked for a session, and what it answers.

use serde_json::Value;

use crate::common;
use crate::sessions::BenchSession;

/// The API Gateway HTTP API (v2) event for a session's GET, as bytes.
pub fn event_for(session: &BenchSession) -> Vec<u8> {
    let query = format!("type={}", session.session_type);
    let path = format!("/sessions/{}", session.session_id);
    serde_json::to_vec(&common::http_v2_event("GET", &path, &query, &[])).unwrap()
}

/// The HTTP body in an API Gateway v2 response JSON.
pub fn http_body_of(response: &[u8]) -> String {
    let value: Value = serde_json::from_slice(response).expect("response JSON");
    value["body"].as_str().unwrap_or_default().to_owned()
}

/// Whether two builds answered a session alike: status, then body (as JSON when the
/// bytes differ). Headers are not compared.
pub fn same_answer(current: &[u8], baseline: &[u8]) -> String {
    let (a, b): (Value, Value) = match (
        serde_json::from_slice(current),
        serde_json::from_slice(baseline),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (_, Err(e)) => return format!("no: the baseline's response is not JSON ({e})"),
        (Err(e), _) => return format!("no: this build's response is not JSON ({e})"),
    };
    if a["statusCode"] != b["statusCode"] {
        return format!(
            "no: status {} here, {} in the baseline",
            a["statusCode"], b["statusCode"]
        );
    }
    let (a, b) = (
        a["body"].as_str().unwrap_or_default(),
        b["body"].as_str().unwrap_or_default(),
    );
    if a == b {
        return "yes".into();
    }
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(a), Ok(b)) if a == b => "yes, the same JSON in other bytes".into(),
        _ => "no: the bodies differ".into(),
    }
}
