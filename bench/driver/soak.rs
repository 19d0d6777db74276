//! The soak (`bench/soak.sh`, not in CI): the release `bootstrap` under the emulated
//! Runtime API, a new request id and X-Ray trace id on every invocation, the benchmark's
//! mix of sessions (small and 300 KB, every type) with 404s and 422s, for
//! `SOAK_SECONDS` (1800) and at least `SOAK_MIN_INVOCATIONS` (500,000). DynamoDB Local
//! (kept on disk, behind the fault proxy) is killed and restarted at a quarter and at
//! three quarters of the run, and throttles for a minute at half. Every answer is
//! checked: the expected status, or during a fault 503/504 with `Retry-After`. Writes
//! `bench/SOAK.md`.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::proxy::{FaultProxy, Mode};
use crate::common::{Source, dynamo_local};
use crate::emulator::{Bootstrap, bootstrap_env};
use crate::events::event_for;
use crate::sessions::BenchSession;
use crate::{Settings, procfs};

/// A fault, from its start until the service answers 200 again.
struct Fault {
    what: &'static str,
    started: Duration,
    ended: Option<Duration>,
    recovered: Option<Duration>,
}

pub async fn run(settings: &Settings, sessions: &[BenchSession]) {
    let seconds: u64 = crate::env_or("SOAK_SECONDS", "1800").parse().unwrap();
    let min_invocations: u64 = crate::env_or("SOAK_MIN_INVOCATIONS", "500000")
        .parse()
        .unwrap();
    let port = crate::env_or("SOAK_DDB_PORT", "8320");
    let duration = Duration::from_secs(seconds);

    let proxy = FaultProxy::start(&dynamo_local::endpoint()).await;
    let log_path = settings.root.join(".tools/soak-bootstrap.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let bootstrap =
        Bootstrap::start_logging(&settings.bootstrap, &bootstrap_env(&proxy.url()), Some(log))
            .await;

    // (event, expected status)
    let mut mix: Vec<(Vec<u8>, u16)> = sessions.iter().map(|s| (event_for(s), 200)).collect();
    let first = &sessions[0];
    let extra = [
        ("/sessions/no-such-session", String::new(), 404),
        (
            &*format!("/sessions/{}", first.session_id),
            "type=Agent".to_owned(),
            422,
        ),
        (
            &*format!("/sessions/{}", first.session_id),
            format!("type={}&user_id=someone-else", first.session_type),
            404,
        ),
    ]
    .map(|(path, query, status)| {
        let event = Source::HttpApi.event("GET", path, &query, &[]);
        (serde_json::to_vec(&event).unwrap(), status)
    });
    mix.extend(extra);

    let started = Instant::now();
    let mut faults: Vec<Fault> = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    let (mut invocations, mut unexpected) = (0u64, Vec::<String>::new());
    let mut unexpected_count = 0u64;
    let mut rss = vec![(0.0, procfs::vm_rss_kb(bootstrap.pid))];
    let mut next_sample = Duration::from_secs(10);
    let schedule = [duration / 4, duration / 2, duration * 3 / 4];
    let mut throttle_until = None;

    while started.elapsed() < duration || invocations < min_invocations {
        let now = started.elapsed();
        // Faults, on schedule.
        if faults.len() < schedule.len() && now >= schedule[faults.len()] {
            let what = match faults.len() {
                1 => {
                    proxy
                        .set_mode(Mode::Error(400, "ThrottlingException"))
                        .await;
                    throttle_until = Some(now + Duration::from_secs(60));
                    "throttling for 60 s"
                }
                _ => {
                    restart_dynamodb(&settings.root, &port).await;
                    "DynamoDB Local killed and restarted"
                }
            };
            eprintln!("{:.0} s: {what}", now.as_secs_f64());
            let ended = (!what.starts_with("throttling")).then(|| started.elapsed());
            faults.push(Fault {
                what,
                started: now,
                ended,
                recovered: None,
            });
        }
        if throttle_until.is_some_and(|until| now >= until) {
            proxy.set_mode(Mode::Forward).await;
            throttle_until = None;
            if let Some(fault) = faults.last_mut() {
                fault.ended = Some(now);
            }
        }

        let (event, expected) = &mix[(invocations % mix.len() as u64) as usize];
        let answer = bootstrap.invoke(event.clone()).await;
        invocations += 1;
        let response: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let status = response["statusCode"].as_u64().unwrap_or(0) as u16;
        *statuses.entry(status).or_default() += 1;
        let in_fault = faults.last().is_some_and(|f| f.recovered.is_none());
        let retryable =
            matches!(status, 503 | 504) && response["headers"]["retry-after"].is_string();
        if status == 200
            && let Some(fault) = faults
                .last_mut()
                .filter(|f| f.recovered.is_none() && f.ended.is_some())
        {
            fault.recovered = Some(started.elapsed());
        }
        if !answer.ok || (status != *expected && !(in_fault && retryable)) {
            unexpected_count += 1;
            if unexpected.len() < 20 {
                unexpected.push(format!(
                    "{:.1} s: {status} (expected {expected}): {:.200}",
                    started.elapsed().as_secs_f64(),
                    String::from_utf8_lossy(&answer.body)
                ));
            }
        }
        if started.elapsed() >= next_sample {
            rss.push((
                started.elapsed().as_secs_f64(),
                procfs::vm_rss_kb(bootstrap.pid),
            ));
            next_sample += Duration::from_secs(10);
            if rss.len() % 30 == 0 {
                eprintln!(
                    "{:.0} s: {invocations} invocations, RSS {} KiB",
                    started.elapsed().as_secs_f64(),
                    rss.last().unwrap().1
                );
            }
        }
    }
    let elapsed = started.elapsed();
    rss.push((elapsed.as_secs_f64(), procfs::vm_rss_kb(bootstrap.pid)));
    bootstrap.stop().await;
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let panics = log.matches("panic").count();
    write(
        settings,
        Summary {
            seconds: elapsed.as_secs_f64(),
            invocations,
            statuses,
            faults,
            unexpected,
            unexpected_count,
            rss,
            panics,
        },
    );
}

struct Summary {
    seconds: f64,
    invocations: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
    faults: Vec<Fault>,
    unexpected: Vec<String>,
    unexpected_count: u64,
    rss: Vec<(f64, u64)>,
    panics: usize,
}

/// Kills DynamoDB Local (SIGKILL, as a crash) and starts it again on the same port and
/// data folder, through `scripts/dynamodb-local.sh`.
async fn restart_dynamodb(root: &std::path::Path, port: &str) {
    let script = root.join("scripts/dynamodb-local.sh");
    for command in ["kill", "start"] {
        let status = tokio::process::Command::new("bash")
            .arg(&script)
            .args([command, port])
            .status()
            .await
            .expect("dynamodb-local.sh");
        assert!(status.success(), "dynamodb-local.sh {command} {port}");
        if command == "kill" {
            // Down for a while: requests meanwhile find nobody listening.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
}

fn write(settings: &Settings, s: Summary) {
    // Warm-up: the first tenth of the run.
    let warm_at = s.seconds / 10.0;
    let warm = s
        .rss
        .iter()
        .find(|(t, _)| *t >= warm_at)
        .copied()
        .unwrap_or(s.rss[0]);
    let last = *s.rss.last().unwrap();
    let per_second = s.invocations as f64 / s.seconds;
    let after_warm = (s.seconds - warm.0) * per_second;
    let growth = (last.1 as f64 - warm.1 as f64) * 1024.0 / after_warm.max(1.0);
    let mut md = format!(
        "# Soak\n\n`{}`; load average at the end {}.\n\n\
         | figure | value |\n|---|---|\n\
         | invocations | {} in {:.0} s ({:.0}/s) |\n\
         | answers by status | {} |\n\
         | unexpected answers | {} |\n\
         | panics logged | {} |\n\
         | RSS start / after warm-up ({:.0} s) / end | {} / {} / {} KiB |\n\
         | growth per invocation after warm-up | {:.3} bytes |\n\n\
         ## Faults\n\n| fault | at | ended | 200 again at |\n|---|---|---|---|\n",
        settings.command,
        procfs::loadavg(),
        s.invocations,
        s.seconds,
        per_second,
        s.statuses
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.unexpected_count,
        s.panics,
        warm.0,
        s.rss[0].1,
        warm.1,
        last.1,
        growth,
    );
    let at =
        |d: Option<Duration>| d.map_or("—".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
    for f in &s.faults {
        md += &format!(
            "| {} | {:.1} s | {} | {} |\n",
            f.what,
            f.started.as_secs_f64(),
            at(f.ended),
            at(f.recovered)
        );
    }
    if !s.unexpected.is_empty() {
        md += "\n## Unexpected answers (first 20)\n\n";
        for u in &s.unexpected {
            md += &format!("- {u}\n");
        }
    }
    md += "\nRSS samples (s, KiB): ";
    md += &s
        .rss
        .iter()
        .step_by(12)
        .map(|(t, v)| format!("{t:.0}:{v}"))
        .collect::<Vec<_>>()
        .join(" ");
    md += "\n";
    std::fs::write(settings.root.join("bench/SOAK.md"), &md).expect("write SOAK.md");
    println!("{md}");
    assert!(
        s.unexpected.is_empty() && s.panics == 0,
        "the soak found problems"
    );
}
