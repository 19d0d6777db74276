//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::config::Config;
use agno_session_lambda::lambda;
use agno_session_lambda::service::App;
use agno_session_lambda::store::DynamoStore;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use lambda_http::{Error, service_fn};
use tracing_subscriber::EnvFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let config = Config::from_env()?;
    tracing::info!(
        databases = ?config.databases,
        authentication = config.security_key.is_some(),
        "configured"
    );

    // Region and credentials come from the Lambda environment; AWS_ENDPOINT_URL_DYNAMODB
    // points the client at DynamoDB Local.
    let sdk = aws_config::load_from_env().await;
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(config.dynamodb.attempt_timeout)
                .operation_timeout(
                    config.dynamodb.attempt_timeout * config.dynamodb.max_attempts
                        + std::time::Duration::from_millis(500),
                )
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(config.dynamodb.max_attempts))
        .build();
    let app = App::new(
        config,
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(dynamodb)),
    );

    let app = &app;
    lambda_http::run(service_fn(move |request| lambda::handle(app, request))).await
}

/// JSON logs; level from AWS_LAMBDA_LOG_LEVEL (Lambda's setting) or RUST_LOG, default INFO.
fn init_logging() {
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| EnvFilter::new(level.to_lowercase()))
        .unwrap_or_else(|| {
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
        });
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .init();
}
