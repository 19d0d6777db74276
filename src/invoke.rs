//! Direct invocation (Step Functions, EventBridge Pipes, the SDK's `Invoke`): a plain
//! JSON event in, the session document out, failures as Lambda function errors whose
//! `errorType` a state machine can branch on.
//!
//! Event: `{"session_id": "...", "type": "agent|team|workflow", "db_id": "...", "user_id": "..."}`
//! (`type` defaults to `agent`; `db_id`, `user_id` optional). No security key applies:
//! who may invoke the function is decided by IAM.

use lambda_http::lambda_runtime::Diagnostic;
use serde::Deserialize;

use crate::error::ApiError;
use crate::request::{SessionRequest, SessionType};
use crate::service::App;
use crate::store::SessionStore;
use crate::telemetry::RequestRecord;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectEvent {
    session_id: String,
    #[serde(rename = "type", default)]
    session_type: Option<String>,
    #[serde(default)]
    db_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

/// A failed direct invocation: `errorType` is one of `SessionNotFound`,
/// `DatabaseNotFound`, `InvalidRequest`, `CorruptSession`, `StorageUnavailable`,
/// `StorageTimeout`, `StorageError`; `errorMessage` is AgentOS's `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct InvocationError {
    pub error_type: &'static str,
    pub message: String,
}

impl From<ApiError> for InvocationError {
    fn from(error: ApiError) -> Self {
        let message = match &error {
            ApiError::InvalidType { input } => {
                format!("Input should be 'agent', 'team' or 'workflow', not '{input}'")
            }
            other => other.to_string(),
        };
        InvocationError {
            error_type: error.error_type(),
            message,
        }
    }
}

impl From<InvocationError> for Diagnostic {
    fn from(error: InvocationError) -> Self {
        Diagnostic {
            error_type: error.error_type.to_owned(),
            error_message: error.message,
        }
    }
}

/// Reads a direct invocation event.
pub fn parse(event: &[u8]) -> Result<SessionRequest, InvocationError> {
    let invalid = |message: String| InvocationError {
        error_type: "InvalidRequest",
        message,
    };
    let event: DirectEvent = serde_json::from_slice(event).map_err(|e| {
        invalid(format!(
            "expected an HTTP event or {{\"session_id\": \"...\", \"type\": \"agent|team|workflow\", \
             \"db_id\": \"...\", \"user_id\": \"...\"}}: {e}"
        ))
    })?;
    if event.session_id.is_empty() {
        return Err(invalid("session_id must not be empty".into()));
    }
    let session_type = match event.session_type.as_deref() {
        None => None,
        Some(value) => Some(
            SessionType::parse(value).ok_or_else(|| ApiError::InvalidType {
                input: value.to_owned(),
            })?,
        ),
    };
    Ok(SessionRequest::new(
        event.session_id,
        session_type,
        event.db_id,
        event.user_id,
    ))
}

/// Answers a direct invocation with the session document (JSON text), noting what it
/// learned in `record`.
pub async fn handle<S: SessionStore>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Result<String, InvocationError> {
    record.source = "invoke";
    let outcome = answer(app, event, record).await;
    match &outcome {
        Ok(_) => record.status = 200,
        Err(error) => {
            record.error_type = Some(error.error_type);
            record.status = match error.error_type {
                "SessionNotFound" | "DatabaseNotFound" => 404,
                "InvalidRequest" => 400,
                "StorageUnavailable" => 503,
                "StorageTimeout" => 504,
                _ => 500,
            };
        }
    }
    outcome
}

async fn answer<S: SessionStore>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Result<String, InvocationError> {
    let request = parse(event)?;
    record.session_id = Some(request.session_id.clone());
    record.db_id = request.db_id.clone();
    let found = app.get_session(&request).await?;
    record.item_bytes = Some(found.item_bytes);
    record.session_type = Some(found.session_type.as_str());
    String::from_utf8(found.body).map_err(|_| InvocationError {
        error_type: "CorruptSession",
        message: "the rendered document is not UTF-8".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_their_errors() {
        let ok = parse(br#"{"session_id":"s1","type":"team","db_id":"","user_id":"u"}"#).unwrap();
        assert_eq!(
            ok,
            SessionRequest::new("s1", Some(SessionType::Team), None, Some("u".into()))
        );
        assert_eq!(parse(br#"{"session_id":"s1"}"#).unwrap().session_type, None);

        let bad_type = parse(br#"{"session_id":"s1","type":"bogus"}"#).unwrap_err();
        assert_eq!(bad_type.error_type, "InvalidRequest");
        assert!(bad_type.message.contains("'bogus'"));
        for bad in [
            &br#"{"type":"agent"}"#[..],
            br#"{"session_id":""}"#,
            br#"[1]"#,
            br#"{"session_id":"x","extra":1}"#,
        ] {
            assert_eq!(parse(bad).unwrap_err().error_type, "InvalidRequest");
        }
    }
}
