//! A minimal Lambda Runtime API, the release `bootstrap` spawned against it with
//! Lambda's environment, and phase 2: init time.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::report::Report;
use crate::{Settings, TABLE};

/// How long a function may take to ask for its first invocation (AgentOS-on-Lambda
/// imports for many seconds at 7 % of a core).
const READY_PATIENCE: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------
// Phase 2: init time

/// `settings.init_starts` starts of the release bootstrap into `report.init`; with a
/// baseline, as many of it into `report.ab`, alternating with the current one.
pub async fn measure_init(settings: &Settings, endpoint: &str, report: &mut Report) {
    let env = bootstrap_env(endpoint);
    for i in 0..settings.init_starts {
        report.init.push(init_time(&settings.bootstrap, &env).await);
        if let (Some(baseline), Some(ab)) = (&settings.baseline, &mut report.ab) {
            ab.init.push(init_time(&baseline.bootstrap, &env).await);
        }
        if i == 0 {
            eprintln!("init: first start {:.1} ms", report.init[0]);
            if let Some(ab) = &report.ab {
                eprintln!("init: first start of the baseline {:.1} ms", ab.init[0]);
            }
        }
    }
}

/// One start: process spawned → its first `GET /invocation/next`, ms.
async fn init_time(bootstrap: &Path, env: &[(String, String)]) -> f64 {
    let emulator = Emulator::start().await;
    let t0 = Instant::now();
    let mut child = spawn(bootstrap, env, emulator.addr, None, None);
    let ready = tokio::time::timeout(READY_PATIENCE, emulator.ready())
        .await
        .expect("bootstrap became ready");
    let _ = child.kill().await;
    emulator.stop();
    ready.duration_since(t0).as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------------------
// A bootstrap serving under its own emulator

/// A release `bootstrap` that asked for its first invocation.
pub struct Bootstrap {
    emulator: Emulator,
    child: tokio::process::Child,
    pub pid: u32,
    /// When it first asked for an invocation.
    pub ready_at: Instant,
}

impl Bootstrap {
    pub async fn start(path: &Path, env: &[(String, String)]) -> Self {
        Bootstrap::start_logging(path, env, None).await
    }

    /// Started inside a cgroup (its CPU quota applies from the first instruction).
    pub async fn start_in(path: &Path, env: &[(String, String)], group: Option<&Path>) -> Self {
        Bootstrap::launch(path, env, None, group).await
    }

    /// As [`Bootstrap::start`], its output going to `log` (else discarded).
    pub async fn start_logging(
        path: &Path,
        env: &[(String, String)],
        log: Option<std::fs::File>,
    ) -> Self {
        Bootstrap::launch(path, env, log, None).await
    }

    async fn launch(
        path: &Path,
        env: &[(String, String)],
        log: Option<std::fs::File>,
        group: Option<&Path>,
    ) -> Self {
        let emulator = Emulator::start().await;
        let child = spawn(path, env, emulator.addr, log, group);
        let ready_at = tokio::time::timeout(READY_PATIENCE, emulator.ready())
            .await
            .expect("bootstrap ready");
        let pid = child.id().expect("pid");
        Bootstrap {
            emulator,
            child,
            pid,
            ready_at,
        }
    }

    pub async fn invoke(&self, event: Vec<u8>) -> Answer {
        self.emulator.invoke(event).await
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.emulator.stop();
    }
}

/// The environment Lambda gives a function (and the service's own configuration).
pub fn bootstrap_env(endpoint: &str) -> Vec<(String, String)> {
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

/// The bootstrap, or, for a cgroup, a shell that joins the group and execs it.
fn spawn(
    path: &Path,
    env: &[(String, String)],
    runtime_api: std::net::SocketAddr,
    log: Option<std::fs::File>,
    group: Option<&Path>,
) -> tokio::process::Child {
    let (stdout, stderr) = match log {
        Some(file) => (
            Stdio::from(file.try_clone().expect("log file")),
            Stdio::from(file),
        ),
        None => (Stdio::null(), Stdio::null()),
    };
    let mut command = match group {
        None => tokio::process::Command::new(path),
        Some(dir) => {
            let mut sh = tokio::process::Command::new("/bin/sh");
            sh.arg("-c")
                .arg(r#"echo $$ > "$1/cgroup.procs" && exec "$0""#)
                .arg(path)
                .arg(dir);
            sh
        }
    };
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        // An empty HOME, as on Lambda: no ~/.aws files to read.
        .env("HOME", std::env::temp_dir().join("bench-empty-home"))
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("start bootstrap")
}

// ---------------------------------------------------------------------------------------
// The Runtime API

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

/// One invocation as the emulator saw it.
pub struct Answer {
    /// Event handed to the function → its response received.
    pub latency: Duration,
    /// Whether it posted a response (not an error).
    pub ok: bool,
    /// The response it posted (API Gateway v2 response JSON).
    pub body: Vec<u8>,
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
        return next_invocation(&id, invocation.event);
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

/// The answer to `GET /invocation/next`: the event, with Lambda's headers.
fn next_invocation(id: &str, event: Vec<u8>) -> Response<Full<Bytes>> {
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", id)
        .header("lambda-runtime-deadline-ms", deadline.to_string())
        .header(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench",
        )
        // A new trace id for every invocation, as Lambda sends them.
        .header(
            "lambda-runtime-trace-id",
            format!("Root=1-{:0>8}-000000000000000000000000;Sampled=0", id),
        )
        .body(Full::new(Bytes::from(event)))
        .unwrap()
}
