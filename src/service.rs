//! The one operation, independent of how it is invoked: find a session, check it is
//! the caller's to see, render it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::config::Config;
use crate::error::ApiError;
use crate::record::Item;
use crate::record::SessionRecord;
use crate::render::render;
use crate::request::{SessionRequest, SessionType};
use crate::runs;
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
    /// The type it was rendered as.
    pub session_type: SessionType,
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
        // No type given: `agent`, as AgentOS 2.1.10; or, when configured, whatever type
        // is stored (AgentOS 3.x).
        let wanted = request
            .session_type
            .or((!self.config.detect_session_type).then_some(SessionType::Agent));
        let not_found = || ApiError::SessionNotFound {
            session_type: wanted,
            session_id: request.session_id.clone(),
        };
        if request.session_id.is_empty() || request.session_id.len() > MAX_SESSION_ID_BYTES {
            return Err(not_found());
        }
        // The runs table (agno 3.x) is read alongside, not after: one round trip.
        let (item, rows) = tokio::join!(
            self.store.get_item(database, &request.session_id, wanted),
            self.store.get_runs(database, &request.session_id)
        );
        let item = item?.ok_or_else(not_found)?;

        // As Agno's reader: the stored type must match, and a given user id must own it.
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => Some(s.as_str()),
            _ => None,
        };
        let corrupt = |problem: String| ApiError::CorruptSession {
            session_id: request.session_id.clone(),
            problem,
        };
        let session_type = match wanted {
            Some(wanted) if text("session_type") == Some(wanted.as_str()) => wanted,
            Some(_) => return Err(not_found()),
            None => detect_type(&item).ok_or_else(|| {
                corrupt(format!(
                    "attribute 'session_type' is not agent, team or workflow: {:?}",
                    text("session_type")
                ))
            })?,
        };
        if let Some(user_id) = &request.user_id
            && text("user_id") != Some(user_id.as_str())
        {
            return Err(not_found());
        }

        let item_bytes = item_size(&item);
        let mut record = SessionRecord::from_item(item).map_err(|e| corrupt(e.to_string()))?;
        if database.runs_table.is_some() {
            record.runs =
                runs::merge(record.runs.as_ref(), rows?).map_err(|e| corrupt(e.to_string()))?;
        }
        let body = render(&record, session_type).map_err(|e| corrupt(e.to_string()))?;
        Ok(Found {
            body,
            item_bytes,
            session_type,
        })
    }
}

/// agno 3.x's `detect_session_type`: the stored type, else the kind of id the item
/// carries, else agent. `None` for a stored type Agno does not know.
fn detect_type(item: &Item) -> Option<SessionType> {
    match item.get("session_type") {
        Some(AttributeValue::S(stored)) => SessionType::parse(stored),
        _ if item.contains_key("agent_id") => Some(SessionType::Agent),
        _ if item.contains_key("team_id") => Some(SessionType::Team),
        _ if item.contains_key("workflow_id") => Some(SessionType::Workflow),
        _ => Some(SessionType::Agent),
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
