//! Phase 4: the functions with the CPU Lambda gives them. Lambda allots CPU in
//! proportion to memory (1,769 MB = one vCPU), so a 128 MB function gets about 7 % of a
//! core, and every millisecond of CPU becomes about 14 billed milliseconds. Here each
//! function runs inside a cgroup (v1 `cpu` controller) whose quota is that share, for
//! 128, 256, 512 and 1024 MB, reaching DynamoDB through the TLS front: cold starts
//! (process spawned → first answer) and warm latency per session, for the release
//! `bootstrap` (with its DynamoDB connection opened during init, and without) and for
//! AgentOS 2.1.10 on Lambda (`bench/agentos_lambda.py`). A CPU-bound loop timed inside
//! and outside each group checks that the quota really throttles.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::emulator::{Bootstrap, bootstrap_env};
use crate::events::event_for;
use crate::sessions::BenchSession;
use crate::{Settings, TABLE};

/// Memory sizes measured, MB.
pub const MEMORY_SIZES: [u32; 4] = [128, 256, 512, 1024];
/// Lambda's memory for one full vCPU.
const MB_PER_VCPU: f64 = 1769.0;
/// The cgroup scheduling period, µs (the kernel's default).
const PERIOD_US: u64 = 100_000;
const CGROUP_CPU: &str = "/sys/fs/cgroup/cpu";

/// One function's figures at one memory size.
#[derive(Default)]
pub struct Figures {
    /// Process spawned → first `GET /invocation/next`, ms.
    pub init: Vec<f64>,
    /// The first invocation (the spec example), event handed over → answer, ms.
    pub first: Vec<f64>,
    /// Process spawned → the first invocation's answer, ms.
    pub cold: Vec<f64>,
    /// Warm latencies per session, ms.
    pub warm: Vec<(&'static str, Vec<f64>)>,
}

/// One memory size's figures.
pub struct QuotaFigures {
    pub memory_mb: u32,
    /// The CPU share given, % of one core.
    pub cpu_percent: f64,
    /// How much slower a CPU-bound loop ran inside the group than outside.
    pub spin_slowdown: f64,
    /// This build as deployed (`DYNAMODB_CONNECT_AT_INIT` on, its default).
    pub ours: Figures,
    /// This build opening its DynamoDB connection on the first request instead (cold
    /// starts only).
    pub ours_lazy: Figures,
    /// AgentOS 2.1.10 on Lambda (Mangum + the runtime interface client), when measured.
    pub agentos: Option<Figures>,
}

/// A function to start under the emulator: its executable and environment.
struct Function<'a> {
    program: &'a Path,
    env: Vec<(String, String)>,
}

/// Every memory size, or why none could be measured. DynamoDB is reached at `endpoint`
/// (the TLS front, when there is one, trusted through `ca_file`).
pub async fn measure(
    settings: &Settings,
    endpoint: &str,
    ca_file: Option<&Path>,
    sessions: &[BenchSession],
) -> Result<Vec<QuotaFigures>, String> {
    let root = Path::new(CGROUP_CPU);
    if !root.join("cpu.cfs_quota_us").exists() {
        return Err(format!(
            "no cgroup v1 cpu controller at {CGROUP_CPU}: CPU quotas not measured"
        ));
    }
    let mut env = bootstrap_env(endpoint);
    if let Some(ca) = ca_file {
        // rustls-native-certs reads the trusted roots from here instead of the system's.
        env.push(("SSL_CERT_FILE".into(), ca.display().to_string()));
    }
    let spec = sessions
        .iter()
        .find(|s| s.name == "spec-example-u" || s.name == "spec-example")
        .expect("the spec example is a bench session");
    let agentos_env = settings
        .agentos_lambda
        .as_ref()
        .map(|_| agentos_lambda_env(settings, endpoint, ca_file));
    let mut out = Vec::new();
    for memory_mb in MEMORY_SIZES {
        let group = CpuGroup::create(memory_mb)?;
        let spin_slowdown = spin(Some(&group.dir)) / spin(None);
        let sized = |env: &[(String, String)], extra: &[(&str, &str)]| {
            let mut env = env.to_vec();
            env.retain(|(k, _)| k != "AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
            env.push((
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
                memory_mb.to_string(),
            ));
            env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            env
        };
        let ours = Function {
            program: &settings.bootstrap,
            env: sized(&env, &[]),
        };
        let lazy = Function {
            program: &settings.bootstrap,
            env: sized(&env, &[("DYNAMODB_CONNECT_AT_INIT", "false")]),
        };
        let (mut ours_figures, mut lazy_figures) = (Figures::default(), Figures::default());
        // Alternating, so a busy moment of the machine falls on both.
        for _ in 0..settings.quota_starts {
            cold_start(&ours, &group.dir, spec, &mut ours_figures).await;
            cold_start(&lazy, &group.dir, spec, &mut lazy_figures).await;
        }
        ours_figures.warm = warm(&ours, &group.dir, sessions, settings.quota_rounds).await;
        let agentos = match (&settings.agentos_lambda, &agentos_env) {
            (Some(program), Some(env)) => {
                let agentos = Function {
                    program,
                    env: sized(env, &[]),
                };
                let mut figures = Figures::default();
                for _ in 0..settings.agentos_lambda_starts {
                    cold_start(&agentos, &group.dir, spec, &mut figures).await;
                }
                let rounds = settings.agentos_lambda_rounds;
                figures.warm = warm(&agentos, &group.dir, sessions, rounds).await;
                Some(figures)
            }
            _ => None,
        };
        eprintln!(
            "quota {memory_mb:>5} MB ({:.1} % CPU, spin ×{spin_slowdown:.1}): init p50 {:.1} ms, cold p50 {:.1} ms (lazy connection {:.1} ms){}",
            group.cpu_percent,
            crate::report::pct(&ours_figures.init, 50.0),
            crate::report::pct(&ours_figures.cold, 50.0),
            crate::report::pct(&lazy_figures.cold, 50.0),
            agentos
                .as_ref()
                .map(|a| format!(
                    ", AgentOS-on-Lambda cold p50 {:.0} ms",
                    crate::report::pct(&a.cold, 50.0)
                ))
                .unwrap_or_default()
        );
        out.push(QuotaFigures {
            memory_mb,
            cpu_percent: group.cpu_percent,
            spin_slowdown,
            ours: ours_figures,
            ours_lazy: lazy_figures,
            agentos,
        });
    }
    Ok(out)
}

/// One cold start: spawned in the group → ready → the spec example answered.
async fn cold_start(
    function: &Function<'_>,
    group: &Path,
    spec: &BenchSession,
    into: &mut Figures,
) {
    let t0 = Instant::now();
    let bootstrap = Bootstrap::start_in(function.program, &function.env, Some(group)).await;
    into.init
        .push(bootstrap.ready_at.duration_since(t0).as_secs_f64() * 1e3);
    let answer = bootstrap.invoke(event_for(spec)).await;
    assert!(
        answer.ok,
        "cold invocation of {} failed",
        function.program.display()
    );
    into.first.push(answer.latency.as_secs_f64() * 1e3);
    into.cold.push(t0.elapsed().as_secs_f64() * 1e3);
    bootstrap.stop().await;
}

/// Warm latencies per session: `rounds` rounds after two of warm-up (connections
/// opened, allocator and caches warm).
async fn warm(
    function: &Function<'_>,
    group: &Path,
    sessions: &[BenchSession],
    rounds: usize,
) -> Vec<(&'static str, Vec<f64>)> {
    let bootstrap = Bootstrap::start_in(function.program, &function.env, Some(group)).await;
    let mut warm: Vec<(&'static str, Vec<f64>)> =
        sessions.iter().map(|s| (s.name, Vec::new())).collect();
    let events: Vec<Vec<u8>> = sessions.iter().map(event_for).collect();
    for round in 0..rounds + 2 {
        for ((_, times), event) in warm.iter_mut().zip(&events) {
            let answer = bootstrap.invoke(event.clone()).await;
            assert!(
                answer.ok,
                "warm invocation of {} failed",
                function.program.display()
            );
            if round >= 2 {
                times.push(answer.latency.as_secs_f64() * 1e3);
            }
        }
    }
    bootstrap.stop().await;
    warm
}

/// AgentOS-on-Lambda's environment: Lambda's variables, its module on the path, the
/// table, and the CA for boto3 (`AWS_CA_BUNDLE`).
fn agentos_lambda_env(
    settings: &Settings,
    endpoint: &str,
    ca_file: Option<&Path>,
) -> Vec<(String, String)> {
    let mut env = bootstrap_env(endpoint);
    env.retain(|(k, _)| k.starts_with("AWS_") || k == "LANG" || k == "TZ");
    env.extend([
        (
            "BENCH_PYTHON".to_owned(),
            settings.python.display().to_string(),
        ),
        (
            "PYTHONPATH".to_owned(),
            settings.root.join("bench").display().to_string(),
        ),
        ("BENCH_DDB_ENDPOINT".to_owned(), endpoint.to_owned()),
        ("BENCH_TABLE".to_owned(), TABLE.to_owned()),
        ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ]);
    if let Some(ca) = ca_file {
        env.push(("AWS_CA_BUNDLE".into(), ca.display().to_string()));
    }
    env
}

/// A cgroup with Lambda's CPU share for a memory size; removed on drop.
pub struct CpuGroup {
    pub dir: PathBuf,
    pub cpu_percent: f64,
}

impl CpuGroup {
    fn create(memory_mb: u32) -> Result<Self, String> {
        let dir =
            Path::new(CGROUP_CPU).join(format!("agno-bench-{memory_mb}mb-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let share = f64::from(memory_mb) / MB_PER_VCPU;
        let quota = ((PERIOD_US as f64) * share).round() as u64;
        let write = |file: &str, value: String| {
            std::fs::write(dir.join(file), value)
                .map_err(|e| format!("cannot write {}/{file}: {e}", dir.display()))
        };
        write("cpu.cfs_period_us", PERIOD_US.to_string())?;
        write("cpu.cfs_quota_us", quota.to_string())?;
        Ok(CpuGroup {
            dir,
            cpu_percent: share * 100.0,
        })
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // Emptied once its processes exit; a group still in use is left for the kernel.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Seconds a fixed CPU-bound shell loop takes, inside `group` or not.
fn spin(group: Option<&Path>) -> f64 {
    let script = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done";
    let mut command = std::process::Command::new("sh");
    match group {
        Some(dir) => command.arg("-c").arg(format!(
            "echo $$ > '{}/cgroup.procs' && {script}",
            dir.display()
        )),
        None => command.arg("-c").arg(script),
    };
    let t0 = Instant::now();
    let status = command.status().expect("sh");
    assert!(status.success(), "spin loop failed");
    t0.elapsed().as_secs_f64()
}
