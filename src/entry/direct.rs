//! Direct invocation (Step Functions, EventBridge Pipes, the SDK's `Invoke`): a plain
//! JSON event in, the session document out, failures as Lambda function errors whose
//! `errorType` a state machine can branch on.
//!
//! Event: `{"session_id": "...", "type": "agent|team|workflow", "db_id": "...", "user_id": "...",
//! "table": "..."}` (`type` defaults to `agent` under `AGENTOS_VERSION=2.1` and to the stored
//! type under `3.1`; `db_id`, `user_id` optional; `table` is 3.1's). No security key
//! applies: who may invoke the function is decided by IAM.

use lambda_http::lambda_runtime::Diagnostic;
use serde::Deserialize;

use lambda_http::request::RequestOrigin;

use super::guard::MAX_TARGET_BYTES;
use super::limits::LAMBDA_RESPONSE_BYTES;
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
    /// AgentOS 3.1's `?table=` (ignored under 2.1, whose AgentOS has none).
    #[serde(default)]
    table: Option<String>,
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

/// The most of a message a function error carries: a caller's event can be megabytes,
/// and parts of it may be quoted back.
const MAX_MESSAGE_BYTES: usize = 2048;

impl From<&Error> for InvocationError {
    fn from(error: &Error) -> Self {
        let mut message = error.message();
        if message.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
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
    // No stored session can have a longer id (DynamoDB keys hold 2048 bytes), and an id
    // this long is not echoed into errors or logs.
    if event.session_id.len() > MAX_TARGET_BYTES {
        return Err(Error::InvalidRequest(format!(
            "session_id must not be longer than {MAX_TARGET_BYTES} bytes"
        )));
    }
    let session_type = match event.session_type.as_deref() {
        None => None,
        Some(value) => Some(SessionType::parse(value).ok_or_else(|| Error::InvalidType {
            input: value.to_owned(),
        })?),
    };
    Ok(
        SessionRequest::new(event.session_id, session_type, event.db_id, event.user_id)
            .with_table(event.table),
    )
}

/// Answers a direct invocation with the session document (JSON text), noting what it
/// learned in `record`.
pub(super) async fn handle<S: SessionStore>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Result<String, InvocationError> {
    record.source = "invoke";
    let outcome = match parse(event) {
        Ok(request) => answer(app, &request, record).await,
        Err(error) => match unreadable_http_event(app, event, record) {
            Some(answer) => return Ok(answer),
            None => Err(error),
        },
    };
    outcome.map_err(|error| {
        record.error_type = Some(error.error_type());
        record.status = error.status();
        InvocationError::from(&error)
    })
}

/// An HTTP event that `lambda_http` could not read (a header value that is not a
/// string, a control character in a header, a field of the wrong type) arrives here as
/// a pass-through event. It gets the HTTP answer the guard gives unreadable events,
/// 400 in the event source's format, not a function error.
fn unreadable_http_event<S>(
    app: &App<S>,
    event: &[u8],
    record: &mut RequestRecord,
) -> Option<String> {
    let event: serde_json::Value = serde_json::from_slice(event).ok()?;
    let fields = event.as_object()?;
    let context = fields.get("requestContext");
    let origin = if context.and_then(|c| c.get("elb")).is_some() {
        RequestOrigin::Alb
    } else if fields.contains_key("rawPath")
        || fields.contains_key("routeKey")
        || context.and_then(|c| c.get("http")).is_some()
    {
        RequestOrigin::ApiGatewayV2
    } else if fields.contains_key("httpMethod") {
        RequestOrigin::ApiGatewayV1
    } else {
        return None;
    };
    let error = super::guard::invalid();
    tracing::info!(status = error.status(), detail = %error, "HTTP event refused before routing");
    record.source = "http";
    record.status = error.status();
    record.error_type = Some(error.error_type());
    let refused = super::answer::refused(&app.config, &Default::default(), &origin, &error);
    serde_json::to_string(&refused).ok()
}

async fn answer<S: SessionStore>(
    app: &App<S>,
    request: &SessionRequest,
    record: &mut RequestRecord,
) -> Result<String, Error> {
    record.session_id = Some(request.session_id.clone());
    record.db_id = request.db_id.clone();
    let found = app.get_session(request).await?;
    record.item_bytes = Some(found.item_bytes);
    record.session_type = Some(found.session_type.as_str());
    // The document is the invocation's result, as it is: Lambda's limit applies to it.
    if found.body.len() > LAMBDA_RESPONSE_BYTES {
        return Err(Error::ResponseTooLarge {
            bytes: found.body.len(),
            limit: LAMBDA_RESPONSE_BYTES,
        });
    }
    record.status = 200;
    String::from_utf8(found.body.into_plain()).map_err(|_| Error::CorruptSession {
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
