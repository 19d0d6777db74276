//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::{App, Config, DynamoStore, handle_event, init_logging};
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let config = Config::from_env()?;
    tracing::info!(
        databases = ?config.databases,
        authentication = config.security_key.is_some(),
        "configured"
    );

    let store = DynamoStore::from_env(&config.dynamodb).await;
    let app = App::new(config, store);

    let app = &app;
    // Not `lambda_http::run`: `handle_event` checks each HTTP event before `lambda_http`
    // converts it, since that conversion panics on some inputs.
    lambda_http::lambda_runtime::run(service_fn(move |event| handle_event(app, event))).await
}
