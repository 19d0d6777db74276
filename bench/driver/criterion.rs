//! The rendering figures `cargo bench --bench render` left in `target/criterion`.

use std::path::Path;

use serde_json::Value;

/// Mean and median (ns) of each `render/<name>`, `render_3_1/<name>` and
/// `decode_and_render/<name>` benchmark criterion saved.
pub fn figures(dir: &Path) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for group in ["render", "render_3_1", "decode_and_render"] {
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
