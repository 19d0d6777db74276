//! Every way a request can fail, with AgentOS's status and `detail` for each.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::DatabaseError;
use crate::request::SessionType;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Authorization header required")]
    MissingToken,
    #[error("Invalid authentication token")]
    InvalidToken,
    /// FastAPI's enum validation error for `?type=`.
    #[error("Input should be 'agent', 'team' or 'workflow'")]
    InvalidType { input: String },
    /// A request that is not an HTTP request for a session, nor a direct invocation.
    #[error("{0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// With no type (type detection on), AgentOS 3.x says just "Session".
    #[error("{}Session with id '{session_id}' not found", session_type.map(|t| format!("{} ", t.title())).unwrap_or_default())]
    SessionNotFound {
        session_type: Option<SessionType>,
        session_id: String,
    },
    #[error("Not Found")]
    RouteNotFound,
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// A path and query string longer than any client of this API sends.
    #[error("URI Too Long")]
    UriTooLong,
    /// The stored item exists but cannot be rendered as its schema requires.
    #[error("Stored session '{session_id}' cannot be read: {problem}")]
    CorruptSession { session_id: String, problem: String },
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MissingToken | ApiError::InvalidToken => 401,
            ApiError::InvalidType { .. } => 422,
            ApiError::InvalidRequest(_) => 400,
            ApiError::Database(DatabaseError::Required) => 400,
            ApiError::Database(DatabaseError::Unknown(_)) => 404,
            ApiError::SessionNotFound { .. } | ApiError::RouteNotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::UriTooLong => 414,
            ApiError::CorruptSession { .. } => 500,
            ApiError::Storage(e) => e.status(),
        }
    }

    /// The `{"detail": …}` body AgentOS (or FastAPI) answers.
    pub fn body(&self) -> Value {
        match self {
            ApiError::InvalidType { input } => json!({
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

    /// A stable name for callers that branch on errors (direct invocation).
    pub fn error_type(&self) -> &'static str {
        match self {
            ApiError::MissingToken | ApiError::InvalidToken => "Unauthorized",
            ApiError::InvalidType { .. } | ApiError::InvalidRequest(_) => "InvalidRequest",
            ApiError::Database(DatabaseError::Required) => "InvalidRequest",
            ApiError::Database(DatabaseError::Unknown(_)) => "DatabaseNotFound",
            ApiError::SessionNotFound { .. } | ApiError::RouteNotFound => "SessionNotFound",
            ApiError::MethodNotAllowed | ApiError::UriTooLong => "InvalidRequest",
            ApiError::CorruptSession { .. } => "CorruptSession",
            ApiError::Storage(StoreError::Timeout(_)) => "StorageTimeout",
            ApiError::Storage(StoreError::Throttled(_) | StoreError::Unavailable(_)) => {
                "StorageUnavailable"
            }
            ApiError::Storage(StoreError::Rejected(_)) => "StorageError",
        }
    }

    /// How long a client should wait before retrying, where retrying can help.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Storage(StoreError::Throttled(_)) => Some(Duration::from_secs(1)),
            ApiError::Storage(StoreError::Unavailable(_) | StoreError::Timeout(_)) => {
                Some(Duration::from_secs(2))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_agentos() {
        let e = ApiError::SessionNotFound {
            session_type: Some(SessionType::Team),
            session_id: "abc".into(),
        };
        let untyped = ApiError::SessionNotFound {
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
        let e = ApiError::from(DatabaseError::Required);
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.body(),
            json!({"detail": "The db_id query parameter is required when using multiple databases"})
        );
        let e = ApiError::InvalidType {
            input: "bogus".into(),
        };
        assert_eq!(e.status(), 422);
        assert_eq!(e.body()["detail"][0]["input"], "bogus");
        assert_eq!(
            ApiError::MissingToken.body(),
            json!({"detail": "Authorization header required"})
        );
    }
}
