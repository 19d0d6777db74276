//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::{App, Config, DynamoStore, init_logging, run};
use lambda_http::Error;

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

    run(&app).await
}
