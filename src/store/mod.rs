//! Where sessions are read from: a small trait the service depends on, implemented on
//! DynamoDB.

mod dynamo;
mod fast_item;

use std::future::Future;

pub use dynamo::{DynamoStore, client_config, operation_timeout};

use crate::config::Database;
use crate::record::Item;
use crate::request::SessionType;

/// Reads one stored session item, and (agno 3.x) its runs.
pub trait SessionStore: Send + Sync {
    /// The item stored for `session_id` (and `session_type`, where the table's key has
    /// it; `None` takes whichever type is stored), or `None`. Tables keyed on the id
    /// alone may return an item of another type: the caller checks.
    fn get_item(
        &self,
        database: &Database,
        session_id: &str,
        session_type: Option<SessionType>,
    ) -> impl Future<Output = Result<Option<Item>, StoreError>> + Send;

    /// The session's rows in the database's runs table (agno 3.x), in any order; empty
    /// when the database has no runs table.
    fn get_runs(
        &self,
        database: &Database,
        session_id: &str,
    ) -> impl Future<Output = Result<Vec<Item>, StoreError>> + Send;
}

/// Storage failures, by what a caller can do about them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The table is throttling reads: retry later.
    #[error("The session store is throttling requests, retry later: {0}")]
    Throttled(String),
    /// No answer in time.
    #[error("The session store did not answer in time: {0}")]
    Timeout(String),
    /// Could not reach the store, or it failed on its side.
    #[error("The session store is unavailable: {0}")]
    Unavailable(String),
    /// The store refused the request: missing table, wrong key layout, no permission.
    #[error("The session store rejected the request: {0}")]
    Rejected(String),
}

impl StoreError {
    pub fn status(&self) -> u16 {
        match self {
            StoreError::Throttled(_) | StoreError::Unavailable(_) => 503,
            StoreError::Timeout(_) => 504,
            StoreError::Rejected(_) => 500,
        }
    }
}
