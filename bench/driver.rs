//! The benchmark driver: `bench/run.sh` runs it (as the `bench_driver` example) after
//! starting DynamoDB Local and building everything. It loads the benchmark sessions,
//! then measures, side by side in one run:
//!
//! - the handler end to end in process (event JSON in → response JSON out, real
//!   `GetItem`) against a raw `GetItem` of the same item on the same SDK client;
//! - the release `bootstrap` under a minimal Lambda Runtime API emulated here: init
//!   time (process start → first `GET /invocation/next`), latency, CPU per request
//!   (utime+stime of the process from /proc/<pid>/stat) and peak RSS (VmHWM);
//! - AgentOS 2.1.10 under uvicorn on the same table (Agno's `DynamoDb` storage), with
//!   the same load: latency, CPU per request, peak RSS, and whether it answers the
//!   same documents;
//!
//! and writes `bench/RESULTS.md` and `bench/latency.svg`, with the criterion rendering
//! figures and the arm64 zip size that `run.sh` produced.

#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "sessions.rs"]
mod sessions;

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agno_session_lambda::App;
use agno_session_lambda::Config;
use agno_session_lambda::DynamoStore;
use agno_session_lambda::testing::dispatch;
use agno_session_lambda::testing::item_from_json;
use agno_session_lambda::testing::{Database, KeyLayout};
use aws_sdk_dynamodb::types::AttributeValue;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use lambda_http::request::LambdaRequest;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc, oneshot};

use common::dynamo_local;

const TABLE: &str = "bench_sessions";

struct Settings {
    root: PathBuf,
    bootstrap: PathBuf,
    python: PathBuf,
    agentos_port: u16,
    rounds: usize,
    inproc_iterations: usize,
    init_starts: usize,
    zip: Option<PathBuf>,
    command: String,
    build_notes: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let settings = Settings {
        bootstrap: PathBuf::from(env_or(
            "BENCH_BOOTSTRAP",
            &root.join("target/release/bootstrap").to_string_lossy(),
        )),
        python: PathBuf::from(env_or(
            "BENCH_PYTHON",
            &root.join(".tools/bench-venv/bin/python").to_string_lossy(),
        )),
        agentos_port: env_or("BENCH_AGENTOS_PORT", "8399").parse().unwrap(),
        rounds: env_or("BENCH_ROUNDS", "200").parse().unwrap(),
        inproc_iterations: env_or("BENCH_INPROC_ITERATIONS", "400").parse().unwrap(),
        init_starts: env_or("BENCH_INIT_STARTS", "20").parse().unwrap(),
        zip: std::env::var("BENCH_ZIP").ok().map(PathBuf::from),
        command: env_or("BENCH_COMMAND", "bench/run.sh"),
        build_notes: env_or("BENCH_BUILD_NOTES", ""),
        root,
    };
    let endpoint = dynamo_local::endpoint();
    let load_start = loadavg();
    let started = Instant::now();

    // Sessions, loaded into one table in Agno's own layout (key: session_id), which
    // both services read.
    let sessions = sessions::all(&settings.root.join("demo"));
    let client = dynamo_local::client(&endpoint);
    dynamo_local::create_table(&client, TABLE, KeyLayout::Agno).await;
    for session in &sessions {
        let item = item_from_json(&session.item).expect("valid item");
        dynamo_local::put_item(&client, TABLE, item).await;
    }
    eprintln!("loaded {} sessions into {TABLE}", sessions.len());

    let mut report = Report::default();

    // 1. In process: handler end to end vs raw GetItem, same client, same item.
    let app = App::new(
        Config {
            databases: vec![Database {
                id: "default".into(),
                table: TABLE.into(),
                layout: KeyLayout::Agno,
                runs_table: None,
            }],
            // EMF lines would flood the driver's stdout; the bootstrap figures keep them.
            metrics_namespace: None,
            ..Default::default()
        },
        DynamoStore::new(client.clone()),
    );
    for session in &sessions {
        let event = event_for(session);
        let (stock, raw, handler) =
            inproc_triple(&client, &app, session, &event, settings.inproc_iterations).await;
        eprintln!(
            "in process {:16} GetItem p50 {:8.1} µs (stock client {:8.1} µs), handler p50 {:8.1} µs",
            session.name,
            pct(&raw, 50.0),
            pct(&stock, 50.0),
            pct(&handler, 50.0)
        );
        report.inproc.push((session.name, raw, handler));
        report.inproc_stock.push(stock);
    }

    // 2. Init time of the release bootstrap under the runtime emulator.
    let env = bootstrap_env(&endpoint);
    for i in 0..settings.init_starts {
        let emulator = Emulator::start().await;
        let t0 = Instant::now();
        let mut child = spawn_bootstrap(&settings.bootstrap, &env, emulator.addr);
        let ready = tokio::time::timeout(Duration::from_secs(10), emulator.ready())
            .await
            .expect("bootstrap became ready");
        report
            .init
            .push(ready.duration_since(t0).as_secs_f64() * 1e3);
        let _ = child.kill().await;
        emulator.stop();
        if i == 0 {
            eprintln!("init: first start {:.1} ms", report.init[0]);
        }
    }

    // 3. The serving bootstrap and AgentOS.
    let emulator = Emulator::start().await;
    let mut bootstrap = spawn_bootstrap(&settings.bootstrap, &env, emulator.addr);
    tokio::time::timeout(Duration::from_secs(10), emulator.ready())
        .await
        .expect("bootstrap ready");
    let bootstrap_pid = bootstrap.id().expect("pid");

    let mut agentos = tokio::process::Command::new(&settings.python)
        .args(["-m", "uvicorn", "--app-dir"])
        .arg(settings.root.join("bench"))
        .args(["agentos_app:app", "--host", "127.0.0.1", "--port"])
        .arg(settings.agentos_port.to_string())
        .args(["--log-level", "warning", "--no-access-log"])
        .env("BENCH_DDB_ENDPOINT", &endpoint)
        .env("BENCH_TABLE", TABLE)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start uvicorn");
    let agentos_pid = agentos.id().expect("pid");
    let mut http = HttpClient::connect(settings.agentos_port, Duration::from_secs(60)).await;
    eprintln!("AgentOS up (pid {agentos_pid}), bootstrap up (pid {bootstrap_pid})");

    // Same documents? Sessions AgentOS cannot answer are left out of the load.
    let mut served = Vec::new();
    for session in &sessions {
        let ours = emulator.invoke(event_for(session)).await;
        let ours = http_body_of(&ours.body);
        let (status, theirs) = http.get(&path_for(session)).await;
        let verdict = compare(&ours, status, &theirs);
        eprintln!("same document {:16} {verdict}", session.name);
        if status == 200 {
            served.push(session);
        }
        report.same.push((session.name, verdict));
    }
    let sessions_all = &sessions;
    let sessions = served;

    // Warm-up, then the measured load: rounds × every session, interleaved per request
    // (raw GetItem, this service, AgentOS) so all three see the same DynamoDB Local.
    for _ in 0..5 {
        for session in &sessions {
            emulator.invoke(event_for(session)).await;
            http.get(&path_for(session)).await;
        }
    }
    let cpu_ours_0 = cpu_seconds(bootstrap_pid);
    let cpu_theirs_0 = cpu_seconds(agentos_pid);
    let mut lat: HashMap<(&str, System), Vec<f64>> = HashMap::new();
    let load_t0 = Instant::now();
    for _ in 0..settings.rounds {
        for session in &sessions {
            let t = Instant::now();
            raw_get(&client, &session.session_id).await;
            let raw = t.elapsed().as_secs_f64() * 1e6;

            let answer = emulator.invoke(event_for(session)).await;
            assert!(answer.ok, "bootstrap failed on {}", session.name);
            let ours = answer.latency.as_secs_f64() * 1e6;

            let t = Instant::now();
            let (status, _) = http.get(&path_for(session)).await;
            let theirs = t.elapsed().as_secs_f64() * 1e6;
            assert!(
                status == 200,
                "AgentOS answered {status} on {}",
                session.name
            );

            for (system, value) in [
                (System::Raw, raw),
                (System::Ours, ours),
                (System::AgentOs, theirs),
            ] {
                lat.entry((session.name, system)).or_default().push(value);
                lat.entry(("all", system)).or_default().push(value);
            }
        }
    }
    let load_seconds = load_t0.elapsed().as_secs_f64();
    let requests = settings.rounds * sessions.len();
    report.cpu_ours = (cpu_seconds(bootstrap_pid) - cpu_ours_0) / requests as f64;
    report.cpu_theirs = (cpu_seconds(agentos_pid) - cpu_theirs_0) / requests as f64;
    report.rss_ours_kb = vm_hwm_kb(bootstrap_pid);
    report.rss_theirs_kb = vm_hwm_kb(agentos_pid);
    report.requests = requests;
    report.load_seconds = load_seconds;
    report.latency = lat;
    eprintln!(
        "load: {requests} requests per system in {load_seconds:.1} s; CPU/request ours {:.1} µs, AgentOS {:.1} µs",
        report.cpu_ours * 1e6,
        report.cpu_theirs * 1e6
    );

    // The bootstrap again, serving only 300 KB sessions, for peak RSS on its own.
    let big: Vec<_> = sessions_all
        .iter()
        .filter(|s| s.name.ends_with("300kb"))
        .collect();
    let emulator_big = Emulator::start().await;
    let mut bootstrap_big = spawn_bootstrap(&settings.bootstrap, &env, emulator_big.addr);
    emulator_big.ready().await;
    let big_pid = bootstrap_big.id().expect("pid");
    for _ in 0..50 {
        for session in &big {
            emulator_big.invoke(event_for(session)).await;
        }
    }
    report.rss_big_kb = vm_hwm_kb(big_pid);
    let _ = bootstrap_big.kill().await;
    let _ = bootstrap.kill().await;
    let _ = agentos.kill().await;
    let _ = agentos.wait().await;

    report.sessions = sessions_all
        .iter()
        .map(|s| (s.name, s.session_type, s.item_bytes()))
        .collect();
    report.load_sessions = sessions.iter().map(|s| s.name).collect();
    report.criterion = criterion_figures(&settings.root.join("target/criterion"));
    report.zip_bytes = settings
        .zip
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len());
    report.load_start = load_start;
    report.load_end = loadavg();
    report.seconds = started.elapsed().as_secs_f64();

    let svg = latency_svg(&report);
    std::fs::write(settings.root.join("bench/latency.svg"), svg).expect("write svg");
    let markdown = report.markdown(&settings);
    std::fs::write(settings.root.join("bench/RESULTS.md"), &markdown).expect("write results");
    println!("{markdown}");
}

// ---------------------------------------------------------------------------------------
// Events and answers

fn path_for(session: &sessions::BenchSession) -> String {
    format!(
        "/sessions/{}?type={}",
        session.session_id, session.session_type
    )
}

/// The API Gateway HTTP API (v2) event for a session's GET, as bytes.
fn event_for(session: &sessions::BenchSession) -> Vec<u8> {
    let query = format!("type={}", session.session_type);
    let path = format!("/sessions/{}", session.session_id);
    serde_json::to_vec(&common::http_v2_event("GET", &path, &query, &[])).unwrap()
}

fn http_body_of(response: &[u8]) -> String {
    let value: Value = serde_json::from_slice(response).expect("response JSON");
    value["body"].as_str().unwrap_or_default().to_owned()
}

fn compare(ours: &str, status: u16, theirs: &str) -> String {
    if status != 200 {
        return format!("no: AgentOS answered {status}");
    }
    let a: Value = match serde_json::from_str(ours) {
        Ok(v) => v,
        Err(e) => return format!("no: our body is not JSON ({e})"),
    };
    let mut b: Value = serde_json::from_str(theirs).expect("AgentOS JSON");
    if a == b {
        return "yes".into();
    }
    // AgentOS gives a message stored without an id a new random one on every request;
    // this service answers it without one (README). Compare without those ids.
    if let (Some(ours), Some(theirs)) = (
        a["chat_history"].as_array(),
        b["chat_history"].as_array_mut(),
    ) && ours.len() == theirs.len()
    {
        for (o, t) in ours.iter().zip(theirs.iter_mut()) {
            if o.get("id").is_none()
                && let Some(t) = t.as_object_mut()
            {
                t.shift_remove("id");
            }
        }
        if a == b {
            return "yes, but for the random ids AgentOS gives messages stored without one".into();
        }
    }
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "no".into();
    };
    let mut differing: Vec<&str> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(String::as_str)
        .collect();
    differing.sort_unstable();
    differing.dedup();
    format!("no: differs in {differing:?}")
}

/// Handler end to end in process vs raw GetItem on the handler's own client and on a
/// stock SDK client, interleaved, in µs.
async fn inproc_triple(
    stock_client: &aws_sdk_dynamodb::Client,
    app: &App<DynamoStore>,
    session: &sessions::BenchSession,
    event: &[u8],
    iterations: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut stock, mut raw, mut handler) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iterations + 50 {
        let t = Instant::now();
        raw_get(stock_client, &session.session_id).await;
        let s = t.elapsed().as_secs_f64() * 1e6;

        let t = Instant::now();
        raw_get(app.store.client(), &session.session_id).await;
        let r = t.elapsed().as_secs_f64() * 1e6;

        let t = Instant::now();
        let out = handle_event(app, event).await;
        let h = t.elapsed().as_secs_f64() * 1e6;
        assert!(out.len() > 100, "{}: {}", session.name, out.len());
        if i >= 50 {
            stock.push(s);
            raw.push(r);
            handler.push(h);
        }
    }
    (stock, raw, handler)
}

async fn raw_get(client: &aws_sdk_dynamodb::Client, session_id: &str) {
    let output = client
        .get_item()
        .table_name(TABLE)
        .key("session_id", AttributeValue::S(session_id.to_owned()))
        .send()
        .await
        .expect("GetItem");
    assert!(output.item.is_some());
}

/// What the runtime does around the handler: event JSON → request, handler, response →
/// API Gateway v2 response JSON.
async fn handle_event(app: &App<DynamoStore>, event: &[u8]) -> Vec<u8> {
    let request: LambdaRequest = serde_json::from_slice(event).expect("event");
    let response = dispatch(app, request.into()).await.expect("handled");
    let (parts, body) = response.into_parts();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = parts.status.as_u16() as i64;
    out.headers = parts.headers;
    out.body = Some(body);
    serde_json::to_vec(&out).expect("response JSON")
}

// ---------------------------------------------------------------------------------------
// A minimal Lambda Runtime API

/// When the function answered, whether it succeeded, and its response body.
type Reply = oneshot::Sender<(Instant, bool, Vec<u8>)>;

struct Invocation {
    event: Vec<u8>,
    reply: Reply,
}

struct EmulatorState {
    queue: Mutex<mpsc::Receiver<(String, Invocation)>>,
    pending: Mutex<HashMap<String, Reply>>,
    ready: mpsc::UnboundedSender<Instant>,
}

struct Emulator {
    addr: std::net::SocketAddr,
    queue: mpsc::Sender<(String, Invocation)>,
    ready: Mutex<mpsc::UnboundedReceiver<Instant>>,
    next_id: std::sync::atomic::AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

struct Answer {
    latency: Duration,
    ok: bool,
    body: Vec<u8>,
}

impl Emulator {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (queue_tx, queue_rx) = mpsc::channel(1);
        let (ready_tx, ready_rx) = mpsc::unbounded_channel();
        let state = Arc::new(EmulatorState {
            queue: Mutex::new(queue_rx),
            pending: Mutex::new(HashMap::new()),
            ready: ready_tx,
        });
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(runtime_api(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Emulator {
            addr,
            queue: queue_tx,
            ready: Mutex::new(ready_rx),
            next_id: Default::default(),
            server,
        }
    }

    /// When the function next asked for an invocation.
    async fn ready(&self) -> Instant {
        self.ready
            .lock()
            .await
            .recv()
            .await
            .expect("emulator running")
    }

    /// One invocation: event handed to the function → its response received.
    async fn invoke(&self, event: Vec<u8>) -> Answer {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_string();
        let (reply, answer) = oneshot::channel();
        let t0 = Instant::now();
        self.queue
            .send((id, Invocation { event, reply }))
            .await
            .expect("emulator running");
        let (at, ok, body) = answer.await.expect("function answered");
        Answer {
            latency: at.duration_since(t0),
            ok,
            body,
        }
    }

    fn stop(self) {
        self.server.abort();
    }
}

async fn runtime_api(state: &EmulatorState, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let reply = |status: u16, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    };
    if path == "/2018-06-01/runtime/invocation/next" {
        let _ = state.ready.send(Instant::now());
        let Some((id, invocation)) = state.queue.lock().await.recv().await else {
            return reply(500, Vec::new());
        };
        state
            .pending
            .lock()
            .await
            .insert(id.clone(), invocation.reply);
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        return Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            )
            .body(Full::new(Bytes::from(invocation.event)))
            .unwrap();
    }
    if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
        let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
        let id = id.to_owned();
        let ok = kind == "response";
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec())
            .unwrap_or_default();
        let at = Instant::now();
        if let Some(sender) = state.pending.lock().await.remove(&id) {
            let _ = sender.send((at, ok, body));
        }
        return reply(202, b"{}".to_vec());
    }
    if path == "/2018-06-01/runtime/init/error" {
        let body = request.into_body().collect().await.map(|b| b.to_bytes());
        eprintln!("init error: {body:?}");
        return reply(202, b"{}".to_vec());
    }
    reply(404, Vec::new())
}

/// The environment Lambda gives a function (and the service's own configuration).
fn bootstrap_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_SESSION_TOKEN", "local"),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("SESSION_TABLE", TABLE),
        ("SESSION_TABLE_LAYOUT", "agno"),
        ("DB_ID", "default"),
        ("LANG", "C.UTF-8"),
        ("TZ", ":UTC"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn spawn_bootstrap(
    path: &Path,
    env: &[(String, String)],
    runtime_api: std::net::SocketAddr,
) -> tokio::process::Child {
    tokio::process::Command::new(path)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        // An empty HOME, as on Lambda: no ~/.aws files to read.
        .env("HOME", std::env::temp_dir().join("bench-empty-home"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start bootstrap")
}

// ---------------------------------------------------------------------------------------
// A keep-alive HTTP/1.1 client for AgentOS (uvicorn answers with Content-Length)

struct HttpClient {
    stream: BufReader<TcpStream>,
}

impl HttpClient {
    async fn connect(port: u16, patience: Duration) -> Self {
        let until = Instant::now() + patience;
        loop {
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
                stream.set_nodelay(true).unwrap();
                let mut client = HttpClient {
                    stream: BufReader::new(stream),
                };
                let (status, _) = client.get("/health").await;
                if status != 0 {
                    return client;
                }
            }
            assert!(Instant::now() < until, "AgentOS did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: */*\r\n\r\n");
        if self
            .stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .is_err()
        {
            return (0, String::new());
        }
        let mut line = String::new();
        let mut status = 0;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return (0, String::new());
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some(rest) = trimmed.strip_prefix("HTTP/1.1 ") {
                status = rest[..3].parse().unwrap_or(0);
            } else if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

// ---------------------------------------------------------------------------------------
// Process figures

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the parenthesized command name; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / clock_ticks() as f64
}

fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------
// Criterion's figures

/// Mean and median (ns) of each `render/<name>` benchmark criterion saved.
fn criterion_figures(dir: &Path) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for group in ["render", "decode_and_render"] {
        let Ok(entries) = std::fs::read_dir(dir.join(group)) else {
            continue;
        };
        let mut names: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "report")
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(group).join(&name).join("new/estimates.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            out.push((
                format!("{group}/{name}"),
                v["mean"]["point_estimate"].as_f64().unwrap_or(f64::NAN),
                v["median"]["point_estimate"].as_f64().unwrap_or(f64::NAN),
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The report

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum System {
    Raw,
    Ours,
    AgentOs,
}

impl System {
    fn label(self) -> &'static str {
        match self {
            System::Raw => "raw GetItem (stock Rust SDK client)",
            System::Ours => "this service (bootstrap)",
            System::AgentOs => "AgentOS 2.1.10 (uvicorn)",
        }
    }
    fn color(self) -> &'static str {
        match self {
            System::Raw => "#8c8c8c",
            System::Ours => "#d9480f",
            System::AgentOs => "#1c7ed6",
        }
    }
}

fn pct(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Default)]
struct Report {
    sessions: Vec<(&'static str, &'static str, usize)>,
    load_sessions: Vec<&'static str>,
    inproc: Vec<(&'static str, Vec<f64>, Vec<f64>)>,
    inproc_stock: Vec<Vec<f64>>,
    init: Vec<f64>,
    same: Vec<(&'static str, String)>,
    latency: HashMap<(&'static str, System), Vec<f64>>,
    cpu_ours: f64,
    cpu_theirs: f64,
    rss_ours_kb: u64,
    rss_theirs_kb: u64,
    rss_big_kb: u64,
    requests: usize,
    load_seconds: f64,
    criterion: Vec<(String, f64, f64)>,
    zip_bytes: Option<u64>,
    load_start: String,
    load_end: String,
    seconds: f64,
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

fn shell(command: &str) -> String {
    std::process::Command::new("sh")
        .args(["-c", command])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

impl Report {
    fn lat(&self, session: &str, system: System) -> &[f64] {
        self.latency
            .iter()
            .find(|((name, s), _)| *name == session && *s == system)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    fn criterion_mean(&self, name: &str) -> Option<f64> {
        self.criterion
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, mean, _)| *mean)
    }

    fn markdown(&self, settings: &Settings) -> String {
        let mut md = String::new();
        let w = &mut md;
        let _ = writeln!(w, "# Benchmark results\n");
        let _ = writeln!(
            w,
            "Written by `{}` on {} (UTC). Do not edit by hand: run the command again.\n",
            settings.command,
            shell("date -u '+%Y-%m-%d %H:%M'")
        );
        let _ = writeln!(
            w,
            "Machine: {} cores (`nproc`), {}, {} memory; {}. Load average (1/5/15 min) {} at the start, {} at the end: \
             other builds and tests shared the CPU during the run. The driver took {:.0} s (builds and criterion before it are not counted).\n",
            shell("nproc"),
            shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'"),
            shell("free -h | awk '/Mem:/ {print $2}'"),
            shell("uname -sr"),
            self.load_start,
            self.load_end,
            self.seconds
        );
        if !settings.build_notes.is_empty() {
            let _ = writeln!(w, "{}\n", settings.build_notes);
        }

        // Headline table.
        let _ = writeln!(w, "## Figures and goals\n");
        let _ = writeln!(w, "| figure | measured | goal | |");
        let _ = writeln!(w, "|---|---|---|---|");
        let worst = self
            .inproc
            .iter()
            .map(|(name, raw, handler)| (*name, pct(handler, 50.0) / pct(raw, 50.0)))
            .fold(("", 0.0f64), |a, b| if b.1 > a.1 { b } else { a });
        let spec = self
            .inproc
            .iter()
            .find(|(n, _, _)| *n == "spec-example")
            .map(|(_, raw, h)| pct(h, 50.0) / pct(raw, 50.0))
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            w,
            "| handler end-to-end p50 ÷ raw `GetItem` p50 (in process, same SDK client, same item; worst of all sessions) | {:.3} worst ({}), {:.3} spec example | ≤ 1.10 | {} |",
            worst.1,
            worst.0,
            spec,
            met(worst.1 <= 1.10)
        );
        let cpu_ratio = self.cpu_theirs / self.cpu_ours;
        let _ = writeln!(
            w,
            "| CPU per request: AgentOS ÷ this service ({} requests each) | {:.1} ({:.0} µs ÷ {:.0} µs) | ≥ 20 | {} |",
            self.requests,
            cpu_ratio,
            self.cpu_theirs * 1e6,
            self.cpu_ours * 1e6,
            met(cpu_ratio >= 20.0)
        );
        let all_ours = self.lat("all", System::Ours);
        let all_theirs = self.lat("all", System::AgentOs);
        let _ = writeln!(
            w,
            "| p50 latency: AgentOS ÷ this service (all sessions) | {:.1} ({:.2} ms ÷ {:.2} ms) | reported | |",
            pct(all_theirs, 50.0) / pct(all_ours, 50.0),
            pct(all_theirs, 50.0) / 1e3,
            pct(all_ours, 50.0) / 1e3
        );
        let _ = writeln!(
            w,
            "| p99 latency: AgentOS ÷ this service (all sessions) | {:.1} ({:.2} ms ÷ {:.2} ms) | reported | |",
            pct(all_theirs, 99.0) / pct(all_ours, 99.0),
            pct(all_theirs, 99.0) / 1e3,
            pct(all_ours, 99.0) / 1e3
        );
        let big_render = ["agent-300kb", "team-300kb", "workflow-300kb"]
            .iter()
            .filter_map(|n| self.criterion_mean(&format!("render/{n}")).map(|v| (*n, v)))
            .fold(("", 0.0f64), |a, b| if b.1 > a.1 { b } else { a });
        let _ = writeln!(
            w,
            "| rendering a 300 KB session (criterion mean, slowest type) | {:.0} µs ({}) | ≤ 1 ms | {} |",
            big_render.1 / 1e3,
            big_render.0,
            met(big_render.1 > 0.0 && big_render.1 <= 1e6)
        );
        let spec_render = self
            .criterion_mean("render/spec-example")
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            w,
            "| rendering the spec's example session (criterion mean) | {:.2} µs | ≤ 20 µs | {} |",
            spec_render / 1e3,
            met(spec_render <= 20e3)
        );
        let init = pct(&self.init, 50.0);
        let _ = writeln!(
            w,
            "| init: process start → first `GET /invocation/next`, median of {} starts | {:.1} ms (min {:.1}, max {:.1}) | ≤ 30 ms | {} |",
            self.init.len(),
            init,
            pct(&self.init, 0.0),
            pct(&self.init, 100.0),
            met(init <= 30.0)
        );
        let _ = writeln!(
            w,
            "| peak RSS (VmHWM) serving 300 KB sessions | {:.1} MB | ≤ 24 MB | {} |",
            self.rss_big_kb as f64 / 1024.0,
            met(self.rss_big_kb as f64 / 1024.0 <= 24.0)
        );
        match self.zip_bytes {
            Some(bytes) => {
                let _ = writeln!(
                    w,
                    "| `cargo lambda build --release --arm64 --output-format zip` | {:.2} MB ({bytes} bytes) | ≤ 6 MB | {} |",
                    bytes as f64 / 1048576.0,
                    met(bytes as f64 / 1048576.0 <= 6.0)
                );
            }
            None => {
                let _ = writeln!(w, "| arm64 zip | not built | ≤ 6 MB | **not met** |");
            }
        }
        let _ = writeln!(
            w,
            "\nMB are MiB (2^20 bytes). Peak RSS of the bootstrap over the whole mixed load: {:.1} MB; AgentOS's uvicorn process: {:.1} MB.\n",
            self.rss_ours_kb as f64 / 1024.0,
            self.rss_theirs_kb as f64 / 1024.0
        );

        // Sessions.
        let _ = writeln!(w, "## Sessions\n");
        let _ = writeln!(
            w,
            "Generated by `bench/sessions.rs` (deterministic) besides the three `demo/` items; all in one DynamoDB Local table in Agno's layout (key `session_id`), which both services read.\n"
        );
        let _ = writeln!(
            w,
            "Sessions AgentOS does not answer with 200 are left out of the latency and CPU load (for both services).\n"
        );
        let _ = writeln!(
            w,
            "| session | type | item size | same document as AgentOS |"
        );
        let _ = writeln!(w, "|---|---|---|---|");
        for (name, kind, bytes) in &self.sessions {
            let same = self
                .same
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.as_str())
                .unwrap_or("");
            let _ = writeln!(
                w,
                "| {name} | {kind} | {:.1} KB | {same} |",
                *bytes as f64 / 1024.0
            );
        }

        // In-process.
        let _ = writeln!(w, "\n## Handler overhead over `GetItem` (in process)\n");
        let _ = writeln!(
            w,
            "Each iteration times a raw `GetItem` of the item on a stock SDK client, then on the handler's own client (`DynamoStore::client`, which reads `GetItem` answers with serde_json), then the handler on the API Gateway HTTP API event for it (event JSON → request → `dispatch` → response JSON); {} iterations after 50 of warm-up. The ratio is to `GetItem` on the same client. µs.\n",
            settings.inproc_iterations
        );
        let _ = writeln!(
            w,
            "| session | GetItem p50, stock client | GetItem p50, same client | handler p50 | ratio | handler − GetItem | handler ÷ stock GetItem |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|");
        for ((name, raw, handler), stock) in self.inproc.iter().zip(&self.inproc_stock) {
            let (s, r, h) = (pct(stock, 50.0), pct(raw, 50.0), pct(handler, 50.0));
            let _ = writeln!(
                w,
                "| {name} | {s:.0} | {r:.0} | {h:.0} | {:.3} | {:.0} | {:.3} |",
                h / r,
                h - r,
                h / s
            );
        }

        // Latency.
        let _ = writeln!(w, "\n## Latency under the same load\n");
        let _ = writeln!(
            w,
            "{} rounds over every session, one request at a time, interleaved per request: raw `GetItem` (driver's SDK client), this service (the release `bootstrap` under the driver's Lambda Runtime API emulator: event handed over → response received), AgentOS (HTTP GET over a keep-alive loopback connection → body read). AgentOS calls `DescribeTable` before every `GetItem`. DynamoDB Local serves all three, so it bounds the ratios. {:.0} s. ms.\n",
            settings.rounds, self.load_seconds
        );
        let _ = writeln!(w, "![latency](latency.svg)\n");
        let _ = writeln!(
            w,
            "| session | raw p50 / p90 / p99 | this service p50 / p90 / p99 | AgentOS p50 / p90 / p99 | AgentOS ÷ this, p50 / p99 |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|");
        let mut names: Vec<&str> = self.load_sessions.clone();
        names.push("all");
        for name in names {
            let f = |s: System| {
                let v = self.lat(name, s);
                format!(
                    "{:.2} / {:.2} / {:.2}",
                    pct(v, 50.0) / 1e3,
                    pct(v, 90.0) / 1e3,
                    pct(v, 99.0) / 1e3
                )
            };
            let (o, t) = (
                self.lat(name, System::Ours),
                self.lat(name, System::AgentOs),
            );
            let _ = writeln!(
                w,
                "| {name} | {} | {} | {} | {:.1} / {:.1} |",
                f(System::Raw),
                f(System::Ours),
                f(System::AgentOs),
                pct(t, 50.0) / pct(o, 50.0),
                pct(t, 99.0) / pct(o, 99.0)
            );
        }
        let our_over_raw =
            pct(self.lat("all", System::Ours), 50.0) / pct(self.lat("all", System::Raw), 50.0);
        let _ = writeln!(
            w,
            "\nThrough the runtime API (two loopback HTTP exchanges per invocation), this service's p50 over all sessions is {our_over_raw:.2} × the raw `GetItem` p50.\n"
        );

        // Rendering.
        let _ = writeln!(
            w,
            "## Rendering (criterion, `cargo bench --bench render`)\n"
        );
        let _ = writeln!(
            w,
            "`render` is `render::render` on a decoded `SessionRecord`; `decode_and_render` adds `decode` (item clone excluded). µs.\n"
        );
        let _ = writeln!(w, "| benchmark | mean | median |");
        let _ = writeln!(w, "|---|---|---|");
        for (name, mean, median) in &self.criterion {
            let _ = writeln!(w, "| {name} | {:.2} | {:.2} |", mean / 1e3, median / 1e3);
        }

        let _ = writeln!(w, "\n## Init\n");
        let mut init = self.init.clone();
        init.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let _ = writeln!(
            w,
            "Release `bootstrap` started {} times with Lambda's environment (credentials and region in variables, empty HOME) against the emulator; time from spawn to its first `GET /2018-06-01/runtime/invocation/next`, ms, sorted: {}.",
            init.len(),
            init.iter()
                .map(|v| format!("{v:.1}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        md
    }
}

/// Grouped horizontal bars per session: p50 bar, p90 and p99 ticks, log scale.
fn latency_svg(report: &Report) -> String {
    let systems = [System::Raw, System::Ours, System::AgentOs];
    let mut names: Vec<&str> = report.load_sessions.clone();
    names.push("all");
    let (left, right, top, bar, gap) = (150.0, 30.0, 60.0, 9.0, 16.0);
    let width = 900.0;
    let plot = width - left - right;
    let group = bar * 3.0 + 6.0;
    let height = top + names.len() as f64 * (group + gap) + 70.0;
    let (lo, hi) = (0.1f64, 1000.0f64); // ms
    let x = |ms: f64| {
        left + plot * ((ms.clamp(lo, hi)).log10() - lo.log10()) / (hi.log10() - lo.log10())
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="22" font-size="15" font-weight="bold">Latency per request (ms, log scale): bar = p50, ticks = p90 and p99</text>"#
    );
    for (i, system) in systems.iter().enumerate() {
        let lx = left + i as f64 * 230.0;
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="34" width="12" height="12" fill="{}"/><text x="{}" y="45">{}</text>"#,
            system.color(),
            lx + 16.0,
            system.label()
        );
    }
    let bottom = height - 50.0;
    for decade in [0.1, 1.0, 10.0, 100.0, 1000.0] {
        let gx = x(decade);
        let _ = writeln!(
            s,
            r##"<line x1="{gx}" y1="{top}" x2="{gx}" y2="{bottom}" stroke="#ddd"/><text x="{gx}" y="{}" text-anchor="middle">{decade}</text>"##,
            bottom + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">milliseconds</text>"#,
        left + plot / 2.0,
        bottom + 34.0
    );
    for (g, name) in names.iter().enumerate() {
        let gy = top + g as f64 * (group + gap);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{name}</text>"#,
            left - 8.0,
            gy + group / 2.0 + 4.0
        );
        for (i, system) in systems.iter().enumerate() {
            let v = report.lat(name, *system);
            if v.is_empty() {
                continue;
            }
            let y = gy + i as f64 * (bar + 3.0);
            let (p50, p90, p99) = (pct(v, 50.0) / 1e3, pct(v, 90.0) / 1e3, pct(v, 99.0) / 1e3);
            let _ = writeln!(
                s,
                r#"<rect x="{left}" y="{y}" width="{:.1}" height="{bar}" fill="{}"><title>{}: p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms</title></rect>"#,
                (x(p50) - left).max(1.0),
                system.color(),
                system.label()
            );
            for (p, dash) in [(p90, ""), (p99, r#" stroke-dasharray="2,1""#)] {
                let px = x(p);
                let _ = writeln!(
                    s,
                    r#"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="{}" stroke-width="2"{dash}/>"#,
                    y - 2.0,
                    y + bar + 2.0,
                    system.color()
                );
            }
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="9" fill="#333">{p50:.2}</text>"##,
                x(p99) + 4.0,
                y + bar - 1.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}
