//! `bench/latency.svg`: grouped horizontal bars per session, p50 bar, p90 and p99
//! ticks, log scale.

use std::fmt::Write as _;

use crate::report::{Report, System, pct};

/// The systems charted, in order within a group.
const SYSTEMS: [System; 3] = [System::Raw, System::Ours, System::AgentOs];

/// The chart's geometry (px) and its log-scale x axis (ms).
struct Layout {
    left: f64,
    top: f64,
    bar: f64,
    gap: f64,
    plot: f64,
    group: f64,
    height: f64,
    lo: f64,
    hi: f64,
}

impl Layout {
    fn new(groups: usize) -> Self {
        let (left, right, top, bar, gap) = (150.0, 30.0, 60.0, 9.0, 16.0);
        let group = bar * 3.0 + 6.0;
        Layout {
            left,
            top,
            bar,
            gap,
            plot: WIDTH - left - right,
            group,
            height: top + groups as f64 * (group + gap) + 70.0,
            lo: 0.1,
            hi: 1000.0,
        }
    }

    /// The x of a latency in ms.
    fn x(&self, ms: f64) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        self.left
            + self.plot * ((ms.clamp(lo, hi)).log10() - lo.log10()) / (hi.log10() - lo.log10())
    }
}

const WIDTH: f64 = 900.0;

/// Grouped horizontal bars per session: p50 bar, p90 and p99 ticks, log scale.
pub fn latency_svg(report: &Report) -> String {
    let names = report.load_names();
    let l = Layout::new(names.len());
    let mut s = String::new();
    frame(&mut s, &l);
    for (g, name) in names.iter().enumerate() {
        let gy = l.top + g as f64 * (l.group + l.gap);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{name}</text>"#,
            l.left - 8.0,
            gy + l.group / 2.0 + 4.0
        );
        for (i, system) in SYSTEMS.iter().enumerate() {
            let v = report.lat(name, *system);
            if v.is_empty() {
                continue;
            }
            bars(&mut s, &l, gy + i as f64 * (l.bar + 3.0), *system, v);
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The opening tag, title, legend and x axis.
fn frame(s: &mut String, l: &Layout) {
    let (left, top, height) = (l.left, l.top, l.height);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="22" font-size="15" font-weight="bold">Latency per request (ms, log scale): bar = p50, ticks = p90 and p99</text>"#
    );
    for (i, system) in SYSTEMS.iter().enumerate() {
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
        let gx = l.x(decade);
        let _ = writeln!(
            s,
            r##"<line x1="{gx}" y1="{top}" x2="{gx}" y2="{bottom}" stroke="#ddd"/><text x="{gx}" y="{}" text-anchor="middle">{decade}</text>"##,
            bottom + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">milliseconds</text>"#,
        left + l.plot / 2.0,
        bottom + 34.0
    );
}

/// One system's bar at `y`: p50 bar, p90 and p99 ticks, p50 label.
fn bars(s: &mut String, l: &Layout, y: f64, system: System, v: &[f64]) {
    let (left, bar) = (l.left, l.bar);
    let (p50, p90, p99) = (pct(v, 50.0) / 1e3, pct(v, 90.0) / 1e3, pct(v, 99.0) / 1e3);
    let _ = writeln!(
        s,
        r#"<rect x="{left}" y="{y}" width="{:.1}" height="{bar}" fill="{}"><title>{}: p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms</title></rect>"#,
        (l.x(p50) - left).max(1.0),
        system.color(),
        system.label()
    );
    for (p, dash) in [(p90, ""), (p99, r#" stroke-dasharray="2,1""#)] {
        let px = l.x(p);
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
        l.x(p99) + 4.0,
        y + bar - 1.0
    );
}

/// `bench/memory.svg`: duration vs memory size (log scale), warm p50 (all sessions) and
/// cold p50, for this service and AgentOS-on-Lambda.
pub fn memory_svg(figures: &[crate::quota::QuotaFigures]) -> String {
    let (w, h) = (720.0, 420.0);
    let (left, right, top, bottom) = (70.0, 190.0, 50.0, 60.0);
    let (plot_w, plot_h) = (w - left - right, h - top - bottom);
    let (lo, hi): (f64, f64) = (0.1, 100_000.0);
    let y = |ms: f64| {
        top + plot_h * (1.0 - (ms.clamp(lo, hi).log10() - lo.log10()) / (hi.log10() - lo.log10()))
    };
    let sizes: Vec<u32> = figures.iter().map(|q| q.memory_mb).collect();
    let x = |i: usize| left + plot_w * i as f64 / (sizes.len().max(2) - 1) as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="24" font-size="15" font-weight="bold">Duration vs memory size (ms, log scale), p50</text>"#
    );
    let mut decade = lo;
    while decade <= hi {
        let gy = y(decade);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{gy:.1}" x2="{:.1}" y2="{gy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{decade}</text>"##,
            left + plot_w,
            left - 6.0,
            gy + 4.0
        );
        decade *= 10.0;
    }
    for (i, mb) in sizes.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{mb} MB</text>"#,
            x(i),
            top + plot_h + 18.0
        );
    }
    let ours = |f: &dyn Fn(&crate::quota::QuotaFigures) -> Option<f64>| -> Vec<Option<f64>> {
        figures.iter().map(f).collect()
    };
    let warm = |f: &crate::quota::Figures| {
        let all = crate::report::all_warm(f);
        (!all.is_empty()).then(|| pct(&all, 50.0))
    };
    let cold = |f: &crate::quota::Figures| (!f.cold.is_empty()).then(|| pct(&f.cold, 50.0));
    let series: [(&str, &str, &str, Vec<Option<f64>>); 4] = [
        (
            "this service, warm",
            System::Ours.color(),
            "",
            ours(&|q| warm(&q.ours)),
        ),
        (
            "this service, cold",
            System::Ours.color(),
            "6,3",
            ours(&|q| cold(&q.ours)),
        ),
        (
            "AgentOS-on-Lambda, warm",
            System::AgentOs.color(),
            "",
            ours(&|q| q.agentos.as_ref().and_then(warm)),
        ),
        (
            "AgentOS-on-Lambda, cold",
            System::AgentOs.color(),
            "6,3",
            ours(&|q| q.agentos.as_ref().and_then(cold)),
        ),
    ];
    for (n, (label, color, dash, values)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        if points.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
            points.join(" ")
        );
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"><title>{label}, {} MB: {v:.2} ms</title></circle>"#,
                    x(i),
                    y(*v),
                    sizes[i]
                );
            }
        }
        let ly = top + 10.0 + n as f64 * 20.0;
        let lx = left + plot_w + 16.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{}" y="{}">{label}</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}
