//! [`SessionStore`] on Amazon DynamoDB: one `GetItem` per request.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::fast_item::FastGetItem;
use super::{SessionStore, StoreError};
use crate::config::{Database, KeyLayout};
use crate::record::Item;
use crate::request::SessionType;

/// Built once per cold start and shared by every request.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
}

impl DynamoStore {
    /// Uses `client`'s configuration, with `GetItem` answers read by [`FastGetItem`].
    pub fn new(client: Client) -> Self {
        let config = client
            .config()
            .to_builder()
            .interceptor(FastGetItem)
            .build();
        DynamoStore {
            client: Client::from_conf(config),
        }
    }

    /// The client every `GetItem` goes through.
    pub fn client(&self) -> &Client {
        &self.client
    }
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
