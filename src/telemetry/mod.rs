//! One structured log line per request (ids, status, latency, sizes; never session
//! content or credentials), and CloudWatch Embedded Metric Format (EMF) metrics.

mod logs;
mod metrics;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use logs::{filter as log_filter, init, subscriber};

/// What is known about one answered request.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestRecord {
    pub request_id: String,
    /// `http` or `invoke`.
    pub source: &'static str,
    pub session_id: Option<String>,
    pub session_type: Option<&'static str>,
    pub db_id: Option<String>,
    pub status: u16,
    pub error_type: Option<&'static str>,
    pub latency: Duration,
    /// Approximate size of the stored item (attribute names and values).
    pub item_bytes: Option<usize>,
    pub response_bytes: usize,
    pub encoding: Option<&'static str>,
}

/// Writes the request's log line and, when a namespace is configured, its EMF line.
pub(crate) fn record(metrics_namespace: Option<&str>, record: &RequestRecord) {
    let latency_ms = record.latency.as_secs_f64() * 1000.0;
    tracing::info!(
        request_id = record.request_id,
        source = record.source,
        session_id = record.session_id.as_deref(),
        session_type = record.session_type,
        db_id = record.db_id.as_deref(),
        status = record.status,
        error_type = record.error_type,
        latency_ms,
        item_bytes = record.item_bytes,
        response_bytes = record.response_bytes,
        encoding = record.encoding,
        "request"
    );
    if let Some(namespace) = metrics_namespace {
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        // EMF must be a line of its own on stdout, which the Lambda runtime ships to
        // CloudWatch Logs, where it becomes metrics.
        println!("{}", metrics::emf_line(namespace, record, timestamp_ms));
    }
}
