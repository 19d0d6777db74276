//! The AWS SDK's configuration: Lambda's environment (region, credentials in variables,
//! `AWS_ENDPOINT_URL_*`), over one HTTPS client on rustls with ring.
//!
//! Why not the SDK's default client: it brings aws-lc (1.3 MB of code in the zip, the
//! largest crate in it) and, through the SDKs' default features, a second legacy
//! hyper 0.14 / rustls 0.21 stack. ring does TLS 1.2/1.3 with the same ciphers DynamoDB
//! offers; the cold start that loads, and the zip Lambda unpacks, are smaller.

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The HTTPS client every AWS call goes through (trusting the system's CA certificates).
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The loader `main` uses, for tests to add their endpoint or credentials to.
pub fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// The configuration from the environment, as at cold start.
pub async fn from_env() -> SdkConfig {
    loader().load().await
}
