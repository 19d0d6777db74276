//! Keys read at cold start from a secret store instead of a plain environment
//! variable, against moto's server (a real local HTTP stand-in for Secrets Manager and
//! SSM Parameter Store, started by `scripts/test.sh` with `scripts/secret-store-local.sh`).

use std::collections::HashMap;

use agno_session_lambda::testing::secrets;
use agno_session_lambda::{App, Config, DynamoStore};
use aws_config::SdkConfig;

use crate::common::{demo_database, dynamo_local, get};

/// The AWS configuration a cold start gets, pointed at the local secret store.
async fn sdk() -> SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER").expect(
        "AWS_ENDPOINT_URL_SECRETS_MANAGER is not set: run the tests with scripts/test.sh, which starts the local secret store",
    );
    assert_eq!(
        std::env::var("AWS_ENDPOINT_URL_SSM").ok().as_deref(),
        Some(endpoint.as_str()),
        "both services on the local stand-in"
    );
    agno_session_lambda::testing::sdk::loader()
        .region("us-east-1")
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .load()
        .await
}

fn unique(name: &str) -> String {
    format!("{name}-{}-{}", std::process::id(), line!())
}

#[tokio::test]
async fn keys_come_from_secrets_manager_and_parameter_store() {
    let sdk = sdk().await;
    let secret_name = unique("agno/os-security-key");
    let secret = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(&secret_name)
        .secret_string("key-from-secrets-manager")
        .send()
        .await
        .expect("create secret");
    let parameter = unique("/agno/jwt-verification-key");
    aws_sdk_ssm::Client::new(&sdk)
        .put_parameter()
        .name(&parameter)
        .value("hs256-secret-from-parameter-store")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put parameter");

    // By ARN (as the template passes it) and by name.
    let arn = secret.arn().unwrap().to_owned();
    let vars: HashMap<&str, String> = HashMap::from([
        ("OS_SECURITY_KEY_SECRET", arn),
        ("JWT_VERIFICATION_KEY_PARAMETER", parameter.clone()),
    ]);
    let resolved = secrets::environment(&sdk, |n| vars.get(n).cloned())
        .await
        .expect("both read");
    assert_eq!(resolved["OS_SECURITY_KEY"], "key-from-secrets-manager");
    assert_eq!(
        resolved["JWT_VERIFICATION_KEY"],
        "hs256-secret-from-parameter-store"
    );
    let by_name: HashMap<&str, String> =
        HashMap::from([("OS_SECURITY_KEY_SECRET", secret_name.clone())]);
    let resolved = secrets::environment(&sdk, |n| by_name.get(n).cloned())
        .await
        .unwrap();
    assert_eq!(resolved["OS_SECURITY_KEY"], "key-from-secrets-manager");

    // The key read at cold start is the one requests need.
    let config = Config::from_lookup(|n| {
        resolved
            .get(n)
            .cloned()
            .or_else(|| (n == "METRICS_NAMESPACE").then(|| "off".into()))
    })
    .unwrap();
    let config = Config {
        databases: vec![demo_database("demo", agno_session_lambda::testing::KeyLayout::Agno).await],
        ..config
    };
    let app = App::new(
        config,
        DynamoStore::new(dynamo_local::client(&dynamo_local::endpoint())),
    );
    let path = "/sessions/6f6cfbfd-9643-479a-ae47-b8f32eb4d710";
    assert_eq!(get(&app, path, "", &[]).await.status, 401);
    let auth = [("authorization", "Bearer key-from-secrets-manager")];
    assert_eq!(get(&app, path, "", &auth).await.status, 200);
}

#[tokio::test]
async fn an_unreadable_key_stops_the_cold_start_with_its_name() {
    let sdk = sdk().await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("OS_SECURITY_KEY_SECRET", "no/such/secret")],
            "OS_SECURITY_KEY_SECRET: 'no/such/secret' could not be read: ResourceNotFoundException",
        ),
        (
            &[("JWT_VERIFICATION_KEY_PARAMETER", "/no/such/parameter")],
            "JWT_VERIFICATION_KEY_PARAMETER: '/no/such/parameter' could not be read: ParameterNotFound",
        ),
        (
            &[
                ("OS_SECURITY_KEY_SECRET", "a"),
                ("OS_SECURITY_KEY_PARAMETER", "b"),
            ],
            "OS_SECURITY_KEY: set OS_SECURITY_KEY_SECRET or OS_SECURITY_KEY_PARAMETER, not both",
        ),
        (&[], ""),
    ];
    for (vars, message) in cases {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        let result = secrets::environment(&sdk, |n| vars.get(n).map(|v| (*v).to_owned())).await;
        match result {
            Ok(resolved) => assert!(message.is_empty() && resolved.is_empty(), "{vars:?}"),
            Err(error) => {
                let text = error.to_string();
                assert!(text.starts_with(message), "{text}");
                assert!(!message.is_empty(), "{text}");
            }
        }
    }
}
