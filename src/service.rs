//! The one operation, independent of how it is invoked: find a session, check it is
//! the caller's to see, render it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::config::Config;
use crate::error::ApiError;
use crate::record::SessionRecord;
use crate::render::render;
use crate::request::SessionRequest;
use crate::store::SessionStore;

/// DynamoDB's limit on a partition key value. A longer id cannot be stored, so it is
/// not found, without asking DynamoDB (which would answer a validation error).
pub const MAX_SESSION_ID_BYTES: usize = 2048;

/// Configuration and store, built once per cold start.
pub struct App<S> {
    pub config: Config,
    pub store: S,
}

impl<S: SessionStore> App<S> {
    pub fn new(config: Config, store: S) -> Self {
        App { config, store }
    }

    /// AgentOS's `get_session_by_id`, from `get_db` to the rendered document.
    pub async fn get_session(&self, request: &SessionRequest) -> Result<Vec<u8>, ApiError> {
        let database = self.config.database(request.db_id.as_deref())?;
        let not_found = || ApiError::SessionNotFound {
            session_type: request.session_type,
            session_id: request.session_id.clone(),
        };
        if request.session_id.is_empty() || request.session_id.len() > MAX_SESSION_ID_BYTES {
            return Err(not_found());
        }
        let item = self
            .store
            .get_item(database, &request.session_id, request.session_type)
            .await?
            .ok_or_else(not_found)?;

        // As Agno's reader: the stored type must match, and a given user id must own it.
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => Some(s.as_str()),
            _ => None,
        };
        if text("session_type") != Some(request.session_type.as_str()) {
            return Err(not_found());
        }
        if let Some(user_id) = &request.user_id
            && text("user_id") != Some(user_id.as_str())
        {
            return Err(not_found());
        }

        let corrupt = |problem: String| ApiError::CorruptSession {
            session_id: request.session_id.clone(),
            problem,
        };
        let record = SessionRecord::from_item(item).map_err(|e| corrupt(e.to_string()))?;
        render(&record, request.session_type).map_err(|e| corrupt(e.to_string()))
    }
}
