//! Every way a request can fail, and the one mapping from each to its answer: the HTTP
//! status, `{"detail": …}` body and headers AgentOS gives (or a clear one where it has
//! none), and the function error a direct invocation gets. Logs and metrics name
//! errors by the same function-error name.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::DatabaseError;
use crate::session::SessionType;
use crate::store::StoreError;

/// A request that cannot be answered with a session.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A security key is configured and the request carries no bearer token.
    #[error("Authorization header required")]
    MissingToken,
    /// The bearer token is not the key.
    #[error("Invalid authentication token")]
    InvalidToken,
    /// An AgentOS 3.x service-account token (`agno_pat_…`): this service keeps none.
    #[error("Service accounts are not enabled on this AgentOS instance")]
    ServiceAccountToken,
    /// A token (or authorizer context) refused, in AgentOS's words (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// A known caller without the right to this read (403).
    #[error("{0}")]
    Forbidden(String),
    /// FastAPI's enum validation error for `?type=`.
    #[error("Input should be 'agent', 'team' or 'workflow'")]
    InvalidType {
        /// What the caller sent.
        input: String,
    },
    /// A request that is not an HTTP request for a session, nor a direct invocation.
    #[error("{0}")]
    InvalidRequest(String),
    /// `db_id` missing where it is needed, or naming no database.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// No such session (of that type, for that user). With no type (type detection
    /// on), AgentOS 3.x says just "Session".
    #[error("{}Session with id '{session_id}' not found", session_type.map(|t| format!("{} ", t.title())).unwrap_or_default())]
    #[allow(missing_docs)]
    SessionNotFound {
        session_type: Option<SessionType>,
        session_id: String,
    },
    /// A path this API does not serve.
    #[error("Not Found")]
    RouteNotFound,
    /// A method other than `GET` on the route.
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// A path and query string longer than any client of this API sends.
    #[error("URI Too Long")]
    UriTooLong,
    /// The stored item exists but cannot be rendered as its schema requires.
    #[error("Stored session '{session_id}' cannot be read: {problem}")]
    #[allow(missing_docs)]
    CorruptSession { session_id: String, problem: String },
    /// DynamoDB failed, timed out or refused the read.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// The answer is larger than the event source can carry (Lambda: 6 MB; ALB: 1 MB).
    #[error(
        "The session document needs {bytes} bytes in the Lambda response, more than the \
         {limit} bytes this event source accepts; request it compressed \
         ('Accept-Encoding: gzip'), which REST APIs (v1) cannot carry"
    )]
    #[allow(missing_docs)]
    ResponseTooLarge { bytes: usize, limit: usize },
}

impl Error {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Error::MissingToken
            | Error::InvalidToken
            | Error::ServiceAccountToken
            | Error::Unauthenticated(_) => 401,
            Error::Forbidden(_) => 403,
            Error::InvalidType { .. } => 422,
            Error::InvalidRequest(_) => 400,
            Error::Database(DatabaseError::Required | DatabaseError::TableWithoutId) => 400,
            Error::Database(
                DatabaseError::Unknown(_)
                | DatabaseError::NotFound(_)
                | DatabaseError::NoTable { .. },
            ) => 404,
            Error::SessionNotFound { .. } | Error::RouteNotFound => 404,
            Error::MethodNotAllowed => 405,
            Error::UriTooLong => 414,
            Error::CorruptSession { .. } | Error::ResponseTooLarge { .. } => 500,
            Error::Storage(StoreError::Throttled(_) | StoreError::Unavailable(_)) => 503,
            Error::Storage(StoreError::Timeout(_)) => 504,
            Error::Storage(StoreError::Rejected { .. }) => 500,
        }
    }

    /// The `{"detail": …}` body AgentOS (or FastAPI) answers.
    pub fn body(&self) -> Value {
        match self {
            Error::InvalidType { input } => json!({
                "detail": [{
                    "type": "enum",
                    "loc": ["query", "type"],
                    "msg": "Input should be 'agent', 'team' or 'workflow'",
                    "input": input,
                    "ctx": {"expected": "'agent', 'team' or 'workflow'"},
                }]
            }),
            other => json!({ "detail": other.to_string() }),
        }
    }

    /// A stable name for callers that branch on errors: a direct invocation's
    /// `errorType`, and the `error_type` of logs.
    pub fn error_type(&self) -> &'static str {
        match self {
            Error::MissingToken
            | Error::InvalidToken
            | Error::ServiceAccountToken
            | Error::Unauthenticated(_) => "Unauthorized",
            Error::Forbidden(_) => "Forbidden",
            Error::InvalidType { .. } | Error::InvalidRequest(_) => "InvalidRequest",
            Error::Database(DatabaseError::Required | DatabaseError::TableWithoutId) => {
                "InvalidRequest"
            }
            Error::Database(
                DatabaseError::Unknown(_)
                | DatabaseError::NotFound(_)
                | DatabaseError::NoTable { .. },
            ) => "DatabaseNotFound",
            Error::SessionNotFound { .. } | Error::RouteNotFound => "SessionNotFound",
            Error::MethodNotAllowed | Error::UriTooLong => "InvalidRequest",
            Error::CorruptSession { .. } => "CorruptSession",
            Error::ResponseTooLarge { .. } => "ResponseTooLarge",
            Error::Storage(StoreError::Timeout(_)) => "StorageTimeout",
            Error::Storage(StoreError::Throttled(_) | StoreError::Unavailable(_)) => {
                "StorageUnavailable"
            }
            Error::Storage(StoreError::Rejected { .. }) => "StorageError",
        }
    }

    /// A direct invocation's `errorMessage`: the `detail` text (FastAPI's validation
    /// error, which is a list in HTTP, as one sentence).
    pub fn message(&self) -> String {
        match self {
            Error::InvalidType { input } => {
                format!("Input should be 'agent', 'team' or 'workflow', not '{input}'")
            }
            other => other.to_string(),
        }
    }

    /// How long a client should wait before retrying, where retrying can help.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Storage(StoreError::Throttled(_)) => Some(Duration::from_secs(1)),
            Error::Storage(StoreError::Unavailable(_) | StoreError::Timeout(_)) => {
                Some(Duration::from_secs(2))
            }
            _ => None,
        }
    }

    /// The methods to name in `Allow`, for a 405.
    pub fn allow(&self) -> Option<&'static str> {
        matches!(self, Error::MethodNotAllowed).then_some("GET")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_agentos() {
        let e = Error::SessionNotFound {
            session_type: Some(SessionType::Team),
            session_id: "abc".into(),
        };
        let untyped = Error::SessionNotFound {
            session_type: None,
            session_id: "abc".into(),
        };
        assert_eq!(
            untyped.body(),
            json!({"detail": "Session with id 'abc' not found"})
        );
        assert_eq!(e.status(), 404);
        assert_eq!(
            e.body(),
            json!({"detail": "Team Session with id 'abc' not found"})
        );
        let e = Error::from(DatabaseError::Required);
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.body(),
            json!({"detail": "The db_id query parameter is required when using multiple databases"})
        );
        let e = Error::InvalidType {
            input: "bogus".into(),
        };
        assert_eq!(e.status(), 422);
        assert_eq!(e.body()["detail"][0]["input"], "bogus");
        assert_eq!(
            Error::MissingToken.body(),
            json!({"detail": "Authorization header required"})
        );
    }
}
