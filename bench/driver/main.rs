//! The benchmark driver: `bench/run.sh` runs it (as the `bench_driver` example) after
//! starting DynamoDB Local and building everything. It loads the benchmark sessions,
//! then measures, side by side in one run:
//!
//! - the handler end to end in process (event JSON in → response JSON out, real
//!   `GetItem`) against a raw `GetItem` of the same item on the same SDK client
//!   ([`inproc`]);
//! - the release `bootstrap` under a minimal Lambda Runtime API emulated here
//!   ([`emulator`]): init time (process start → first `GET /invocation/next`), latency,
//!   CPU per request (utime+stime of the process from /proc/<pid>/stat) and peak RSS
//!   (VmHWM) ([`procfs`]);
//! - AgentOS 2.1.10 under uvicorn on the same table (Agno's `DynamoDb` storage), with
//!   the same load: latency, CPU per request, peak RSS, and whether it answers the
//!   same documents ([`agentos`], [`load`]);
//! - with `BENCH_BASELINE_BOOTSTRAP` set, a second (older) release `bootstrap` under its
//!   own emulator, interleaved with the current one: the A/B figures;
//!
//! and writes `bench/RESULTS.md` ([`report`]) and `bench/latency.svg` ([`chart`]), with
//! the criterion rendering figures ([`criterion`]) and the arm64 zip size that `run.sh`
//! produced.

#[path = "../../tests/it/common/mod.rs"]
mod common;
#[path = "../sessions.rs"]
mod sessions;

mod agentos;
mod chart;
mod criterion;
mod emulator;
mod events;
mod inproc;
mod load;
mod procfs;
mod quota;
mod report;
mod soak;

use std::path::PathBuf;
use std::time::Instant;

use agno_session_lambda::testing::{KeyLayout, item_from_json};

use common::dynamo_local;
use report::{AbReport, Report};
use sessions::BenchSession;

/// The one table both services read.
const TABLE: &str = "bench_sessions";

/// What to measure and how much (environment variables, set by `bench/run.sh`).
pub struct Settings {
    pub root: PathBuf,
    pub bootstrap: PathBuf,
    pub baseline: Option<Baseline>,
    pub python: PathBuf,
    pub agentos_port: u16,
    pub rounds: usize,
    pub inproc_iterations: usize,
    pub init_starts: usize,
    pub quota_starts: usize,
    pub quota_rounds: usize,
    /// AgentOS-on-Lambda's bootstrap script (`BENCH_AGENTOS_LAMBDA`), when measured.
    pub agentos_lambda: Option<PathBuf>,
    pub agentos_lambda_starts: usize,
    pub agentos_lambda_rounds: usize,
    /// The TLS front's certificates (`BENCH_TLS_DIR`, made by `scripts/tls-certs.sh`).
    pub tls_dir: Option<PathBuf>,
    pub zip: Option<PathBuf>,
    pub command: String,
    pub build_notes: String,
}

/// The second `bootstrap` of the A/B comparison (`BENCH_BASELINE_BOOTSTRAP`).
pub struct Baseline {
    pub bootstrap: PathBuf,
    /// How RESULTS.md names it besides its path (`BENCH_BASELINE_LABEL`, markdown).
    pub label: Option<String>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl Settings {
    fn from_env() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Settings {
            bootstrap: PathBuf::from(env_or(
                "BENCH_BOOTSTRAP",
                &root.join("target/release/bootstrap").to_string_lossy(),
            )),
            baseline: Baseline::from_env(),
            python: PathBuf::from(env_or(
                "BENCH_PYTHON",
                &root.join(".tools/bench-venv/bin/python").to_string_lossy(),
            )),
            agentos_port: env_or("BENCH_AGENTOS_PORT", "8399").parse().unwrap(),
            rounds: env_or("BENCH_ROUNDS", "200").parse().unwrap(),
            inproc_iterations: env_or("BENCH_INPROC_ITERATIONS", "400").parse().unwrap(),
            init_starts: env_or("BENCH_INIT_STARTS", "20").parse().unwrap(),
            quota_starts: env_or("BENCH_QUOTA_STARTS", "10").parse().unwrap(),
            quota_rounds: env_or("BENCH_QUOTA_ROUNDS", "30").parse().unwrap(),
            agentos_lambda: std::env::var("BENCH_AGENTOS_LAMBDA")
                .ok()
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            agentos_lambda_starts: env_or("BENCH_AGENTOS_LAMBDA_STARTS", "3").parse().unwrap(),
            agentos_lambda_rounds: env_or("BENCH_AGENTOS_LAMBDA_ROUNDS", "10").parse().unwrap(),
            tls_dir: std::env::var("BENCH_TLS_DIR")
                .ok()
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            zip: std::env::var("BENCH_ZIP").ok().map(PathBuf::from),
            command: env_or("BENCH_COMMAND", "bench/run.sh"),
            build_notes: env_or("BENCH_BUILD_NOTES", ""),
            root,
        }
    }
}

impl Baseline {
    /// `None` when `BENCH_BASELINE_BOOTSTRAP` is unset or empty; a missing file fails
    /// here, before a minute of measuring.
    fn from_env() -> Option<Self> {
        let bootstrap = PathBuf::from(std::env::var("BENCH_BASELINE_BOOTSTRAP").ok()?);
        if bootstrap.as_os_str().is_empty() {
            return None;
        }
        assert!(
            bootstrap.is_file(),
            "BENCH_BASELINE_BOOTSTRAP={} is not a file",
            bootstrap.display()
        );
        let label = std::env::var("BENCH_BASELINE_LABEL")
            .ok()
            .filter(|l| !l.is_empty());
        Some(Baseline { bootstrap, label })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let settings = Settings::from_env();
    let endpoint = dynamo_local::endpoint();
    let load_start = procfs::loadavg();
    let started = Instant::now();

    let client = dynamo_local::client(&endpoint);
    let sessions = load_table(&settings, &client).await;
    if std::env::args().nth(1).as_deref() == Some("soak") {
        soak::run(&settings, &sessions).await;
        return;
    }
    let mut report = Report {
        ab: settings.baseline.as_ref().map(AbReport::new),
        ..Report::default()
    };

    // 1. In process: handler end to end vs raw GetItem, same client, same item.
    inproc::measure(&settings, &client, &sessions, &mut report).await;
    // 2. Init time of the release bootstrap (and the baseline's) under the emulator.
    emulator::measure_init(&settings, &endpoint, &mut report).await;
    // 3. The serving bootstrap (and the baseline) and AgentOS under the same load.
    load::measure(&settings, &endpoint, &client, &sessions, &mut report).await;
    // 4. The functions with the CPU share Lambda gives each memory size, over TLS.
    let front = settings
        .tls_dir
        .as_ref()
        .map(|dir| common::tls::TlsFront::start(dir, &endpoint).expect("TLS front"));
    report.quota_over_tls = front.is_some();
    report.quota = Some(match &front {
        Some(front) => {
            quota::measure(&settings, &front.endpoint, Some(&front.ca_file), &sessions).await
        }
        None => quota::measure(&settings, &endpoint, None, &sessions).await,
    });

    report.sessions = sessions
        .iter()
        .map(|s| (s.name, s.session_type, s.item_bytes()))
        .collect();
    report.criterion = criterion::figures(&settings.root.join("target/criterion"));
    report.zip_bytes = settings
        .zip
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len());
    report.load_start = load_start;
    report.load_end = procfs::loadavg();
    report.seconds = started.elapsed().as_secs_f64();
    write_results(&settings, &report);
}

/// The sessions, loaded into one table in Agno's own layout (key: session_id), which
/// both services read.
async fn load_table(settings: &Settings, client: &aws_sdk_dynamodb::Client) -> Vec<BenchSession> {
    let sessions = sessions::all(&settings.root.join("demo"));
    dynamo_local::create_table(client, TABLE, KeyLayout::Agno).await;
    for session in &sessions {
        let item = item_from_json(&session.item).expect("valid item");
        dynamo_local::put_item(client, TABLE, item).await;
    }
    eprintln!("loaded {} sessions into {TABLE}", sessions.len());
    sessions
}

/// `bench/latency.svg`, `bench/memory.svg` and `bench/RESULTS.md`, and the markdown on
/// stdout.
fn write_results(settings: &Settings, report: &Report) {
    let svg = chart::latency_svg(report);
    std::fs::write(settings.root.join("bench/latency.svg"), svg).expect("write svg");
    if let Some(Ok(figures)) = &report.quota {
        let svg = chart::memory_svg(figures);
        std::fs::write(settings.root.join("bench/memory.svg"), svg).expect("write svg");
    }
    let markdown = report.markdown(settings);
    std::fs::write(settings.root.join("bench/RESULTS.md"), &markdown).expect("write results");
    println!("{markdown}");
}
