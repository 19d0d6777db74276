//! CloudWatch Embedded Metric Format: one JSON line per request on stdout, which the
//! Lambda runtime ships to CloudWatch Logs, where it becomes metrics.

use serde_json::json;

use super::RequestRecord;

/// The EMF document for a request: `Latency`, `Requests`, `ItemBytes` and
/// `ResponseBytes`, by `StatusClass` (2xx, 4xx, 5xx) and overall.
pub(super) fn emf_line(namespace: &str, record: &RequestRecord, timestamp_ms: u64) -> String {
    let mut metrics = vec![
        json!({"Name": "Latency", "Unit": "Milliseconds"}),
        json!({"Name": "Requests", "Unit": "Count"}),
        json!({"Name": "ResponseBytes", "Unit": "Bytes"}),
    ];
    if record.item_bytes.is_some() {
        metrics.push(json!({"Name": "ItemBytes", "Unit": "Bytes"}));
    }
    let mut document = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["StatusClass"], []],
                "Metrics": metrics,
            }],
        },
        "StatusClass": format!("{}xx", record.status / 100),
        "Status": record.status,
        "Source": record.source,
        "RequestId": record.request_id,
        "Latency": (record.latency.as_secs_f64() * 1e6).round() / 1e3,
        "Requests": 1,
        "ResponseBytes": record.response_bytes,
    });
    if let Some(bytes) = record.item_bytes {
        document["ItemBytes"] = json!(bytes);
    }
    document.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn emf_line_shape() {
        let record = RequestRecord {
            request_id: "req-1".into(),
            source: "http",
            session_id: Some("secret-ish-id".into()),
            status: 404,
            latency: Duration::from_micros(1234),
            item_bytes: None,
            response_bytes: 64,
            ..Default::default()
        };
        let line: serde_json::Value =
            serde_json::from_str(&emf_line("Sessions", &record, 1_757_088_129_000)).unwrap();
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(line["_aws"]["Timestamp"], 1_757_088_129_000u64);
        assert_eq!(directive["Namespace"], "Sessions");
        assert_eq!(directive["Dimensions"], json!([["StatusClass"], []]));
        // Every metric named in the directive has a value at the top level, and every
        // dimension too: what CloudWatch requires of EMF.
        for metric in directive["Metrics"].as_array().unwrap() {
            assert!(
                line[metric["Name"].as_str().unwrap()].is_number(),
                "{metric}"
            );
        }
        assert_eq!(line["StatusClass"], "4xx");
        assert_eq!(line["Latency"], 1.234);
        assert!(line.get("ItemBytes").is_none());
        // Session ids stay out of metrics (unbounded cardinality, and not a metric).
        assert!(!line.to_string().contains("secret-ish-id"));
    }
}
