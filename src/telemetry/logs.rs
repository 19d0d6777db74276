//! Logs: JSON lines, level from `AWS_LAMBDA_LOG_LEVEL` (Lambda's setting) or `RUST_LOG`,
//! INFO by default, other crates capped at WARN. Built here so tests can capture exactly
//! what `main` would log.
//!
//! What is logged at INFO and above: the configuration at cold start (databases, and
//! whether a key is set, never the key), rejected events (status and reason), and
//! server errors (status, and the detail: session id, table, attribute and problem,
//! never a stored value). Never a bearer token, a request's headers, or session content.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// The level filter `main` uses: the level set by `AWS_LAMBDA_LOG_LEVEL` (Lambda's
/// setting) or `RUST_LOG`.
fn filter_from_env() -> Targets {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    filter(level.as_deref())
}

/// This crate's events at `level` (Lambda's names: TRACE, DEBUG, INFO, WARN, ERROR,
/// FATAL; INFO when unset or unknown), every other crate's at WARN at most: at DEBUG and
/// TRACE the runtime logs whole events (the `Authorization` header with them) and the
/// SDK logs DynamoDB's answers (session content), which no log may carry.
///
/// A plain per-target filter: `EnvFilter`'s regex engines (300 KB of code) are not
/// needed for levels.
pub fn filter(level: Option<&str>) -> Targets {
    let ours = match level.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("trace") => LevelFilter::TRACE,
        Some("debug") => LevelFilter::DEBUG,
        Some("warn" | "warning") => LevelFilter::WARN,
        Some("error" | "fatal") => LevelFilter::ERROR,
        Some("off") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    };
    let others = ours.min(LevelFilter::WARN);
    // The runtime logs every function error at ERROR, with its message: a session that
    // is not found is a normal answer (the request line has it), and the message may
    // quote the caller's event. Panics are logged by the hook `init` installs.
    Targets::new()
        .with_default(others)
        .with_target("agno_session_lambda", ours)
        .with_target("bootstrap", ours)
        .with_target("lambda_runtime::layers::panic", LevelFilter::OFF)
}

/// The subscriber `main` installs, writing to `writer`.
pub fn subscriber<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_max_level(LevelFilter::TRACE)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
        .with(filter)
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
