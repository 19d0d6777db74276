//! Logs: JSON lines, level from `AWS_LAMBDA_LOG_LEVEL` (Lambda's setting) or `RUST_LOG`,
//! INFO by default. Built here so tests can capture exactly what `main` would log.
//!
//! What is logged at INFO and above: the configuration at cold start (databases, and
//! whether a key is set, never the key), rejected events (status and reason), and
//! server errors (status, and the detail: session id, table, attribute and problem,
//! never a stored value). Never a bearer token, a request's headers, or session content.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The level filter `main` uses.
fn filter_from_env() -> EnvFilter {
    std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| EnvFilter::new(level.to_lowercase()))
        .unwrap_or_else(|| {
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
        })
}

/// The subscriber `main` installs, writing to `writer`.
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
}

/// Installs the subscriber for the process, writing to standard output, and a panic
/// hook that logs where a panic happened but not its message, which may quote the data
/// that caused it (the runtime turns the panic into a function error).
pub fn init() {
    let subscriber = subscriber(filter_from_env(), std::io::stdout);
    tracing::subscriber::set_global_default(subscriber).expect("logging is set up once");
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "panic");
    }));
}
