//! What the phases measured, and `bench/RESULTS.md` written from it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::load::BIG_ROUNDS;
use crate::{Baseline, Settings};

/// Who answered a request in the measured load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    Raw,
    Ours,
    AgentOs,
    /// The baseline `bootstrap` of the A/B comparison.
    Baseline,
}

impl System {
    pub fn label(self) -> &'static str {
        match self {
            System::Raw => "raw GetItem (stock Rust SDK client)",
            System::Ours => "this service (bootstrap)",
            System::AgentOs => "AgentOS 2.1.10 (uvicorn)",
            System::Baseline => "baseline bootstrap",
        }
    }
    pub fn color(self) -> &'static str {
        match self {
            System::Raw => "#8c8c8c",
            System::Ours => "#d9480f",
            System::AgentOs => "#1c7ed6",
            System::Baseline => "#f59f00",
        }
    }
}

/// Latencies (µs) per session name (and "all") and system.
pub type Latencies = HashMap<(&'static str, System), Vec<f64>>;

/// The `p`th percentile (nearest rank); NaN for no values.
pub fn pct(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Default)]
pub struct Report {
    pub sessions: Vec<(&'static str, &'static str, usize)>,
    pub load_sessions: Vec<&'static str>,
    pub inproc: Vec<(&'static str, Vec<f64>, Vec<f64>)>,
    pub inproc_stock: Vec<Vec<f64>>,
    /// The handler's times under `AGENTOS_VERSION=3.1`, per session as `inproc`.
    pub inproc_3_1: Vec<Vec<f64>>,
    pub init: Vec<f64>,
    pub same: Vec<(&'static str, String)>,
    pub latency: Latencies,
    pub cpu_ours: f64,
    pub cpu_theirs: f64,
    pub rss_ours_kb: u64,
    pub rss_theirs_kb: u64,
    pub rss_big_kb: u64,
    pub requests: usize,
    pub load_seconds: f64,
    pub criterion: Vec<(String, f64, f64)>,
    pub zip_bytes: Option<u64>,
    pub load_start: String,
    pub load_end: String,
    pub seconds: f64,
    /// The baseline's figures, with `BENCH_BASELINE_BOOTSTRAP` set. Its latencies are
    /// in `latency` under [`System::Baseline`].
    pub ab: Option<AbReport>,
    /// Under Lambda's CPU share per memory size, or why not measured.
    pub quota: Option<Result<Vec<crate::quota::QuotaFigures>, String>>,
    /// Whether phase 4 reached DynamoDB through the TLS front.
    pub quota_over_tls: bool,
}

/// The baseline `bootstrap`'s figures, measured as this service's are.
pub struct AbReport {
    pub label: Option<String>,
    pub path: PathBuf,
    pub init: Vec<f64>,
    pub cpu: f64,
    pub rss_kb: u64,
    pub rss_big_kb: u64,
    /// Invocations of the measured load it answered with an error.
    pub failed: usize,
    /// Per session, whether it answered as this build does.
    pub same: Vec<(&'static str, String)>,
}

impl AbReport {
    pub fn new(baseline: &Baseline) -> Self {
        AbReport {
            label: baseline.label.clone(),
            path: baseline.bootstrap.clone(),
            init: Vec::new(),
            cpu: 0.0,
            rss_kb: 0,
            rss_big_kb: 0,
            failed: 0,
            same: Vec::new(),
        }
    }
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

/// Largest of (name, value) pairs; ("", 0) for none.
fn worst<'a>(figures: impl Iterator<Item = (&'a str, f64)>) -> (&'a str, f64) {
    figures.fold(("", 0.0f64), |a, b| if b.1 > a.1 { b } else { a })
}

impl Report {
    pub fn lat(&self, session: &str, system: System) -> &[f64] {
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

    pub fn markdown(&self, settings: &Settings) -> String {
        let mut md = String::new();
        self.md_header(&mut md, settings);
        self.md_figures(&mut md);
        self.md_sessions(&mut md);
        self.md_inproc(&mut md, settings);
        self.md_latency(&mut md, settings);
        self.md_rendering(&mut md);
        self.md_init(&mut md);
        self.md_quota(&mut md);
        if let Some(ab) = &self.ab {
            self.md_ab(&mut md, ab, settings);
        }
        md
    }

    fn md_header(&self, w: &mut String, settings: &Settings) {
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
    }

    /// The headline table: each figure beside its goal.
    fn md_figures(&self, w: &mut String) {
        let _ = writeln!(w, "## Figures and goals\n");
        let _ = writeln!(w, "| figure | measured | goal | |");
        let _ = writeln!(w, "|---|---|---|---|");
        let worst_ratio = worst(
            self.inproc
                .iter()
                .map(|(name, raw, handler)| (*name, pct(handler, 50.0) / pct(raw, 50.0))),
        );
        let spec = self
            .inproc
            .iter()
            .find(|(n, _, _)| *n == "spec-example")
            .map(|(_, raw, h)| pct(h, 50.0) / pct(raw, 50.0))
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            w,
            "| handler end-to-end p50 ÷ raw `GetItem` p50 (in process, same SDK client, same item; worst of all sessions) | {:.3} worst ({}), {:.3} spec example | ≤ 1.10 | {} |",
            worst_ratio.1,
            worst_ratio.0,
            spec,
            met(worst_ratio.1 <= 1.10)
        );
        let cpu_ratio = self.cpu_theirs / self.cpu_ours;
        let _ = writeln!(
            w,
            "| CPU per request: AgentOS ÷ this service ({} requests each) | {:.1} ({:.0} µs ÷ {:.0} µs) | ≥ 25 | {} |",
            self.requests,
            cpu_ratio,
            self.cpu_theirs * 1e6,
            self.cpu_ours * 1e6,
            met(cpu_ratio >= 25.0)
        );
        let all_ours = self.lat("all", System::Ours);
        let all_theirs = self.lat("all", System::AgentOs);
        for p in [50, 99] {
            let (theirs, ours) = (pct(all_theirs, p as f64), pct(all_ours, p as f64));
            let _ = writeln!(
                w,
                "| p{p} latency: AgentOS ÷ this service (all sessions) | {:.1} ({:.2} ms ÷ {:.2} ms) | reported | |",
                theirs / ours,
                theirs / 1e3,
                ours / 1e3
            );
        }
        self.md_figures_render(w);
        self.md_figures_process(w);
    }

    /// Headline rows from criterion.
    fn md_figures_render(&self, w: &mut String) {
        let big_render = worst(
            ["agent-300kb", "team-300kb", "workflow-300kb"]
                .iter()
                .filter_map(|n| self.criterion_mean(&format!("render/{n}")).map(|v| (*n, v))),
        );
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
    }

    /// Headline rows about the bootstrap process and the zip, and the RSS note.
    fn md_figures_process(&self, w: &mut String) {
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
                    "| `cargo lambda build --release --arm64 --output-format zip` | {:.2} MB ({bytes} bytes) | ≤ 3.5 MB | {} |",
                    bytes as f64 / 1048576.0,
                    met(bytes as f64 / 1048576.0 <= 3.5)
                );
            }
            None => {
                let _ = writeln!(w, "| arm64 zip | not built | ≤ 3.5 MB | **not met** |");
            }
        }
        let _ = writeln!(
            w,
            "\nMB are MiB (2^20 bytes). Peak RSS of the bootstrap over the whole mixed load: {:.1} MB; AgentOS's uvicorn process: {:.1} MB.\n",
            self.rss_ours_kb as f64 / 1024.0,
            self.rss_theirs_kb as f64 / 1024.0
        );
    }

    fn md_sessions(&self, w: &mut String) {
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
            let same = verdict(&self.same, name);
            let _ = writeln!(
                w,
                "| {name} | {kind} | {:.1} KB | {same} |",
                *bytes as f64 / 1024.0
            );
        }
    }

    fn md_inproc(&self, w: &mut String, settings: &Settings) {
        let _ = writeln!(w, "\n## Handler overhead over `GetItem` (in process)\n");
        let _ = writeln!(
            w,
            "Each iteration times a raw `GetItem` of the item on a stock SDK client, then on the handler's own client (`DynamoStore::client`, which reads `GetItem` answers with its own one-pass reader, `store/wire.rs`), then the handler on the API Gateway HTTP API event for it (event JSON → `handle_event` → `Output::into_json`, as the runtime loop does it); {} iterations after 50 of warm-up. The ratio is to `GetItem` on the same client. µs.\n",
            settings.inproc_iterations
        );
        let _ = writeln!(
            w,
            "| session | GetItem p50, stock client | GetItem p50, same client | handler p50 | ratio | handler − GetItem | handler ÷ stock GetItem | 3.1 handler p50 | 3.1 ratio |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|");
        let v3 = self
            .inproc_3_1
            .iter()
            .map(Some)
            .chain(std::iter::repeat(None));
        for (((name, raw, handler), stock), v3) in
            self.inproc.iter().zip(&self.inproc_stock).zip(v3)
        {
            let (s, r, h) = (pct(stock, 50.0), pct(raw, 50.0), pct(handler, 50.0));
            let h3 = v3.map_or(f64::NAN, |v| pct(v, 50.0));
            let _ = writeln!(
                w,
                "| {name} | {s:.0} | {r:.0} | {h:.0} | {:.3} | {:.0} | {:.3} | {h3:.0} | {:.3} |",
                h / r,
                h - r,
                h / s,
                h3 / r
            );
        }
        let _ = writeln!(
            w,
            "\nThe 3.1 columns: the same request under `AGENTOS_VERSION=3.1` (agno 3.1.10's documents; one `Query` of the session's runs table, empty here, alongside the `GetItem`), timed in the same iterations."
        );
    }

    fn md_latency(&self, w: &mut String, settings: &Settings) {
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
        for name in self.load_names() {
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
    }

    /// The sessions of the load, then "all".
    pub fn load_names(&self) -> Vec<&'static str> {
        let mut names = self.load_sessions.clone();
        names.push("all");
        names
    }

    fn md_rendering(&self, w: &mut String) {
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
    }

    fn md_quota(&self, w: &mut String) {
        let _ = writeln!(w, "\n## Under Lambda's CPU share (cgroup quotas)\n");
        let figures = match &self.quota {
            None => return,
            Some(Err(why)) => {
                let _ = writeln!(w, "Not measured: {why}.");
                return;
            }
            Some(Ok(figures)) => figures,
        };
        let transport = if self.quota_over_tls {
            "DynamoDB Local is reached through a local TLS terminator (`tests/it/common/tls.rs`) with a throwaway RSA 2048 root → intermediate → leaf chain like DynamoDB's (`scripts/tls-certs.sh`), trusted through `SSL_CERT_FILE` (this service: one root, where on AWS it trusts its five built-in Amazon Trust Services roots) and `AWS_CA_BUNDLE` (boto3, which also reads its own CA bundle at start): every new connection pays a full handshake"
        } else {
            "DynamoDB Local is reached over plain HTTP (no TLS front: `BENCH_TLS_DIR` unset)"
        };
        let _ = writeln!(
            w,
            "Lambda gives a function CPU in proportion to its memory (1,769 MB = one vCPU). Each function ran inside a cgroup (v1 `cpu.cfs_quota_us`, period 100 ms) holding that share from its first instruction (init included), under the driver's Runtime API emulator, with Lambda's environment (credentials in variables, empty HOME). {transport}. A CPU-bound shell loop timed inside and outside each group shows the throttling (its slowdown should be about 1 ÷ share). Init: spawned → first `GET /invocation/next`; first: the first invocation (the spec example), event → answer; cold: spawned → that answer. Warm: the load's sessions in rounds after two rounds of warm-up. ms.\n"
        );
        let _ = writeln!(w, "### This service\n");
        let _ = writeln!(
            w,
            "`DYNAMODB_CONNECT_AT_INIT` on (the default) opens and handshakes the DynamoDB connection during init; off, the first request does. Cold starts alternate between the two.\n"
        );
        let _ = writeln!(
            w,
            "| memory | CPU share | loop slowdown | init p50 | first p50 | cold p50 / max | lazy: init / first / cold p50 | warm p50 / p99, spec example | warm p50 / p99, all sessions | warm p50, 300 KB team |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|---|");
        for q in figures {
            let o = &q.ours;
            let (all, spec, team) = (all_warm(o), spec_warm(o), of_warm(o, "team-300kb"));
            let max = o.cold.iter().copied().fold(0.0, f64::max);
            let l = &q.ours_lazy;
            let _ = writeln!(
                w,
                "| {} MB | {:.1} % | ×{:.1} | {:.1} | {:.1} | {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} |",
                q.memory_mb,
                q.cpu_percent,
                q.spin_slowdown,
                pct(&o.init, 50.0),
                pct(&o.first, 50.0),
                pct(&o.cold, 50.0),
                max,
                pct(&l.init, 50.0),
                pct(&l.first, 50.0),
                pct(&l.cold, 50.0),
                pct(&spec, 50.0),
                pct(&spec, 99.0),
                pct(&all, 50.0),
                pct(&all, 99.0),
                pct(&team, 50.0),
            );
        }
        if figures.iter().any(|q| q.agentos.is_some()) {
            let _ = writeln!(w, "\n### Beside AgentOS 2.1.10 on Lambda\n");
            let _ = writeln!(
                w,
                "What a user would otherwise deploy: the same AgentOS app (`bench/agentos_app.py`) behind Mangum, run by the AWS Lambda runtime interface client for Python (`bench/agentos_lambda.py`, `bench/agentos-lambda.sh`), on the same emulator, table, TLS front and quotas. Its cold starts and warm rounds are fewer (it takes seconds per start at 128 MB); the ratios are AgentOS ÷ this service.\n"
            );
            let _ = writeln!(
                w,
                "| memory | AgentOS init p50 | AgentOS cold p50 | this cold p50 | cold ratio | AgentOS warm p50, spec example | this warm p50, spec example | warm ratio | AgentOS warm p50, all sessions |"
            );
            let _ = writeln!(w, "|---|---|---|---|---|---|---|---|---|");
            for q in figures {
                let Some(a) = &q.agentos else { continue };
                let (a_cold, o_cold) = (pct(&a.cold, 50.0), pct(&q.ours.cold, 50.0));
                let (a_spec, o_spec) = (pct(&spec_warm(a), 50.0), pct(&spec_warm(&q.ours), 50.0));
                let _ = writeln!(
                    w,
                    "| {} MB | {:.0} | {a_cold:.0} | {o_cold:.1} | ×{:.0} | {a_spec:.1} | {o_spec:.2} | ×{:.0} | {:.1} |",
                    q.memory_mb,
                    pct(&a.init, 50.0),
                    a_cold / o_cold,
                    a_spec / o_spec,
                    pct(&all_warm(a), 50.0),
                );
            }
        }
        let _ = writeln!(w, "\n![duration vs memory size](memory.svg)");
        // Billed: each request's duration rounded up to the millisecond.
        const PER_GB_SECOND: f64 = 0.000_013_333_4;
        const PER_MILLION_REQUESTS: f64 = 0.20;
        let _ = writeln!(
            w,
            "\nCost per million warm requests, from the warm durations above (each rounded up to 1 ms, as Lambda bills them), at AWS's arm64 list prices for us-east-1 as of 2026-12-02 (${PER_GB_SECOND} per GB-second, ${PER_MILLION_REQUESTS:.2} per million requests, first tier; the benchmark does not fetch prices: check the pricing page).\n"
        );
        let _ = writeln!(
            w,
            "| memory | billed ms, mean (all sessions) | billed ms, mean (spec example) | $ per million, all sessions | $ per million, spec example | AgentOS-on-Lambda billed ms, mean (all) | AgentOS-on-Lambda $ per million, all sessions |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|");
        for q in figures {
            let billed = |times: &[f64]| {
                times.iter().map(|t| t.ceil()).sum::<f64>() / times.len().max(1) as f64
            };
            let cost = |ms: f64| {
                PER_MILLION_REQUESTS
                    + 1e6 * ms / 1e3 * f64::from(q.memory_mb) / 1024.0 * PER_GB_SECOND
            };
            let (a, s) = (billed(&all_warm(&q.ours)), billed(&spec_warm(&q.ours)));
            let agentos = match &q.agentos {
                Some(figures) => {
                    let b = billed(&all_warm(figures));
                    format!("{b:.1} | {:.2}", cost(b))
                }
                None => "not measured | not measured".into(),
            };
            let _ = writeln!(
                w,
                "| {} MB | {a:.2} | {s:.2} | {:.2} | {:.2} | {agentos} |",
                q.memory_mb,
                cost(a),
                cost(s)
            );
        }
    }

    fn md_init(&self, w: &mut String) {
        let _ = writeln!(w, "\n## Init\n");
        let _ = writeln!(
            w,
            "Release `bootstrap` started {} times with Lambda's environment (credentials and region in variables, empty HOME) against the emulator; time from spawn to its first `GET /2018-06-01/runtime/invocation/next`, ms, sorted: {}.",
            self.init.len(),
            sorted_list(&self.init)
        );
    }

    /// This build against the baseline bootstrap, measured in the same run.
    fn md_ab(&self, w: &mut String, ab: &AbReport, settings: &Settings) {
        let _ = writeln!(w, "\n## A/B against the baseline bootstrap\n");
        let revision = shell(&format!(
            "git -C '{}' describe --always --dirty",
            settings.root.display()
        ));
        let path = relative(&settings.root, &ab.path);
        let baseline = match &ab.label {
            Some(label) => format!("{label} (`{path}`)"),
            None => format!("`{path}`"),
        };
        let _ = writeln!(
            w,
            "This build: `{}` (work tree at `{}`). Baseline: {}. Each under its own Lambda Runtime API emulator with the same environment. \
             During the latency load above the baseline served the same sessions in the same order, interleaved per request with this build \
             (right after it on even rounds, right before it on odd ones), so the load's duration includes its requests; \
             it answered {} of its {} invocations with an error. Init: {} starts of each, alternating. \
             Peak RSS serving 300 KB sessions: a fresh process of each, serving them alternately, {} rounds. \
             The ratio is this build ÷ baseline: below 1 is better.\n",
            relative(&settings.root, &settings.bootstrap),
            revision,
            baseline,
            ab.failed,
            self.requests,
            ab.init.len(),
            BIG_ROUNDS
        );
        self.md_ab_figures(w, ab);
        self.md_ab_sessions(w, ab);
        let _ = writeln!(w, "\nBaseline init, ms, sorted: {}.", sorted_list(&ab.init));
    }

    fn md_ab_figures(&self, w: &mut String, ab: &AbReport) {
        let _ = writeln!(w, "| figure | this build | baseline | this ÷ baseline |");
        let _ = writeln!(w, "|---|---|---|---|");
        let row =
            |w: &mut String, figure: &str, unit: &str, digits: usize, this: f64, base: f64| {
                let _ = writeln!(
                    w,
                    "| {figure} | {this:.digits$} {unit} | {base:.digits$} {unit} | {:.3} |",
                    this / base
                );
            };
        let (all, base) = (
            self.lat("all", System::Ours),
            self.lat("all", System::Baseline),
        );
        for p in [50, 99] {
            let figure = format!("p{p} latency, all sessions");
            let (this, base) = (pct(all, p as f64), pct(base, p as f64));
            row(w, &figure, "ms", 2, this / 1e3, base / 1e3);
        }
        let figure = format!("CPU per request ({} requests each)", self.requests);
        row(w, &figure, "µs", 0, self.cpu_ours * 1e6, ab.cpu * 1e6);
        let mb = |kb: u64| kb as f64 / 1024.0;
        let figure = "peak RSS (VmHWM) over the mixed load";
        row(w, figure, "MB", 1, mb(self.rss_ours_kb), mb(ab.rss_kb));
        let figure = "peak RSS (VmHWM) serving 300 KB sessions";
        row(w, figure, "MB", 1, mb(self.rss_big_kb), mb(ab.rss_big_kb));
        let figure = format!("init, median of {} starts each", self.init.len());
        let (this, base) = (pct(&self.init, 50.0), pct(&ab.init, 50.0));
        row(w, &figure, "ms", 1, this, base);
    }

    fn md_ab_sessions(&self, w: &mut String, ab: &AbReport) {
        let _ = writeln!(
            w,
            "\n| session | this build p50 / p99 | baseline p50 / p99 | this ÷ baseline, p50 / p99 | same answer as the baseline |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|");
        for name in self.load_names() {
            let (o, b) = (
                self.lat(name, System::Ours),
                self.lat(name, System::Baseline),
            );
            let f = |v: &[f64]| format!("{:.2} / {:.2}", pct(v, 50.0) / 1e3, pct(v, 99.0) / 1e3);
            let _ = writeln!(
                w,
                "| {name} | {} | {} | {:.3} / {:.3} | {} |",
                f(o),
                f(b),
                pct(o, 50.0) / pct(b, 50.0),
                pct(o, 99.0) / pct(b, 99.0),
                verdict(&ab.same, name)
            );
        }
        let outside: Vec<String> = ab
            .same
            .iter()
            .filter(|(name, _)| !self.load_sessions.contains(name))
            .map(|(name, same)| format!("{name}: {same}"))
            .collect();
        if !outside.is_empty() {
            let _ = writeln!(
                w,
                "\nSame answer as the baseline for the sessions left out of the load: {}.",
                outside.join("; ")
            );
        }
    }
}

/// The verdict recorded for a session ("" for none).
fn verdict<'a>(verdicts: &'a [(&'static str, String)], name: &str) -> &'a str {
    verdicts
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.as_str())
        .unwrap_or("")
}

/// Values sorted, with one decimal, comma-separated.
fn sorted_list(values: &[f64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    sorted
        .iter()
        .map(|v| format!("{v:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A path under the repository as relative to it, others as they are.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every warm latency of a function, all sessions.
pub fn all_warm(f: &crate::quota::Figures) -> Vec<f64> {
    f.warm.iter().flat_map(|(_, t)| t.iter().copied()).collect()
}

/// A function's warm latencies for one session.
fn of_warm(f: &crate::quota::Figures, name: &str) -> Vec<f64> {
    f.warm
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

/// A function's warm latencies for the spec example.
fn spec_warm(f: &crate::quota::Figures) -> Vec<f64> {
    f.warm
        .iter()
        .filter(|(n, _)| n.starts_with("spec-example"))
        .flat_map(|(_, t)| t.iter().copied())
        .collect()
}
