//! Direct invocation (Step Functions, EventBridge Pipes, the SDK's `Invoke`): a plain
//! JSON event in, the session document out, failures as Lambda function errors whose
//! `errorType` a state machine can branch on.
//!
//! Event: `{"session_id": "...", "type": "agent|team|workflow", "db_id": "...", "user_id": "..."}`
//! (`type` defaults to `agent`; `db_id`, `user_id` optional). No security key applies:
//! who may invoke the function is decided by IAM.

use lambda_http::lambda_runtime::Diagnostic;
use serde::Deserialize;

use crate::error::Error;
use crate::operation::App;
use crate::session::{SessionRequest, SessionType};
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
    /// The error's name (`errorType`).
    pub error_type: &'static str,
    /// AgentOS's `detail` (`errorMessage`).
    pub message: String,
}

impl From<&Error> for InvocationError {
    fn from(error: &Error) -> Self {
        InvocationError {
            error_type: error.error_type(),
            message: error.message(),
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
fn parse(event: &[u8]) -> Result<SessionRequest, Error> {
    let event: DirectEvent = serde_json::from_slice(event).map_err(|e| {
        Error::InvalidRequest(format!(
            "expected an HTTP event or {{\"session_id\": \"...\", \"type\": \"agent|team|workflow\", \
             \"db_id\": \"...\", \"user_id\": \"...\"}}: {e}"
        ))
    })?;
    if event.session_id.is_empty() {
        return Err(Error::InvalidRequest("session_id must not be empty".into()));
    }
    let session_type = match event.session_type.as_deref() {
        None => None,
        Some(value) => Some(SessionType::parse(value).ok_or_else(|| Error::InvalidType {
            input: value.to_owned(),
        })?),
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
pub(super) async fn handle<S: SessionStore>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Result<String, InvocationError> {
    record.source = "invoke";
    match answer(app, event, record).await {
        Ok(document) => {
            record.status = 200;
            Ok(document)
        }
        Err(error) => {
            record.error_type = Some(error.error_type());
            record.status = error.status();
            Err(InvocationError::from(&error))
        }
    }
}

async fn answer<S: SessionStore>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Result<String, Error> {
    let request = parse(event)?;
    record.session_id = Some(request.session_id.clone());
    record.db_id = request.db_id.clone();
    let found = app.get_session(&request).await?;
    record.item_bytes = Some(found.item_bytes);
    record.session_type = Some(found.session_type.as_str());
    String::from_utf8(found.body).map_err(|_| Error::CorruptSession {
        session_id: request.session_id.clone(),
        problem: "the rendered document is not UTF-8".into(),
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

        let bad_type =
            InvocationError::from(&parse(br#"{"session_id":"s1","type":"bogus"}"#).unwrap_err());
        assert_eq!(bad_type.error_type, "InvalidRequest");
        assert!(bad_type.message.contains("'bogus'"));
        for bad in [
            &br#"{"type":"agent"}"#[..],
            br#"{"session_id":""}"#,
            br#"[1]"#,
            br#"{"session_id":"x","extra":1}"#,
        ] {
            assert_eq!(parse(bad).unwrap_err().error_type(), "InvalidRequest");
        }
    }
}
