//! The full runtime path: the real `bootstrap` binary, started as Lambda starts it,
//! polls a Lambda Runtime API played by this test, and is fed hostile and foreign
//! events between good ones. Every event gets an answer or a function error, no panic
//! is logged, the process is still serving at the end, and its log holds neither the
//! key nor a token.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use crate::common::{Source, demo_database, dynamo_local};
use agno_session_lambda::testing::KeyLayout;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify, mpsc};

const SEED: &str = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710";
const KEY: &str = "runtime-test-key-Zq81";

/// What the function reported for one invocation.
#[derive(Debug)]
enum Outcome {
    Response(Value),
    Error(Value),
}

/// A minimal Lambda Runtime API: `/next` hands out queued events, `/response` and
/// `/error` report outcomes.
struct RuntimeApi {
    events: Mutex<VecDeque<(String, String)>>,
    ready: Notify,
    outcomes: mpsc::UnboundedSender<(String, Outcome)>,
    /// A new X-Ray trace id for every invocation (as Lambda sends), or always the same.
    unique_trace_ids: bool,
    served: std::sync::atomic::AtomicU64,
}

async fn serve(api: Arc<RuntimeApi>, mut stream: TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            if name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size).await?;
                let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body).await?;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned();
        if path.ends_with("/invocation/next") {
            let (id, event) = loop {
                if let Some(next) = api.events.lock().await.pop_front() {
                    break next;
                }
                api.ready.notified().await;
            };
            let n = api.served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let trace = if api.unique_trace_ids {
                format!("Root=1-{n:08x}-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
            } else {
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
                    .to_owned()
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:test\r\n\
                 lambda-runtime-trace-id: {trace}\r\n\
                 content-length: {}\r\n\r\n",
                event.len()
            );
            // One write: head and body in two would wait on delayed ACKs (Nagle).
            write.write_all(format!("{head}{event}").as_bytes()).await?;
        } else {
            let id = path.split('/').nth(4).unwrap_or("").to_owned();
            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let outcome = if path.ends_with("/response") {
                Outcome::Response(json)
            } else {
                Outcome::Error(json)
            };
            let _ = api.outcomes.send((id, outcome));
            write
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}")
                .await?;
        }
    }
}

fn http(source: Source, path: &str, query: &str, extra: &[(&str, &str)]) -> String {
    let bearer = format!("Bearer {KEY}");
    let mut headers = vec![("authorization", bearer.as_str())];
    headers.extend_from_slice(extra);
    source.event("GET", path, query, &headers).to_string()
}

/// What each event must get: an HTTP status, a direct invocation's document, or a
/// function error of this type.
enum Expect {
    Status(u16),
    Document,
    Error(&'static str),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_events_through_the_real_runtime_loop() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let seed = format!("/sessions/{SEED}");
    let mut base64 = Source::HttpApi.event(
        "GET",
        &seed,
        "",
        &[("authorization", &format!("Bearer {KEY}"))],
    );
    base64["body"] = json!("!!not base64!!");
    base64["isBase64Encoded"] = json!(true);
    let bearer = [("authorization", format!("Bearer {KEY}"))];
    let bearer: Vec<(&str, &str)> = bearer.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let rest_with_query = |multi: Value, single: Value| {
        let mut event = Source::RestApi.event("GET", &seed, "", &bearer);
        event["multiValueQueryStringParameters"] = multi;
        event["queryStringParameters"] = single;
        event.to_string()
    };
    let mut no_context = Source::RestApi.event("GET", &seed, "", &[]);
    no_context.as_object_mut().unwrap().remove("requestContext");
    let events: Vec<(String, Expect)> = vec![
        (http(Source::HttpApi, &seed, "", &[]), Expect::Status(200)),
        ("null".into(), Expect::Error("InvalidRequest")),
        ("[]".into(), Expect::Error("InvalidRequest")),
        ("\"just a string\"".into(), Expect::Error("InvalidRequest")),
        ("42".into(), Expect::Error("InvalidRequest")),
        ("{}".into(), Expect::Error("InvalidRequest")),
        // An HTTP event lambda_http cannot read: the HTTP answer for unreadable events.
        (no_context.to_string(), Expect::Status(400)),
        // Not JSON at all: the runtime's own deserializer would fail before the handler.
        (String::new(), Expect::Error("InvalidRequest")),
        ("not json".into(), Expect::Error("InvalidRequest")),
        ("{\"session_id\": ".into(), Expect::Error("InvalidRequest")),
        // A name with no value in a REST API's multi-value map made QueryMap panic.
        (
            rest_with_query(json!({"user_id": []}), Value::Null),
            Expect::Status(200),
        ),
        (
            rest_with_query(json!({"a": [], "type": ["team"]}), Value::Null),
            Expect::Status(404),
        ),
        // One query, read one way: maps that disagree on who asks are refused...
        (
            rest_with_query(
                json!({"user_id": ["someone-else"]}),
                json!({"user_id": "123"}),
            ),
            Expect::Status(400),
        ),
        // ...and an HTTP API event's map is the query when the raw string is missing.
        (
            {
                let mut event = Source::HttpApi.event("GET", &seed, "", &bearer);
                event.as_object_mut().unwrap().remove("rawQueryString");
                event["queryStringParameters"] = json!({"user_id": "someone-else"});
                event.to_string()
            },
            Expect::Status(404),
        ),
        (
            http(Source::HttpApi, &seed, "user_id=1 2|\"3\"", &[]),
            Expect::Status(404),
        ),
        (
            http(Source::HttpApi, &seed, "", &[("host", "bad host")]),
            Expect::Status(400),
        ),
        (
            http(
                Source::Alb,
                &seed,
                "",
                &[("host", "example.com"), ("x-forwarded-proto", "no scheme")],
            ),
            Expect::Status(400),
        ),
        (
            http(Source::RestApi, &seed, "", &[("host", "[::1")]),
            Expect::Status(400),
        ),
        (base64.to_string(), Expect::Status(200)),
        (
            http(Source::FunctionUrl, &seed, &"q=1&".repeat(20_000), &[]),
            Expect::Status(414),
        ),
        (
            http(
                Source::HttpApi,
                &format!("/sessions/{}", "x".repeat(3000)),
                "",
                &[],
            ),
            Expect::Status(404),
        ),
        (
            http(Source::HttpApi, "/../../etc/passwd", "", &[]),
            Expect::Status(404),
        ),
        (json!({"session_id": SEED}).to_string(), Expect::Document),
        (
            json!({"session_id": SEED, "type": "Agent"}).to_string(),
            Expect::Error("InvalidRequest"),
        ),
        (
            json!({"session_id": "no-such"}).to_string(),
            Expect::Error("SessionNotFound"),
        ),
        (http(Source::RestApi, &seed, "", &[]), Expect::Status(200)),
        (http(Source::Alb, &seed, "", &[]), Expect::Status(200)),
    ];
    let count = events.len();

    let mut function = Function::start(&database.table, false).await;
    let (api, child) = (function.api.clone(), &mut function.child);
    let mut expected = Vec::new();
    for (i, (event, expect)) in events.into_iter().enumerate() {
        let id = format!("req-{i}");
        expected.push((
            id.clone(),
            event.chars().take(80).collect::<String>(),
            expect,
        ));
        api.events.lock().await.push_back((id, event));
        api.ready.notify_one();
    }
    for (id, start, expect) in &expected {
        let (got_id, outcome) =
            tokio::time::timeout(Duration::from_secs(30), function.outcomes.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer for {id} ({start})"))
                .unwrap();
        assert_eq!(&got_id, id, "answers come in order");
        match (expect, &outcome) {
            (Expect::Status(status), Outcome::Response(body)) => {
                assert_eq!(body["statusCode"], *status, "{id} {start}: {body}");
                let detail: Value = serde_json::from_str(body["body"].as_str().unwrap_or("{}"))
                    .unwrap_or(Value::Null);
                if *status >= 400 {
                    assert!(detail["detail"].is_string(), "{id} {start}: {body}");
                }
            }
            (Expect::Document, Outcome::Response(body)) => {
                assert_eq!(body["session_id"], SEED, "{id}: {body}");
            }
            (Expect::Error(kind), Outcome::Error(body)) => {
                assert_eq!(body["errorType"], *kind, "{id} {start}: {body}");
            }
            (_, other) => panic!("{id} {start}: unexpected {other:?}"),
        }
    }
    // Still running, and still serving.
    assert!(child.try_wait().unwrap().is_none(), "bootstrap exited");
    api.events
        .lock()
        .await
        .push_back(("last".into(), http(Source::HttpApi, &seed, "", &[])));
    api.ready.notify_one();
    let (id, outcome) = tokio::time::timeout(Duration::from_secs(30), function.outcomes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, "last");
    assert!(
        matches!(outcome, Outcome::Response(ref b) if b["statusCode"] == 200),
        "{outcome:?}"
    );

    child.start_kill().unwrap();
    function.child.wait().await.unwrap();
    function.server.abort();
    let (stdout, stderr) = function.output().await;
    println!("{count} events + 1 answered; stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        !stdout.contains("panic") && !stderr.contains("panic"),
        "a panic was logged"
    );
    for secret in [KEY, "Bearer", "Digimon"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "the log holds {secret:?}"
        );
    }
    // The cold start was logged, as JSON.
    assert!(
        stdout.lines().any(|l| l.contains("\"configured\"")),
        "{stdout}"
    );
}

/// The real binary at every log level Lambda offers: no line holds the key, a token, or
/// session content (at TRACE the runtime would log whole events and the SDK DynamoDB's
/// answers), and a session that is not found is not logged as an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_level_carries_a_secret() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let seed = format!("/sessions/{SEED}");
    for level in ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] {
        let mut function = Function::start_logging(&database.table, true, level).await;
        let outcomes = function
            .invoke_all([
                http(Source::HttpApi, &seed, "", &[]),
                Source::RestApi
                    .event(
                        "GET",
                        &seed,
                        "",
                        &[("authorization", "Bearer wrong-token-77a1")],
                    )
                    .to_string(),
                json!({"session_id": SEED}).to_string(),
                json!({"session_id": "no-such-session-4e1"}).to_string(),
                "not json".to_owned(),
            ])
            .await;
        assert!(
            matches!(&outcomes[0], Outcome::Response(b) if b["statusCode"] == 200),
            "{level}: {outcomes:?}"
        );
        assert!(
            matches!(&outcomes[1], Outcome::Response(b) if b["statusCode"] == 401),
            "{level}: {outcomes:?}"
        );
        assert!(
            matches!(&outcomes[3], Outcome::Error(b) if b["errorType"] == "SessionNotFound"),
            "{level}: {outcomes:?}"
        );
        function.child.start_kill().unwrap();
        function.child.wait().await.unwrap();
        function.server.abort();
        let (stdout, stderr) = function.output().await;
        let log = format!("{stdout}{stderr}");
        println!("{level}: {} lines", log.lines().count());
        for secret in [KEY, "wrong-token-77a1", "Bearer", "Digimon", "What tools"] {
            assert!(
                !log.contains(secret),
                "{level}: the log holds {secret:?}:\n{log}"
            );
        }
        assert!(
            !log.lines()
                .any(|l| l.contains("ERROR") && l.contains("no-such-session-4e1")),
            "{level}: a session not found is logged as an error:\n{log}"
        );
    }
}

/// X-Ray propagation without the environment: each DynamoDB request the function sends
/// carries its invocation's trace id (captured by a proxy in front of DynamoDB Local),
/// and SIGTERM ends the process cleanly, after a last log line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_ids_reach_dynamodb_and_sigterm_ends_cleanly() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let proxy = crate::common::proxy::FaultProxy::start(&dynamo_local::endpoint()).await;
    let mut function = Function::start_with(&database.table, true, "INFO", &proxy.url()).await;
    let seed = format!("/sessions/{SEED}");
    let outcomes = function
        .invoke_all([
            http(Source::HttpApi, &seed, "", &[]),
            json!({"session_id": SEED}).to_string(),
            http(Source::Alb, "/sessions/team-demo-1", "type=team", &[]),
        ])
        .await;
    assert_eq!(outcomes.len(), 3);
    let traces = proxy.take_traces();
    let served = function
        .api
        .served
        .load(std::sync::atomic::Ordering::SeqCst);
    // First the GetItem that opens the connection during init (no invocation, so no
    // trace id), then one per invocation.
    let expected: Vec<String> = std::iter::once(String::new())
        .chain((served - 3..served).map(|n| {
            format!("Root=1-{n:08x}-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
        }))
        .collect();
    assert_eq!(
        traces, expected,
        "the connection opened at init, then one GetItem per invocation, with its trace id"
    );

    let pid = function.child.id().expect("running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), function.child.wait())
        .await
        .expect("exits within 10 s of SIGTERM")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    function.server.abort();
    let (stdout, _) = function.output().await;
    assert!(stdout.contains("SIGTERM: shutting down"), "{stdout}");
}

/// DynamoDB over TLS, as on AWS: the function trusts its built-in Amazon Trust Services
/// roots, so an endpoint another CA signed is refused (503, no session sent in the
/// clear), and `SSL_CERT_FILE` makes it trust that CA instead (200, through a real
/// handshake during init).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_over_tls_trusts_amazon_roots_unless_told_otherwise() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let front = crate::common::tls::TlsFront::with_new_certificates(&dynamo_local::endpoint())
        .expect("TLS front");
    let ca = front.ca_file.display().to_string();
    let seed = format!("/sessions/{SEED}");
    for (trust, status) in [(ca.as_str(), 200), ("", 503)] {
        // The test machine may set these for every process: the function gets only `trust`.
        let env = [("SSL_CERT_FILE", trust), ("SSL_CERT_DIR", "")];
        let mut function =
            Function::start_env(&database.table, false, "INFO", &front.endpoint, &env).await;
        let outcomes = function
            .invoke_all([http(Source::HttpApi, &seed, "", &[])])
            .await;
        let Outcome::Response(response) = &outcomes[0] else {
            panic!("trust {trust:?}: {:?}", outcomes[0]);
        };
        assert_eq!(
            response["statusCode"], status,
            "trust {trust:?}: {response}"
        );
        if status == 200 {
            assert!(response["body"].as_str().unwrap().contains(SEED));
        }
    }
}

/// The `bootstrap` binary, started as Lambda starts it, against a Runtime API served
/// here.
struct Function {
    api: Arc<RuntimeApi>,
    outcomes: mpsc::UnboundedReceiver<(String, Outcome)>,
    child: tokio::process::Child,
    server: tokio::task::JoinHandle<()>,
    /// stdout and stderr, read as they come: a full pipe would stop the function, which
    /// logs a line (and an EMF line) per invocation.
    logs: [tokio::task::JoinHandle<Vec<u8>>; 2],
}

impl Function {
    async fn start(table: &str, unique_trace_ids: bool) -> Function {
        Function::start_logging(table, unique_trace_ids, "INFO").await
    }

    /// As [`Function::start`], with `AWS_LAMBDA_LOG_LEVEL` at `log_level`.
    async fn start_logging(table: &str, unique_trace_ids: bool, log_level: &str) -> Function {
        Function::start_with(
            table,
            unique_trace_ids,
            log_level,
            &dynamo_local::endpoint(),
        )
        .await
    }

    /// As [`Function::start_logging`], reaching DynamoDB at `endpoint`.
    async fn start_with(
        table: &str,
        unique_trace_ids: bool,
        log_level: &str,
        endpoint: &str,
    ) -> Function {
        Function::start_env(table, unique_trace_ids, log_level, endpoint, &[]).await
    }

    /// As [`Function::start_with`], with `env` set (or, for an empty value, removed).
    async fn start_env(
        table: &str,
        unique_trace_ids: bool,
        log_level: &str,
        endpoint: &str,
        env: &[(&str, &str)],
    ) -> Function {
        let (outcomes_tx, outcomes) = mpsc::unbounded_channel();
        let api = Arc::new(RuntimeApi {
            events: Mutex::new(VecDeque::new()),
            ready: Notify::new(),
            outcomes: outcomes_tx,
            unique_trace_ids,
            served: Default::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = {
            let api = api.clone();
            tokio::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    tokio::spawn(serve(api.clone(), stream));
                }
            })
        };
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bootstrap"));
        for (name, value) in env {
            match value.is_empty() {
                true => command.env_remove(name),
                false => command.env(name, value),
            };
        }
        let child = command
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "sessions")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
            .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("SESSION_TABLE", table)
            .env("SESSION_TABLE_LAYOUT", "composite")
            .env("DB_ID", "demo")
            .env("OS_SECURITY_KEY", KEY)
            .env("AWS_LAMBDA_LOG_LEVEL", log_level)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start bootstrap");
        let mut child = child;
        let drain = |mut pipe: Box<dyn tokio::io::AsyncRead + Send + Unpin>| {
            tokio::spawn(async move {
                let mut out = Vec::new();
                let _ = tokio::io::AsyncReadExt::read_to_end(&mut pipe, &mut out).await;
                out
            })
        };
        let logs = [
            drain(Box::new(child.stdout.take().expect("piped stdout"))),
            drain(Box::new(child.stderr.take().expect("piped stderr"))),
        ];
        Function {
            api,
            outcomes,
            child,
            server,
            logs,
        }
    }

    /// Sends `events` and waits for every answer.
    async fn invoke_all(&mut self, events: impl IntoIterator<Item = String>) -> Vec<Outcome> {
        let mut count = 0;
        {
            let mut queue = self.api.events.lock().await;
            for event in events {
                queue.push_back((format!("soak-{count}"), event));
                count += 1;
            }
        }
        self.api.ready.notify_one();
        let mut outcomes = Vec::with_capacity(count);
        for _ in 0..count {
            let (_, outcome) = tokio::time::timeout(Duration::from_secs(30), self.outcomes.recv())
                .await
                .expect("an answer in time")
                .unwrap();
            outcomes.push(outcome);
        }
        outcomes
    }

    /// What the function wrote, once it has exited.
    async fn output(self) -> (String, String) {
        let [stdout, stderr] = self.logs;
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        (text(stdout.await.unwrap()), text(stderr.await.unwrap()))
    }

    fn rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

/// RSS over 20,000 invocations of the real binary (`RUNTIME_INVOCATIONS` to change it),
/// each with a new X-Ray trace id as Lambda sends them: after a warm-up round, it grows
/// by at most [`MAX_GROWTH_PER_INVOCATION`] bytes an invocation. (Under `lambda_runtime`'s
/// own loop each new trace id cost ~180 bytes: it set `_X_AMZN_TRACE_ID` in the
/// environment, and glibc never frees a replaced value.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_flat_over_thousands_of_invocations() {
    let database = demo_database("demo", KeyLayout::Composite).await;
    let seed = format!("/sessions/{SEED}");
    let mix = [
        http(Source::HttpApi, &seed, "", &[]),
        http(Source::HttpApi, "/sessions/team-demo-1", "type=team", &[]),
        http(
            Source::RestApi,
            "/sessions/workflow-demo-1",
            "type=workflow",
            &[],
        ),
        http(Source::Alb, "/sessions/nope", "", &[]),
        json!({"session_id": SEED}).to_string(),
    ];
    let total: usize = std::env::var("RUNTIME_INVOCATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
        .max(2);
    let per_round = 2_000.min(total / 2);
    let rounds = total / per_round;
    let mut function = Function::start(&database.table, true).await;
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let outcomes = function
            .invoke_all((0..per_round).map(|i| mix[i % mix.len()].clone()))
            .await;
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Response(_))),
            "every invocation answered"
        );
        samples.push(function.rss_kib());
    }
    // After the first round (warm-up: connections, buffers, lazy statics).
    let growth = samples[rounds - 1] as i64 - samples[0] as i64;
    let measured = (rounds - 1) * per_round;
    let per_invocation = growth as f64 * 1024.0 / measured as f64;
    println!(
        "{} invocations, unique trace ids; RSS after each {per_round} (KiB): {samples:?}; \
         growth {growth} KiB over {measured}, {per_invocation:.2} bytes an invocation",
        rounds * per_round
    );
    assert!(
        per_invocation <= MAX_GROWTH_PER_INVOCATION,
        "RSS grew {per_invocation:.2} bytes an invocation: {samples:?}"
    );
    function.child.start_kill().unwrap();
    function.server.abort();
}

/// The bound on RSS growth per invocation after warm-up, in bytes.
const MAX_GROWTH_PER_INVOCATION: f64 = 4.0;
