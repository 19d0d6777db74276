//! Phase 3: the serving release `bootstrap` and AgentOS under the same load (latency,
//! CPU per request, peak RSS, same documents), then the bootstrap again on 300 KB
//! sessions only, for its peak RSS. With a baseline `bootstrap`, it serves under its own
//! emulator beside the current one, interleaved per request: the A/B figures.

use std::time::{Duration, Instant};

use crate::Settings;
use crate::agentos::{self, AgentOs};
use crate::emulator::{Bootstrap, bootstrap_env};
use crate::events::{event_for, http_body_of, same_answer};
use crate::inproc::raw_get;
use crate::procfs::{cpu_seconds, vm_hwm_kb};
use crate::report::{Latencies, Report, System};
use crate::sessions::BenchSession;

/// Rounds over every served session before the measured ones.
const WARM_UP_ROUNDS: usize = 5;
/// Rounds over the 300 KB sessions for the peak RSS on its own.
pub const BIG_ROUNDS: usize = 50;

/// Phase 3 into `report` (and `report.ab` with a baseline).
pub async fn measure(
    settings: &Settings,
    endpoint: &str,
    client: &aws_sdk_dynamodb::Client,
    sessions: &[BenchSession],
    report: &mut Report,
) {
    let env = bootstrap_env(endpoint);
    let mut services = Services::start(settings, endpoint, &env).await;

    // Same documents? Sessions AgentOS cannot answer are left out of the load.
    let served = services.same_documents(sessions, report).await;
    services.warm_up(&served).await;
    services
        .load(client, &served, settings.rounds, report)
        .await;

    // The bootstrap again, serving only 300 KB sessions, for peak RSS on its own.
    peak_rss_big(settings, &env, sessions, report).await;
    services.stop().await;
    report.load_sessions = served.iter().map(|s| s.name).collect();
}

/// The services under load: this bootstrap, the baseline one, AgentOS.
struct Services {
    ours: Bootstrap,
    baseline: Option<Bootstrap>,
    agentos: AgentOs,
}

impl Services {
    async fn start(settings: &Settings, endpoint: &str, env: &[(String, String)]) -> Self {
        let ours = Bootstrap::start(&settings.bootstrap, env).await;
        let baseline = match &settings.baseline {
            Some(baseline) => Some(Bootstrap::start(&baseline.bootstrap, env).await),
            None => None,
        };
        let agentos = AgentOs::start(settings, endpoint).await;
        eprintln!(
            "AgentOS up (pid {}), bootstrap up (pid {})",
            agentos.pid, ours.pid
        );
        if let Some(baseline) = &baseline {
            eprintln!("baseline bootstrap up (pid {})", baseline.pid);
        }
        Services {
            ours,
            baseline,
            agentos,
        }
    }

    /// Compares every session's document with AgentOS's (and the baseline's answer with
    /// ours); returns the sessions AgentOS serves.
    async fn same_documents<'s>(
        &mut self,
        sessions: &'s [BenchSession],
        report: &mut Report,
    ) -> Vec<&'s BenchSession> {
        let mut served = Vec::new();
        for session in sessions {
            let ours = self.ours.invoke(event_for(session)).await;
            let (status, theirs) = self.agentos.get(session).await;
            let verdict = agentos::compare(&http_body_of(&ours.body), status, &theirs);
            eprintln!("same document {:16} {verdict}", session.name);
            if status == 200 {
                served.push(session);
            }
            report.same.push((session.name, verdict));
            if let (Some(baseline), Some(ab)) = (&self.baseline, &mut report.ab) {
                let answer = baseline.invoke(event_for(session)).await;
                let verdict = if answer.ok {
                    same_answer(&ours.body, &answer.body)
                } else {
                    "no: the baseline answered with an invocation error".into()
                };
                eprintln!("same answer as the baseline {:16} {verdict}", session.name);
                ab.same.push((session.name, verdict));
            }
        }
        served
    }

    async fn warm_up(&mut self, sessions: &[&BenchSession]) {
        for _ in 0..WARM_UP_ROUNDS {
            for session in sessions {
                self.ours.invoke(event_for(session)).await;
                if let Some(baseline) = &self.baseline {
                    baseline.invoke(event_for(session)).await;
                }
                self.agentos.get(session).await;
            }
        }
    }

    /// The measured load: rounds × every session, interleaved per request (raw GetItem,
    /// this service, AgentOS) so all see the same DynamoDB Local. The baseline answers
    /// each request right after this service on even rounds, right before it on odd
    /// ones.
    async fn load(
        &mut self,
        client: &aws_sdk_dynamodb::Client,
        sessions: &[&BenchSession],
        rounds: usize,
        report: &mut Report,
    ) {
        let cpu_ours_0 = cpu_seconds(self.ours.pid);
        let cpu_theirs_0 = cpu_seconds(self.agentos.pid);
        let cpu_baseline_0 = self.baseline.as_ref().map(|b| cpu_seconds(b.pid));
        let mut lat = Latencies::new();
        let mut baseline_failed = 0;
        let load_t0 = Instant::now();
        for round in 0..rounds {
            for session in sessions {
                baseline_failed += self
                    .request(client, session, round % 2 == 1, &mut lat)
                    .await;
            }
        }
        let load_seconds = load_t0.elapsed().as_secs_f64();
        let requests = rounds * sessions.len();
        report.cpu_ours = (cpu_seconds(self.ours.pid) - cpu_ours_0) / requests as f64;
        report.cpu_theirs = (cpu_seconds(self.agentos.pid) - cpu_theirs_0) / requests as f64;
        report.rss_ours_kb = vm_hwm_kb(self.ours.pid);
        report.rss_theirs_kb = vm_hwm_kb(self.agentos.pid);
        report.requests = requests;
        report.load_seconds = load_seconds;
        report.latency = lat;
        eprintln!(
            "load: {requests} requests per system in {load_seconds:.1} s; CPU/request ours {:.1} µs, AgentOS {:.1} µs",
            report.cpu_ours * 1e6,
            report.cpu_theirs * 1e6
        );
        if let (Some(baseline), Some(cpu_0), Some(ab)) =
            (&self.baseline, cpu_baseline_0, &mut report.ab)
        {
            ab.cpu = (cpu_seconds(baseline.pid) - cpu_0) / requests as f64;
            ab.rss_kb = vm_hwm_kb(baseline.pid);
            ab.failed = baseline_failed;
            eprintln!(
                "load: CPU/request of the baseline {:.1} µs ({baseline_failed} failed invocations)",
                ab.cpu * 1e6
            );
        }
    }

    /// One request of the load to each system, timed into `lat`: raw GetItem, this
    /// service (and the baseline after it, or before it with `baseline_first`), AgentOS.
    /// Returns how many the baseline failed (0 or 1).
    async fn request(
        &mut self,
        client: &aws_sdk_dynamodb::Client,
        session: &BenchSession,
        baseline_first: bool,
        lat: &mut Latencies,
    ) -> usize {
        let t = Instant::now();
        raw_get(client, &session.session_id).await;
        record(lat, session.name, System::Raw, t.elapsed());

        let mut baseline_failed = 0;
        if baseline_first {
            baseline_failed += self.baseline_once(session, lat).await;
        }
        let answer = self.ours.invoke(event_for(session)).await;
        assert!(answer.ok, "bootstrap failed on {}", session.name);
        record(lat, session.name, System::Ours, answer.latency);
        if !baseline_first {
            baseline_failed += self.baseline_once(session, lat).await;
        }

        let t = Instant::now();
        let (status, _) = self.agentos.get(session).await;
        let theirs = t.elapsed();
        assert!(
            status == 200,
            "AgentOS answered {status} on {}",
            session.name
        );
        record(lat, session.name, System::AgentOs, theirs);
        baseline_failed
    }

    /// The baseline's answer to a session, timed into `lat`: 1 if it failed, else 0
    /// (and 0 without a baseline).
    async fn baseline_once(&self, session: &BenchSession, lat: &mut Latencies) -> usize {
        let Some(baseline) = &self.baseline else {
            return 0;
        };
        let answer = baseline.invoke(event_for(session)).await;
        record(lat, session.name, System::Baseline, answer.latency);
        usize::from(!answer.ok)
    }

    async fn stop(self) {
        self.ours.stop().await;
        if let Some(baseline) = self.baseline {
            baseline.stop().await;
        }
        self.agentos.stop().await;
    }
}

/// One request's latency, µs, under its session and under "all".
fn record(lat: &mut Latencies, session: &'static str, system: System, elapsed: Duration) {
    let value = elapsed.as_secs_f64() * 1e6;
    lat.entry((session, system)).or_default().push(value);
    lat.entry(("all", system)).or_default().push(value);
}

/// A fresh bootstrap (and baseline) serving only the 300 KB sessions: peak RSS.
async fn peak_rss_big(
    settings: &Settings,
    env: &[(String, String)],
    sessions: &[BenchSession],
    report: &mut Report,
) {
    let big: Vec<_> = sessions
        .iter()
        .filter(|s| s.name.ends_with("300kb"))
        .collect();
    let ours = Bootstrap::start(&settings.bootstrap, env).await;
    let baseline = match &settings.baseline {
        Some(baseline) => Some(Bootstrap::start(&baseline.bootstrap, env).await),
        None => None,
    };
    for _ in 0..BIG_ROUNDS {
        for session in &big {
            ours.invoke(event_for(session)).await;
            if let Some(baseline) = &baseline {
                baseline.invoke(event_for(session)).await;
            }
        }
    }
    report.rss_big_kb = vm_hwm_kb(ours.pid);
    ours.stop().await;
    if let Some(baseline) = baseline {
        if let Some(ab) = &mut report.ab {
            ab.rss_big_kb = vm_hwm_kb(baseline.pid);
        }
        baseline.stop().await;
    }
}
