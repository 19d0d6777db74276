//! The one operation, independent of how it is invoked: find a session, check it is
//! the caller's to see, render it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::config::Config;
use crate::error::ApiError;
use crate::record::Item;
use crate::record::SessionRecord;
use crate::render::render;
use crate::request::SessionRequest;
use crate::store::SessionStore;

/// DynamoDB's limit on a partition key value. A longer id cannot be stored, so it is
/// not found, without asking DynamoDB (which would answer a validation error).
pub const MAX_SESSION_ID_BYTES: usize = 2048;

/// A rendered session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The JSON document.
    pub body: Vec<u8>,
    /// Approximate size of the stored item, for metrics.
    pub item_bytes: usize,
}

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
    pub async fn get_session(&self, request: &SessionRequest) -> Result<Found, ApiError> {
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
        let item_bytes = item_size(&item);
        let record = SessionRecord::from_item(item).map_err(|e| corrupt(e.to_string()))?;
        let body = render(&record, request.session_type).map_err(|e| corrupt(e.to_string()))?;
        Ok(Found { body, item_bytes })
    }
}

/// Approximately DynamoDB's item size: attribute names plus values.
fn item_size(item: &Item) -> usize {
    fn value_size(value: &AttributeValue) -> usize {
        match value {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::M(m) => {
                m.iter()
                    .map(|(k, v)| k.len() + value_size(v))
                    .sum::<usize>()
                    + 3
            }
            AttributeValue::L(l) => l.iter().map(value_size).sum::<usize>() + 3,
            AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
            _ => 1,
        }
    }
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}
