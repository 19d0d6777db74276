//! [`SessionStore`] on Amazon DynamoDB: one `GetItem` per request.

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{SessionStore, StoreError};
use crate::config::{Database, DynamoSettings, KeyLayout};
use crate::record::Item;
use crate::request::SessionType;

/// Built once per cold start and shared by every request.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
}

impl DynamoStore {
    pub fn new(client: Client) -> Self {
        DynamoStore { client }
    }

    /// The store `main` builds at cold start: a client from the shared AWS
    /// configuration (region, credentials, endpoint override), bounded by `settings`.
    pub fn from_sdk_config(sdk: &SdkConfig, settings: &DynamoSettings) -> Self {
        DynamoStore::new(Client::from_conf(client_config(sdk, settings).build()))
    }
}

/// The DynamoDB client configuration `main` uses: each `GetItem` attempt times out after
/// `attempt_timeout`, at most `max_attempts` attempts (standard retry mode: exponential
/// backoff with jitter, throttling and transient errors retried), and the whole
/// operation is cut off at `max_attempts × attempt_timeout + 500 ms`, so a slow or
/// unreachable table answers 503/504 well inside the function timeout.
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
        .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts))
}

/// The bound on one request's time in DynamoDB, retries and backoff included.
pub fn operation_timeout(settings: &DynamoSettings) -> std::time::Duration {
    settings.attempt_timeout * settings.max_attempts + std::time::Duration::from_millis(500)
}

impl SessionStore for DynamoStore {
    async fn get_item(
        &self,
        database: &Database,
        session_id: &str,
        session_type: SessionType,
    ) -> Result<Option<Item>, StoreError> {
        let mut request = self
            .client
            .get_item()
            .table_name(&database.table)
            .key("session_id", AttributeValue::S(session_id.to_owned()));
        if database.layout == KeyLayout::Composite {
            request = request.key(
                "session_type",
                AttributeValue::S(session_type.as_str().to_owned()),
            );
        }
        let output = request.send().await.map_err(|e| classify(e, database))?;
        Ok(output.item)
    }
}

fn classify(error: SdkError<GetItemError>, database: &Database) -> StoreError {
    let table = &database.table;
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
            let code = service.err().code().unwrap_or("Unknown");
            let message = service.err().message().unwrap_or_default();
            match code {
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded" => {
                    StoreError::Throttled(format!("{code} on table '{table}'"))
                }
                "ResourceNotFoundException" => {
                    StoreError::Rejected(format!("table '{table}' does not exist"))
                }
                "ValidationException"
                    if message.contains("key element does not match the schema") =>
                {
                    let hint = match database.layout {
                        KeyLayout::Composite => "agno",
                        KeyLayout::Agno => "composite",
                    };
                    StoreError::Rejected(format!(
                        "the key of table '{table}' is not the {:?} layout configured for database '{}'; \
                         configure the '{hint}' layout",
                        database.layout, database.id
                    ))
                }
                _ if service.raw().status().is_server_error() => {
                    StoreError::Unavailable(format!("{code} on table '{table}'"))
                }
                _ => StoreError::Rejected(format!("{code} on table '{table}': {message}")),
            }
        }
        _ => StoreError::Unavailable(format!("request to DynamoDB for table '{table}' failed")),
    }
}
