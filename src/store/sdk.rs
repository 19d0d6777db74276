//! The AWS SDK's configuration: Lambda's environment (region, credentials in variables,
//! `AWS_ENDPOINT_URL_*`), over one HTTPS client on rustls with ring.
//!
//! Why not the SDK's default client: it brings aws-lc (1.3 MB of code in the zip, the
//! largest crate in it) and, through the SDKs' default features, a second legacy
//! hyper 0.14 / rustls 0.21 stack. ring does TLS 1.2/1.3 with the same ciphers DynamoDB
//! offers; the cold start that loads, and the zip Lambda unpacks, are smaller.
//!
//! Why not the system's CA store by default: reading and parsing it (about 150
//! certificates, in a bundle and again one file each) took 8 ms of CPU at every cold
//! start, 110 ms of a 128 MB function's init. AWS endpoints chain to Amazon Trust
//! Services' roots, built in here. `SSL_CERT_FILE` / `SSL_CERT_DIR` (an endpoint behind
//! a private CA) and the China regions (other CAs) get the system's store.

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// Amazon Root CA 1-4 and Starfield Services Root Certificate Authority - G2.
const AWS_ROOTS: &str = include_str!("aws_roots.pem");

/// The HTTPS client every AWS call goes through.
pub fn https_client() -> SharedHttpClient {
    let lookup = |name: &str| std::env::var(name).ok();
    let trust = match system_roots_wanted(lookup) {
        true => TrustStore::empty().with_native_roots(true),
        false => TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AWS_ROOTS),
    };
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store without extra server names builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// Whether to trust the system's CA store instead of AWS's roots: when told where it is,
/// or in the China regions, whose endpoints other CAs sign.
fn system_roots_wanted(lookup: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
    set("SSL_CERT_FILE")
        || set("SSL_CERT_DIR")
        || ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .any(|name| lookup(name).is_some_and(|r| r.starts_with("cn-")))
}

/// The loader `main` uses, for tests to add their endpoint or credentials to.
pub fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// The configuration from the environment, as at cold start.
pub async fn from_env() -> SdkConfig {
    loader().load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(vars: &[(&str, &str)]) -> bool {
        system_roots_wanted(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn aws_roots_unless_told_otherwise() {
        assert!(!wanted(&[("AWS_REGION", "us-east-1")]));
        assert!(wanted(&[
            ("AWS_REGION", "us-east-1"),
            ("SSL_CERT_FILE", "/ca.pem")
        ]));
        assert!(wanted(&[("SSL_CERT_DIR", "/etc/ssl/certs")]));
        assert!(wanted(&[("AWS_REGION", "cn-north-1")]));
        assert!(!wanted(&[("SSL_CERT_FILE", "")]));
    }

    #[test]
    fn the_built_in_roots_are_amazon_trust_services() {
        use tokio_rustls::rustls::RootCertStore;
        use tokio_rustls::rustls::pki_types::CertificateDer;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        let certs: Vec<_> = CertificateDer::pem_slice_iter(AWS_ROOTS.as_bytes())
            .collect::<Result<_, _>>()
            .expect("PEM");
        assert_eq!(certs.len(), 5);
        let mut store = RootCertStore::empty();
        let (valid, invalid) = store.add_parsable_certificates(certs);
        assert_eq!((valid, invalid), (5, 0));
    }
}
