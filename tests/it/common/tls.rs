//! DynamoDB Local behind TLS, as AWS serves DynamoDB: every connection pays a real
//! handshake (an RSA 2048 chain from `scripts/tls-certs.sh`, trusted through
//! `SSL_CERT_FILE` by the bootstrap and `AWS_CA_BUNDLE` by boto3) before it is forwarded
//! in plain HTTP to DynamoDB Local. The terminator runs on its own thread and runtime, so
//! its work never shares a test's or the bench driver's event loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A running terminator.
pub struct TlsFront {
    /// `https://localhost:<port>`: what `AWS_ENDPOINT_URL_DYNAMODB` is set to.
    pub endpoint: String,
    /// The root certificate clients are told to trust.
    pub ca_file: PathBuf,
}

impl TlsFront {
    /// A front with certificates made for it (`scripts/tls-certs.sh`) in a new
    /// directory under the system's temporary directory.
    pub fn with_new_certificates(plain: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "tls-front-{}-{}",
            std::process::id(),
            crate::common::unique_table("certs")
        ));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tls-certs.sh");
        let status = std::process::Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .status()
            .map_err(|e| format!("{}: {e}", script.display()))?;
        if !status.success() {
            return Err(format!("{} failed: {status}", script.display()));
        }
        TlsFront::start(&dir, plain)
    }

    /// Listens on a free port and forwards to `plain` (`http://host:port`), with the
    /// certificates in `dir` (made by `scripts/tls-certs.sh`).
    pub fn start(dir: &Path, plain: &str) -> Result<Self, String> {
        let chain = CertificateDer::pem_file_iter(dir.join("chain.pem"))
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", dir.join("chain.pem").display()))?;
        let key = PrivateKeyDer::from_pem_file(dir.join("key.pem"))
            .map_err(|e| format!("{}: {e}", dir.join("key.pem").display()))?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| e.to_string())?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let upstream = plain
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        std::thread::Builder::new()
            .name("tls-front".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tls front runtime");
                runtime.block_on(serve(listener, acceptor, upstream));
            })
            .map_err(|e| e.to_string())?;
        Ok(TlsFront {
            endpoint: format!("https://localhost:{port}"),
            ca_file: dir.join("ca.pem"),
        })
    }
}

async fn serve(listener: std::net::TcpListener, acceptor: TlsAcceptor, upstream: String) {
    let listener = TcpListener::from_std(listener).expect("tls front listener");
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let Ok(mut plain) = TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = plain.set_nodelay(true);
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        });
    }
}
