//! Where sessions are read from: a small trait the operation depends on, implemented
//! on DynamoDB. Every DynamoDB type stays in this module: the store hands out decoded
//! sessions.

mod dynamo;
mod item;
mod runs;
pub mod sdk;
pub mod secrets;
mod trace;
mod user_agent;
mod wire;

use std::future::Future;

pub use dynamo::{DynamoStore, client_config, operation_timeout};
pub use item::{Item, RecordError, decode};
pub use trace::with_trace_id;
pub use wire::{item_from_json, read_get_item, read_get_item_keeping_runs};

use crate::config::{Config, ConfigError, Database};
use crate::session::{SessionRecord, SessionType};

/// Why a cold start cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A key in a secret store could not be read.
    #[error("invalid configuration: {0}")]
    Secret(#[from] secrets::SecretError),
}

/// Cold start: the AWS configuration from the Lambda environment, the keys kept in
/// Secrets Manager or Parameter Store, the settings, and the DynamoDB client.
pub async fn cold_start() -> Result<(Config, DynamoStore), StartError> {
    let sdk = sdk::from_env().await;
    let env = |name: &str| std::env::var(name).ok();
    let from_stores = secrets::environment(&sdk, env).await?;
    let config = Config::from_lookup(|name| from_stores.get(name).cloned().or_else(|| env(name)))?;
    let client = aws_sdk_dynamodb::Client::from_conf(client_config(&sdk, &config.dynamodb).build());
    let store = DynamoStore::new(client);
    // Lambda runs init before the first request (and often ahead of any): the
    // handshake is paid there, not by a caller.
    if config.dynamodb.connect_at_init
        && let Some(database) = config.databases.first()
    {
        store.connect(database).await;
    }
    Ok((config, store))
}

/// Reads stored sessions.
pub trait SessionStore: Send + Sync {
    /// The session stored for `session_id` (and `session_type`, where the table's key
    /// has it; `None` takes whichever type is stored, `owner`'s first where several
    /// share the id), with its runs (agno 3.x's runs table merged in), or `None`. Tables
    /// keyed on the id alone may return a session of another type or owner: the caller
    /// checks.
    fn find(
        &self,
        database: &Database,
        session_id: &str,
        session_type: Option<SessionType>,
        owner: Option<&str>,
    ) -> impl Future<Output = Result<Option<StoredSession>, StoreError>> + Send;

    /// Whether `table` exists (AgentOS 3.x's `?table=` may name a database's other
    /// tables). A store that cannot tell says no.
    fn table_exists(&self, table: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = table;
        async { Ok(false) }
    }
}

/// A stored session: first what decides whether the caller may see it, then its
/// content, or why the content cannot be read. The content's problems are kept for
/// later so that a session the caller may not see answers "not found" whatever its state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// `session_type` as stored, when it is a string.
    pub stored_type: Option<String>,
    /// `user_id` as stored, when it is a string: whose session it is.
    pub owner: Option<String>,
    /// The type the item's ids imply (`agent_id`, `team_id`, `workflow_id`, in that
    /// order), as agno 3.x detects it.
    pub implied_type: Option<SessionType>,
    /// Approximately the item's size in DynamoDB, for metrics.
    pub item_bytes: usize,
    /// The decoded session, runs merged.
    pub content: Result<SessionRecord, Unreadable>,
}

/// Why a stored session's content cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unreadable {
    /// An attribute is not what Agno's schema needs.
    #[error(transparent)]
    Corrupt(#[from] RecordError),
    /// Its runs could not be read (agno 3.x's runs table).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StoredSession {
    /// Decodes `item`, merging the runs-table `rows` (or the error reading them) into
    /// its runs.
    pub fn from_item(item: Item, rows: Option<Result<Vec<Item>, StoreError>>) -> Self {
        Self::from_answer(item, false, rows)
    }

    /// [`StoredSession::from_item`]; `runs_escaped`: the item's `runs` string is held
    /// as DynamoDB's answer wrote it (`wire::FastGetItem::keep_runs`).
    fn from_answer(
        item: Item,
        runs_escaped: bool,
        rows: Option<Result<Vec<Item>, StoreError>>,
    ) -> Self {
        let (stored_type, owner, implied_type) = item::key_facts(&item);
        let item_bytes = item::item_size(&item);
        let content = item::decode_answer(item, runs_escaped)
            .map_err(Unreadable::from)
            .and_then(|mut record| {
                if let Some(rows) = rows {
                    record.runs = runs::merge(record.runs.as_ref(), rows?)?;
                }
                Ok(record)
            });
        StoredSession {
            stored_type,
            owner,
            implied_type,
            item_bytes,
            content,
        }
    }
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
    /// The answer says what to change; the log also gets the table and DynamoDB's words.
    #[error("The session store rejected the request: {advice}")]
    Rejected {
        /// What to change, for the answer.
        advice: String,
        /// The table and DynamoDB's error, for the log only.
        detail: String,
    },
}

impl StoreError {
    /// What the log gets beyond the answer's text.
    pub fn log_detail(&self) -> Option<&str> {
        match self {
            StoreError::Rejected { detail, .. } => Some(detail),
            _ => None,
        }
    }
}
