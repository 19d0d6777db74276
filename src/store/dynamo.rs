//! [`SessionStore`] on Amazon DynamoDB: one `GetItem` per request (and, with agno 3.x's
//! runs table, one `Query` alongside it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::item::Item;
use super::trace::TraceHeader;
use super::user_agent::KeptUserAgent;
use super::wire::FastGetItem;
use super::{SessionStore, StoreError, StoredSession};
use crate::config::{Database, DynamoSettings, KeyLayout};
use crate::session::SessionType;

/// Built once per cold start and shared by every request.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    /// The same client (connections, credentials) whose `GetItem`s keep `runs` escaped,
    /// for the session reads that want it: a second client built once, because a
    /// per-request `customize()` rebuilt the operation's configuration layers on every
    /// request (about 77 K instructions, a sixth of a small session's `GetItem`).
    runs_escaped: Client,
    /// Runs tables found missing, and when: agno creates its runs table on first use,
    /// so a table written only by agno 2.x has none, which reads as no runs.
    missing_runs_tables: Arc<Mutex<HashMap<String, Instant>>>,
}

/// How long a missing runs table is taken as missing before it is looked for again.
const MISSING_TABLE_RECHECK: Duration = Duration::from_secs(60);

impl DynamoStore {
    /// Uses `client`'s configuration, with `GetItem` answers read by the store's own
    /// reader (see `wire.rs`) and the user-agent headers built once (`user_agent.rs`).
    pub fn new(client: Client) -> Self {
        let config = client
            .config()
            .to_builder()
            .interceptor(TraceHeader)
            .interceptor(KeptUserAgent::default());
        let client = |keep_runs| {
            let config = config.clone().interceptor(FastGetItem { keep_runs });
            Client::from_conf(config.build())
        };
        DynamoStore {
            client: client(false),
            runs_escaped: client(true),
            missing_runs_tables: Arc::default(),
        }
    }

    /// The client every `GetItem` goes through.
    #[doc(hidden)] // For the benchmark: raw `GetItem`s on the same client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The store `main` builds at cold start: a client from the Lambda environment
    /// (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local), bounded
    /// by `settings`.
    pub async fn from_env(settings: &DynamoSettings) -> Self {
        let sdk = super::sdk::from_env().await;
        DynamoStore::new(Client::from_conf(client_config(&sdk, settings).build()))
    }
}

/// The first retry waits up to this long (jittered), each next one twice as long...
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(25);
/// ... but never longer than this: a read API answers 503 + `Retry-After` quickly rather
/// than wait seconds between attempts (the SDK's defaults are 1 s and 20 s).
pub const MAX_BACKOFF: Duration = Duration::from_millis(200);

/// The DynamoDB client configuration `main` uses: each `GetItem` attempt times out after
/// `attempt_timeout`, at most `max_attempts` attempts (standard retry mode: throttling
/// and transient errors retried after a short jittered backoff), and the whole
/// operation is cut off at [`operation_timeout`], so a slow or unreachable table
/// answers 503/504 well inside the function timeout.
pub fn client_config(
    sdk: &SdkConfig,
    settings: &DynamoSettings,
) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(settings.attempt_timeout)
                .operation_timeout(operation_timeout(settings))
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(settings.max_attempts)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        )
}

/// The bound on one request's time in DynamoDB: every attempt timing out, the longest
/// backoff before each retry, and 100 ms to spare. It is a backstop: the attempts and
/// backoffs end first, so the error answered is the last attempt's own (throttled,
/// refused, timed out), not a blanket timeout.
pub fn operation_timeout(settings: &DynamoSettings) -> Duration {
    settings.attempt_timeout * settings.max_attempts
        + MAX_BACKOFF * settings.max_attempts.saturating_sub(1)
        + Duration::from_millis(100)
}

/// The session id read to open the connection at init: none is ever stored under it.
const WARM_UP_KEY: &str = "agno-session-lambda:connect-at-init";

/// agno 3.x's index on its runs table: runs by session, in creation order.
const RUNS_BY_SESSION_INDEX: &str = "session_id-created_at-index";
/// A bound on runs-table pages per request (1 MB each), so one session cannot hold a
/// request for long.
const MAX_RUN_PAGES: usize = 16;

impl SessionStore for DynamoStore {
    async fn find(
        &self,
        database: &Database,
        session_id: &str,
        session_type: Option<SessionType>,
        owner: Option<&str>,
    ) -> Result<Option<StoredSession>, StoreError> {
        // The runs table (agno 3.x) is read alongside, not after: one round trip.
        let item = self.get_item(database, session_id, session_type, owner);
        let (item, rows) = tokio::join!(item, async {
            match &database.runs_table {
                Some(table) => Some(self.get_runs(database, table, session_id).await),
                None => None,
            }
        });
        let (item, runs_escaped) = item?;
        Ok(item.map(|item| StoredSession::from_answer(item, runs_escaped, rows)))
    }

    async fn table_exists(&self, table: &str) -> Result<bool, StoreError> {
        match self.client.describe_table().table_name(table).send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error().and_then(ProvideErrorMetadata::code) {
                Some("ResourceNotFoundException") => Ok(false),
                // Not allowed to look: as good as absent for this read-only function.
                Some("AccessDeniedException") => {
                    tracing::warn!(table, "not allowed to describe the table: taken as absent");
                    Ok(false)
                }
                _ => Err(classify(e, None, table)),
            },
        }
    }
}

impl DynamoStore {
    /// Opens the client's connection to DynamoDB (TCP, TLS) before the first request
    /// needs it: a `GetItem` of a key no session has, on a table the function may read
    /// anyway. Whatever it answers is ignored: a failure here is the first request's to
    /// report.
    pub async fn connect(&self, database: &Database) {
        let mut request = self
            .client
            .get_item()
            .table_name(&database.table)
            .key("session_id", AttributeValue::S(WARM_UP_KEY.to_owned()))
            .projection_expression("session_id");
        if database.layout == KeyLayout::Composite {
            request = request.key("session_type", AttributeValue::S(WARM_UP_KEY.to_owned()));
        }
        if let Err(e) = request.send().await {
            tracing::debug!(error = %e, "connecting at init: no answer");
        }
    }

    /// A `Query` for the items of `session_id` in `table`.
    fn query_session(&self, table: &str, session_id: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(table)
            .key_condition_expression("session_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(session_id.to_owned()))
    }

    async fn get_item(
        &self,
        database: &Database,
        session_id: &str,
        session_type: Option<SessionType>,
        owner: Option<&str>,
    ) -> Result<(Option<Item>, bool), StoreError> {
        // The sort key to read, on a composite table.
        let sort_key = match (database.layout, session_type, owner) {
            (KeyLayout::Composite, None, Some(owner)) => {
                // Several types may share the id: the owner's, else the first by sort key.
                match self.owned_sort_key(database, session_id, owner).await? {
                    Some(sort_key) => Some(sort_key),
                    None => return Ok((None, false)),
                }
            }
            (KeyLayout::Composite, None, None) => {
                // Whichever type is stored under the id: the first by sort key.
                let output = self
                    .query_session(&database.table, session_id)
                    .limit(1)
                    .send()
                    .await
                    .map_err(|e| classify(e, Some(database), &database.table))?;
                return Ok((
                    output.items.and_then(|items| items.into_iter().next()),
                    false,
                ));
            }
            (KeyLayout::Composite, Some(session_type), _) => Some(session_type.as_str().to_owned()),
            (KeyLayout::Agno, _, _) => None,
        };
        // Workflow documents read their runs as JSON text (one run, by serde): only the
        // chat history is read from the escaped text.
        let keep_runs = session_type != Some(SessionType::Workflow);
        let client = if keep_runs {
            &self.runs_escaped
        } else {
            &self.client
        };
        let mut request = client
            .get_item()
            .table_name(&database.table)
            .key("session_id", AttributeValue::S(session_id.to_owned()));
        if let Some(sort_key) = sort_key {
            request = request.key("session_type", AttributeValue::S(sort_key));
        }
        let output = request
            .send()
            .await
            .map_err(|e| classify(e, Some(database), &database.table))?;
        Ok((output.item, keep_runs))
    }

    /// On a composite table, the sort key of the session stored under `session_id` that
    /// `owner` owns, else the first one; `None` when there is none. Reads only keys and
    /// owners (at most one small item per type).
    async fn owned_sort_key(
        &self,
        database: &Database,
        session_id: &str,
        owner: &str,
    ) -> Result<Option<String>, StoreError> {
        let output = self
            .query_session(&database.table, session_id)
            .projection_expression("#t, #u")
            .expression_attribute_names("#t", "session_type")
            .expression_attribute_names("#u", "user_id")
            .send()
            .await
            .map_err(|e| classify(e, Some(database), &database.table))?;
        let mut keys: Vec<(String, bool)> = output
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mut item| {
                let owned = matches!(item.get("user_id"), Some(AttributeValue::S(u)) if u == owner);
                match item.remove("session_type") {
                    Some(AttributeValue::S(sort_key)) => Some((sort_key, owned)),
                    _ => None,
                }
            })
            .collect();
        let chosen = keys.iter().position(|(_, owned)| *owned).unwrap_or(0);
        Ok((chosen < keys.len()).then(|| keys.swap_remove(chosen).0))
    }

    async fn get_runs(
        &self,
        database: &Database,
        runs_table: &str,
        session_id: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let known_missing = |tables: &HashMap<String, Instant>| {
            tables
                .get(runs_table)
                .is_some_and(|at| at.elapsed() < MISSING_TABLE_RECHECK)
        };
        if known_missing(
            &self
                .missing_runs_tables
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        ) {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        let mut start = None;
        for _ in 0..MAX_RUN_PAGES {
            let sent = self
                .query_session(runs_table, session_id)
                .index_name(RUNS_BY_SESSION_INDEX)
                .set_exclusive_start_key(start)
                .send()
                .await;
            let output = match sent {
                Err(e)
                    if e.as_service_error().and_then(ProvideErrorMetadata::code)
                        == Some("ResourceNotFoundException") =>
                {
                    tracing::warn!(
                        runs_table,
                        "runs table does not exist: sessions are read without its runs \
                         (agno 3.x creates it on first use)"
                    );
                    self.missing_runs_tables
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(runs_table.to_owned(), Instant::now());
                    return Ok(Vec::new());
                }
                sent => sent.map_err(|e| classify(e, Some(database), runs_table))?,
            };
            rows.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(rows);
            }
        }
        Err(StoreError::Rejected {
            advice: format!("the session has more than {MAX_RUN_PAGES} pages of runs"),
            detail: format!("runs table '{runs_table}'"),
        })
    }
}

fn classify<E: ProvideErrorMetadata>(
    error: SdkError<E, HttpResponse>,
    database: Option<&Database>,
    table: &str,
) -> StoreError {
    match &error {
        SdkError::TimeoutError(_) => {
            StoreError::Timeout(format!("GetItem on table '{table}' timed out"))
        }
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                StoreError::Timeout(format!("GetItem on table '{table}' timed out"))
            } else {
                StoreError::Unavailable(format!("could not reach DynamoDB for table '{table}'"))
            }
        }
        SdkError::ResponseError(_) => StoreError::Unavailable(format!(
            "unreadable answer from DynamoDB for table '{table}'"
        )),
        SdkError::ServiceError(service) => {
            let status = service.raw().status();
            // DynamoDB names every error it sends; an answer without a name is not
            // DynamoDB's (a proxy's page, a cut or garbled body): worth a retry later.
            let Some(code) = service.err().code() else {
                return StoreError::Unavailable(format!(
                    "unreadable answer (HTTP {}) from DynamoDB for table '{table}'",
                    status.as_u16()
                ));
            };
            let message = service.err().message().unwrap_or_default();
            match code {
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded" => {
                    StoreError::Throttled(format!("{code} on table '{table}'"))
                }
                "ResourceNotFoundException" => StoreError::Rejected {
                    advice: "the table does not exist; check SESSION_TABLE or SESSION_DATABASES"
                        .into(),
                    detail: format!("table '{table}' does not exist"),
                },
                // A GetItem with one key too few, or one too many.
                "ValidationException"
                    if let Some(database) = database
                        && (message.contains("key element does not match the schema")
                            || message.contains("number of conditions on the keys is invalid")) =>
                {
                    let hint = match database.layout {
                        KeyLayout::Composite => "agno",
                        KeyLayout::Agno => "composite",
                    };
                    StoreError::Rejected {
                        advice: format!(
                            "the table's key is not the configured layout; set \
                             SESSION_TABLE_LAYOUT (or the layout in SESSION_DATABASES) to '{hint}'"
                        ),
                        detail: format!(
                            "the key of table '{table}' is not the {:?} layout configured for \
                             database '{}'",
                            database.layout, database.id
                        ),
                    }
                }
                _ if status.as_u16() == 429 => {
                    StoreError::Throttled(format!("{code} on table '{table}'"))
                }
                _ if status.is_server_error() => {
                    StoreError::Unavailable(format!("{code} on table '{table}'"))
                }
                "AccessDeniedException" => StoreError::Rejected {
                    advice: "the function may not read the table; check its IAM policy".into(),
                    detail: format!("{code} on table '{table}': {message}"),
                },
                _ => StoreError::Rejected {
                    advice: format!("{code}; the function's log has DynamoDB's message"),
                    detail: format!("{code} on table '{table}': {message}"),
                },
            }
        }
        _ => StoreError::Unavailable(format!("request to DynamoDB for table '{table}' failed")),
    }
}
