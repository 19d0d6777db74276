//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::config::Config;
use agno_session_lambda::service::App;
use agno_session_lambda::store::DynamoStore;
use agno_session_lambda::{event, logging};
use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    tracing::info!(
        databases = ?config.databases,
        authentication = config.security_key.is_some(),
        "configured"
    );

    // Region and credentials come from the Lambda environment; AWS_ENDPOINT_URL_DYNAMODB
    // points the client at DynamoDB Local.
    let sdk = aws_config::load_from_env().await;
    let store = DynamoStore::from_sdk_config(&sdk, &config.dynamodb);
    let app = App::new(config, store);

    let app = &app;
    // Not `lambda_http::run`: `event::handle_event` checks each HTTP event before
    // `lambda_http` converts it, since that conversion panics on some inputs.
    lambda_http::lambda_runtime::run(service_fn(move |event| event::handle_event(app, event))).await
}
