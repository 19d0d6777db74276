//! DynamoDB faults, injected by a proxy in front of DynamoDB Local, against the client
//! `main` builds (`store::client_config`: per-attempt timeout, bounded retries): each
//! fault gets a clear 503/504 with `Retry-After` within the configured time bound, and
//! the same App answers 200 again as soon as DynamoDB is back, without a restart.

use std::time::{Duration, Instant};

use crate::common::proxy::{FaultProxy, Mode};
use crate::common::{Answer, demo_database, dynamo_local, get};
use agno_session_lambda::testing::{DynamoSettings, KeyLayout, client_config, operation_timeout};
use agno_session_lambda::{App, Config, DynamoStore};
use aws_sdk_dynamodb::config::{Credentials, Region};
use serde_json::json;

const SEED: &str = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710";

/// `main`'s defaults: DynamoDB Local on a busy machine answers well inside them.
const SETTINGS: DynamoSettings = DynamoSettings {
    connect_at_init: false,
    attempt_timeout: Duration::from_millis(1000),
    max_attempts: 3,
};

/// The App as `main` builds it (same client configuration), talking to `endpoint`.
async fn app_via(endpoint: &str) -> App<DynamoStore> {
    let (store, database) = store_via(endpoint).await;
    let config = Config {
        databases: vec![database],
        dynamodb: SETTINGS,
        metrics_namespace: None,
        ..Default::default()
    };
    App::new(config, store)
}

/// The store `main` builds, talking to `endpoint`, and the demo database.
async fn store_via(endpoint: &str) -> (DynamoStore, agno_session_lambda::testing::Database) {
    let database = demo_database("demo", KeyLayout::Composite).await;
    // As main: aws_config's defaults, then store::client_config; only the endpoint
    // differs (the proxy, instead of AWS_ENDPOINT_URL_DYNAMODB).
    let sdk = agno_session_lambda::testing::sdk::loader()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .load()
        .await;
    let client = client_config(&sdk, &SETTINGS)
        .endpoint_url(endpoint)
        .build();
    (
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(client)),
        database,
    )
}

async fn timed_get(app: &App<DynamoStore>) -> (Answer, Duration) {
    let start = Instant::now();
    let answer = get(app, &format!("/sessions/{SEED}"), "", &[]).await;
    (answer, start.elapsed())
}

/// The most one request may take: the operation timeout (every attempt timing out,
/// plus backoffs, plus 100 ms), plus slack for a slow or busy test machine. The
/// behaviour checked is that the client gives up on its own (a 30 s delay is not
/// waited out); the slack is about the machine, so it is generous.
fn bound() -> Duration {
    operation_timeout(&SETTINGS) + Duration::from_secs(3)
}

fn assert_retryable(answer: &Answer, status: u16, detail_has: &str, what: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.text);
    let detail = answer.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(detail.contains(detail_has), "{what}: {detail}");
    assert!(
        detail.contains("table '"),
        "{what}: the detail names the table: {detail}"
    );
    let retry_after: u64 = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After"))
        .parse()
        .unwrap();
    assert!(
        (1..=5).contains(&retry_after),
        "{what}: Retry-After {retry_after}"
    );
}

#[tokio::test]
async fn every_fault_is_answered_in_time_and_the_app_recovers() {
    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let app = app_via(&proxy.url()).await;
    let ok = |answer: &Answer, what: &str| {
        assert_eq!(answer.status, 200, "{what}: {}", answer.text);
        assert_eq!(answer.json()["session_id"], SEED, "{what}");
    };

    let (answer, _) = timed_get(&app).await;
    ok(&answer, "through the proxy");
    assert_eq!(proxy.take_requests(), 1);

    let faults: [(Mode, u16, &str, usize); 10] = [
        // DynamoDB stopped: connection refused on every attempt.
        (Mode::Down, 503, "unavailable", 0),
        // Slower than the attempt timeout: every attempt times out.
        (
            Mode::Delay(Duration::from_secs(30)),
            504,
            "did not answer in time",
            3,
        ),
        // The connection closes mid-response, or with no response at all.
        (Mode::CutAnswer, 503, "unavailable", 0),
        (Mode::CloseWithoutAnswer, 503, "unavailable", 3),
        // Throttling, as DynamoDB answers it: HTTP 400 with the exception's type.
        (
            Mode::Error(400, "ProvisionedThroughputExceededException"),
            503,
            "throttling",
            3,
        ),
        (
            Mode::Error(400, "ThrottlingException"),
            503,
            "throttling",
            3,
        ),
        (
            Mode::Error(400, "RequestLimitExceeded"),
            503,
            "throttling",
            3,
        ),
        // Not a DynamoDB answer, but a proxy's 429: throttling too (the SDK does not retry it).
        (Mode::Error(429, "TooManyRequests"), 503, "throttling", 1),
        // DynamoDB failing on its side.
        (
            Mode::Error(500, "InternalServerError"),
            503,
            "unavailable",
            3,
        ),
        (
            Mode::Error(503, "ServiceUnavailable"),
            503,
            "unavailable",
            3,
        ),
    ];
    for (mode, status, detail, attempts) in faults {
        let what = format!("{mode:?}");
        proxy.set_mode(mode).await;
        let (answer, elapsed) = timed_get(&app).await;
        println!("{what}: {} in {elapsed:?}: {}", answer.status, answer.text);
        assert_retryable(&answer, status, detail, &what);
        assert!(
            elapsed < bound(),
            "{what}: took {elapsed:?}, bound {:?}",
            bound()
        );
        // 0: not asserted (refused connections never reach the proxy; a cut answer
        // may or may not be retried).
        let seen = proxy.take_requests();
        if attempts > 0 {
            assert_eq!(seen, attempts, "{what}: attempts");
        }

        // Recovery: the same App, the proxy forwarding again.
        proxy.set_mode(Mode::Forward).await;
        let (answer, _) = timed_get(&app).await;
        ok(&answer, &format!("after {what}"));
        proxy.take_requests();
    }
}

#[tokio::test]
async fn slow_dynamodb_answers_504_within_the_configured_bound() {
    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let app = app_via(&proxy.url()).await;
    // Just over the attempt timeout, and much slower.
    for delay in [
        SETTINGS.attempt_timeout + Duration::from_millis(100),
        Duration::from_secs(30),
    ] {
        proxy.set_mode(Mode::Delay(delay)).await;
        let (answer, elapsed) = timed_get(&app).await;
        assert_retryable(
            &answer,
            504,
            "did not answer in time",
            &format!("{delay:?}"),
        );
        assert!(
            elapsed >= SETTINGS.attempt_timeout * SETTINGS.max_attempts,
            "{elapsed:?}"
        );
        assert!(
            elapsed < bound(),
            "{delay:?}: took {elapsed:?}, bound {:?}",
            bound()
        );
    }
    // Slow, but inside the attempt timeout: answered.
    proxy
        .set_mode(Mode::Delay(Duration::from_millis(100)))
        .await;
    let (answer, _) = timed_get(&app).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn unreachable_dynamodb_is_503_and_other_rejections_are_500() {
    // Nothing listens on this port at all.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_via(&format!("http://127.0.0.1:{port}")).await;
    let (answer, elapsed) = timed_get(&app).await;
    assert_retryable(&answer, 503, "could not reach DynamoDB", "refused");
    assert!(elapsed < bound(), "{elapsed:?}");

    // A request DynamoDB refuses for good (not retryable): 500, no Retry-After.
    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let app = app_via(&proxy.url()).await;
    for (kind, advice) in [
        ("AccessDeniedException", "IAM policy"),
        ("ResourceNotFoundException", "SESSION_TABLE"),
        ("ValidationException", "log"),
    ] {
        proxy.set_mode(Mode::Error(400, kind)).await;
        let (answer, _) = timed_get(&app).await;
        assert_eq!(answer.status, 500, "{kind}: {}", answer.text);
        assert_eq!(answer.header("retry-after"), None, "{kind}");
        assert_eq!(proxy.take_requests(), 1, "{kind}: not retried");
        // What to change, not the table's name or DynamoDB's own message.
        let detail = answer.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(advice), "{kind}: {detail}");
        assert!(!detail.contains("table '"), "{kind}: {detail}");
        assert!(
            !detail.contains("injected by the test proxy"),
            "{kind}: {detail}"
        );
    }
    proxy.set_mode(Mode::Garbage).await;
    let (answer, _) = timed_get(&app).await;
    assert_retryable(&answer, 503, "unreadable answer", "garbage");
    assert_eq!(answer.json(), json!({"detail": answer.json()["detail"]}));
}

/// `DYNAMODB_CONNECT_AT_INIT`: one `GetItem` (of a key no session has) during init, and
/// whatever DynamoDB answers, or if nothing answers, the cold start goes on within the
/// same time bound as a request; the first request then reports the problem.
#[tokio::test]
async fn connecting_at_init_is_one_read_and_never_stops_the_start() {
    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let (store, database) = store_via(&proxy.url()).await;
    store.connect(&database).await;
    assert_eq!(proxy.take_requests(), 1, "one GetItem");
    for mode in [
        Mode::Error(400, "AccessDeniedException"),
        Mode::Garbage,
        Mode::CloseWithoutAnswer,
        Mode::Down,
    ] {
        proxy.set_mode(mode.clone()).await;
        let start = Instant::now();
        store.connect(&database).await;
        assert!(start.elapsed() < bound(), "{mode:?}: {:?}", start.elapsed());
    }
    let app = app_via(&proxy.url()).await;
    let (answer, _) = timed_get(&app).await;
    assert_retryable(&answer, 503, "could not reach DynamoDB", "down after init");
}

/// An "answer" far larger than any DynamoDB answer (400 MB, streamed with its length
/// declared, or in chunks) is cut off, not read into memory: 503 within the time bound,
/// and the process's memory does not grow by the answer's size.
#[tokio::test]
async fn oversized_answers_are_cut_off() {
    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let app = app_via(&proxy.url()).await;
    for declared in [true, false] {
        proxy
            .set_mode(Mode::Huge(400 * 1024 * 1024, declared))
            .await;
        let before = rss_kib();
        let (answer, elapsed) = timed_get(&app).await;
        let grown = rss_kib().saturating_sub(before);
        println!(
            "declared {declared}: {} in {elapsed:?}, RSS +{grown} KiB",
            answer.status
        );
        assert_retryable(
            &answer,
            503,
            "unreadable answer",
            &format!("declared {declared}"),
        );
        assert!(elapsed < bound(), "declared {declared}: {elapsed:?}");
        // At most the cap (16 MiB) per attempt is held, never the 400 MB.
        assert!(
            grown < 100 * 1024,
            "declared {declared}: RSS grew {grown} KiB"
        );
        proxy.set_mode(Mode::Forward).await;
        let (answer, _) = timed_get(&app).await;
        assert_eq!(
            answer.status, 200,
            "after an oversized answer: {}",
            answer.text
        );
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A table whose key is not the configured layout: a 500 that says what to change,
/// without the table's name or DynamoDB's message (the log has both).
#[tokio::test]
async fn a_layout_mismatch_says_what_to_change() {
    let mut database = demo_database("demo", KeyLayout::Agno).await;
    database.layout = KeyLayout::Composite;
    let app = crate::common::app(vec![database.clone()], None);
    let logs = crate::common::LogCapture::default();
    let guard = logs.install("error");
    let answer = get(&app, &format!("/sessions/{SEED}"), "type=agent", &[]).await;
    drop(guard);
    assert_eq!(answer.status, 500, "{}", answer.text);
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("SESSION_TABLE_LAYOUT") && detail.contains("'agno'"),
        "{detail}"
    );
    assert!(!detail.contains(&database.table), "{detail}");
    assert!(logs.text().contains(&database.table), "{}", logs.text());
}
