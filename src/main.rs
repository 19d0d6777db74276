//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::{App, cold_start, init_logging, run};
use lambda_http::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    init_logging();
    let (config, store) = cold_start().await?;
    tracing::info!(
        databases = ?config.databases,
        contract = config.contract.as_str(),
        security_key = config.security_key.is_some(),
        jwt = ?config.auth.jwt,
        rbac = config.auth.rbac,
        user_isolation = config.auth.user_isolation,
        trust_api_gateway = config.auth.trust_api_gateway,
        "configured"
    );
    let app = App::new(config, store);

    run(&app).await
}
