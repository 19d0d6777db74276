//! The one operation, independent of how it is invoked: find a session, check it is
//! the caller's to see, render it.

pub mod access;
mod jwt;
mod signature;

use crate::config::{AGNO_OTHER_TABLES, Config, Database, DatabaseError};
use crate::error::Error;
use crate::render::{Document, render_document};
use crate::session::{Contract, SessionRequest, SessionType};
use crate::store::{SessionStore, StoredSession, Unreadable};

/// DynamoDB's limit on a partition key value. A longer id cannot be stored, so it is
/// not found, without asking DynamoDB (which would answer a validation error).
pub const MAX_SESSION_ID_BYTES: usize = 2048;

/// A rendered session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The JSON document.
    pub body: Document,
    /// Approximate size of the stored item, for metrics.
    pub item_bytes: usize,
    /// The type it was rendered as.
    pub session_type: SessionType,
}

/// Configuration and store, built once per cold start.
pub struct App<S> {
    /// The settings every request reads.
    pub config: Config,
    /// Where sessions come from.
    pub store: S,
}

impl<S: SessionStore> App<S> {
    /// The service over `store`, configured by `config`.
    pub fn new(config: Config, store: S) -> Self {
        App { config, store }
    }

    /// AgentOS's `get_session_by_id`, from `get_db` to the rendered document.
    pub async fn get_session(&self, request: &SessionRequest) -> Result<Found, Error> {
        let contract = self.config.contract;
        let database = self.database(request).await?;
        // No type given: `agent`, as AgentOS 2.1.10; or, under 3.1 or when configured,
        // whatever type is stored.
        let wanted = request
            .session_type
            .or((!self.config.detect_session_type).then_some(SessionType::Agent));
        let not_found = || Error::SessionNotFound {
            session_type: wanted,
            session_id: request.session_id.clone(),
        };
        if request.session_id.is_empty() || request.session_id.len() > MAX_SESSION_ID_BYTES {
            return Err(not_found());
        }
        // AgentOS 3.1.10 reads by id alone and renders the session as the type asked
        // for, whatever type it was stored as.
        let lookup_type = match contract {
            Contract::V2_1 => wanted,
            Contract::V3_1 => None,
        };
        // Under isolation, a token's subject replaces the query's `user_id`.
        let owner = access::owner(&self.config.auth, &request.caller, request.owner(contract))?;
        let stored = self
            .store
            .find(database, &request.session_id, lookup_type, owner)
            .await?
            .ok_or_else(not_found)?;

        // As Agno's reader: a given user id must own it, and (2.1.10) the stored type
        // must match. Ownership comes first: nothing about another user's session is
        // revealed.
        if let Some(owner) = owner
            && stored.owner.as_deref() != Some(owner)
        {
            return Err(not_found());
        }
        let corrupt = |problem: String| Error::CorruptSession {
            session_id: request.session_id.clone(),
            problem,
        };
        let session_type = match (wanted, lookup_type) {
            (Some(wanted), None) => wanted,
            (Some(wanted), Some(_)) if stored.stored_type.as_deref() == Some(wanted.as_str()) => {
                wanted
            }
            (Some(_), Some(_)) => return Err(not_found()),
            // The stored value is not quoted: it is stored content.
            (None, _) => detect_type(&stored).ok_or_else(|| {
                corrupt("attribute 'session_type' is not agent, team or workflow".into())
            })?,
        };

        let record = stored.content.map_err(|unreadable| match unreadable {
            Unreadable::Corrupt(e) => corrupt(e.to_string()),
            Unreadable::Store(e) => Error::Storage(e),
        })?;
        let body =
            render_document(&record, session_type, contract).map_err(|e| corrupt(e.to_string()))?;
        Ok(Found {
            body,
            item_bytes: stored.item_bytes,
            session_type,
        })
    }
}

impl<S: SessionStore> App<S> {
    /// AgentOS's `get_db`. Under 3.1 `?table=` may also name one of the database's other
    /// tables (by agno's default names): the first database of the id is then chosen
    /// if that table exists.
    async fn database(&self, request: &SessionRequest) -> Result<&Database, Error> {
        let (db_id, table) = (request.db_id.as_deref(), request.table.as_deref());
        match self.config.database(db_id, table) {
            Err(DatabaseError::NoTable { id, table }) if AGNO_OTHER_TABLES.contains(&&*table) => {
                if self.store.table_exists(&table).await? {
                    Ok(self.config.database(Some(&id), None)?)
                } else {
                    Err(DatabaseError::NoTable { id, table }.into())
                }
            }
            other => Ok(other?),
        }
    }
}

/// agno 3.x's `detect_session_type`: the stored type, else the kind of id the item
/// carries, else agent. `None` for a stored type Agno does not know.
fn detect_type(stored: &StoredSession) -> Option<SessionType> {
    match &stored.stored_type {
        Some(stored_type) => SessionType::parse(stored_type),
        None => Some(stored.implied_type.unwrap_or(SessionType::Agent)),
    }
}
