//! Phase 4: the release `bootstrap` with the CPU Lambda gives it. Lambda allots CPU in
//! proportion to memory (1,769 MB = one vCPU), so a 128 MB function gets about 7 % of a
//! core, and every millisecond of CPU becomes about 14 billed milliseconds. Here the
//! bootstrap runs inside a cgroup (v1 `cpu` controller) whose quota is that share, for
//! 128, 256, 512 and 1024 MB: cold starts (process spawned → first answer) and warm
//! latency per session. A CPU-bound loop timed inside and outside each group checks
//! that the quota really throttles.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Settings;
use crate::emulator::{Bootstrap, bootstrap_env};
use crate::events::event_for;
use crate::sessions::BenchSession;

/// Memory sizes measured, MB.
pub const MEMORY_SIZES: [u32; 4] = [128, 256, 512, 1024];
/// Lambda's memory for one full vCPU.
const MB_PER_VCPU: f64 = 1769.0;
/// The cgroup scheduling period, µs (the kernel's default).
const PERIOD_US: u64 = 100_000;
const CGROUP_CPU: &str = "/sys/fs/cgroup/cpu";

/// One memory size's figures.
pub struct QuotaFigures {
    pub memory_mb: u32,
    /// The CPU share given, % of one core.
    pub cpu_percent: f64,
    /// How much slower a CPU-bound loop ran inside the group than outside.
    pub spin_slowdown: f64,
    /// Process spawned → first `GET /invocation/next`, ms.
    pub init: Vec<f64>,
    /// Process spawned → the first invocation's answer (the spec example), ms.
    pub cold: Vec<f64>,
    /// Warm latencies per session, ms.
    pub warm: Vec<(&'static str, Vec<f64>)>,
}

/// Every memory size, or why none could be measured.
pub async fn measure(
    settings: &Settings,
    endpoint: &str,
    sessions: &[BenchSession],
) -> Result<Vec<QuotaFigures>, String> {
    let root = Path::new(CGROUP_CPU);
    if !root.join("cpu.cfs_quota_us").exists() {
        return Err(format!(
            "no cgroup v1 cpu controller at {CGROUP_CPU}: CPU quotas not measured"
        ));
    }
    let env = bootstrap_env(endpoint);
    let spec = sessions
        .iter()
        .find(|s| s.name == "spec-example-u" || s.name == "spec-example")
        .expect("the spec example is a bench session");
    let mut out = Vec::new();
    for memory_mb in MEMORY_SIZES {
        let group = CpuGroup::create(memory_mb)?;
        let spin_slowdown = spin(Some(&group.dir)) / spin(None);
        let mut env = env.clone();
        env.retain(|(k, _)| k != "AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        env.push((
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            memory_mb.to_string(),
        ));
        let (mut init, mut cold) = (Vec::new(), Vec::new());
        for _ in 0..settings.quota_starts {
            let t0 = Instant::now();
            let bootstrap = Bootstrap::start_in(&settings.bootstrap, &env, Some(&group.dir)).await;
            init.push(bootstrap.ready_at.duration_since(t0).as_secs_f64() * 1e3);
            let answer = bootstrap.invoke(event_for(spec)).await;
            assert!(answer.ok, "cold invocation failed");
            cold.push(t0.elapsed().as_secs_f64() * 1e3);
            bootstrap.stop().await;
        }
        let bootstrap = Bootstrap::start_in(&settings.bootstrap, &env, Some(&group.dir)).await;
        let mut warm: Vec<(&'static str, Vec<f64>)> =
            sessions.iter().map(|s| (s.name, Vec::new())).collect();
        let events: Vec<Vec<u8>> = sessions.iter().map(event_for).collect();
        for round in 0..settings.quota_rounds + 2 {
            for ((_, times), event) in warm.iter_mut().zip(&events) {
                let answer = bootstrap.invoke(event.clone()).await;
                assert!(answer.ok, "warm invocation failed");
                // Two rounds of warm-up: connections opened, allocator warm.
                if round >= 2 {
                    times.push(answer.latency.as_secs_f64() * 1e3);
                }
            }
        }
        bootstrap.stop().await;
        eprintln!(
            "quota {memory_mb:>5} MB ({:.1} % CPU, spin ×{spin_slowdown:.1}): init p50 {:.1} ms, cold p50 {:.1} ms",
            group.cpu_percent,
            crate::report::pct(&init, 50.0),
            crate::report::pct(&cold, 50.0)
        );
        out.push(QuotaFigures {
            memory_mb,
            cpu_percent: group.cpu_percent,
            spin_slowdown,
            init,
            cold,
            warm,
        });
    }
    Ok(out)
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
