//! agno 3.x keeps a session's runs in a table of their own (one item per run: `run_id`,
//! `session_id`, `run_index`, `created_at`, and the run as JSON text in `run_data`).
//! AgentOS 3.x reads them back into the session (`merge_runs_table_with_legacy_blob`):
//! the runs still stored in the session item first, those with a `run_id` only, a
//! runs-table copy replacing the run of the same `run_id`; then the runs only in the
//! table, by `(run_index, created_at)`. Without stored runs, the table's runs as they
//! are. The result is a `runs` document as agno 2.1.10 would have stored it, so
//! rendering stays the same.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::item::{Item, RecordError, without_non_finite};
use crate::session::Doc;

struct Row {
    order: (f64, f64),
    run_data: String,
}

impl Row {
    /// `None` for a row without `run_data` (agno skips it).
    fn from_item(mut item: Item) -> Result<Option<Self>, RecordError> {
        // `r.get("run_index") or 0`, then `created_at`.
        let number = |item: &Item, name: &str| match item.get(name) {
            Some(AttributeValue::N(n)) => n.parse::<f64>().unwrap_or(0.0),
            _ => 0.0,
        };
        let order = (number(&item, "run_index"), number(&item, "created_at"));
        match item.remove("run_data") {
            Some(AttributeValue::S(run_data)) => {
                // Python's `json.dumps` writes NaN and ±Infinity; AgentOS answers null.
                let run_data = without_non_finite(run_data);
                serde_json::from_str::<&RawValue>(&run_data).map_err(|e| {
                    RecordError::new(
                        "run_data",
                        format!("of a runs-table item is not valid JSON: {e}"),
                    )
                })?;
                Ok(Some(Row { order, run_data }))
            }
            None => Ok(None),
            Some(_) => Err(RecordError::new(
                "run_data",
                "of a runs-table item is not a string",
            )),
        }
    }
}

/// A run's `run_id`, when the run is an object that has one.
fn run_id(run: &RawValue) -> Option<std::borrow::Cow<'_, str>> {
    #[derive(Deserialize)]
    struct RunId<'a> {
        #[serde(borrow, default)]
        run_id: Option<std::borrow::Cow<'a, str>>,
    }
    if !run.get().starts_with('{') {
        return None;
    }
    serde_json::from_str::<RunId>(run.get()).ok()?.run_id
}

/// The session's runs: `legacy` (the session item's own `runs`) merged with the rows of
/// the runs table.
pub fn merge(legacy: Option<&Doc>, rows: Vec<Item>) -> Result<Option<Doc>, RecordError> {
    let mut rows: Vec<Row> = rows
        .into_iter()
        .map(Row::from_item)
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    rows.sort_by(|a, b| {
        a.order
            .partial_cmp(&b.order)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let table: Vec<&RawValue> = rows
        .iter()
        .map(|row| serde_json::from_str(&row.run_data).expect("checked in Row::from_item"))
        .collect();

    // An unreadable blob is ignored, as agno ignores it.
    let legacy_runs: Vec<&RawValue> = legacy
        .and_then(|doc| serde_json::from_str::<Option<Vec<&RawValue>>>(doc.as_str()).ok())
        .flatten()
        .unwrap_or_default();
    if legacy_runs.is_empty() {
        return Ok(Some(join(table.iter().map(|run| run.get()))));
    }
    let table_ids: Vec<Option<std::borrow::Cow<str>>> = table
        .iter()
        .map(|run| run_id(run).filter(|_| run.get().starts_with('{')))
        .collect();
    let mut merged: Vec<&str> = Vec::with_capacity(legacy_runs.len() + table.len());
    let mut legacy_ids = Vec::with_capacity(legacy_runs.len());
    for run in &legacy_runs {
        let Some(id) = run_id(run) else {
            continue;
        };
        // The table's copy of a run id: the last row with it, as a dict keeps the last.
        let replacement = table_ids.iter().rposition(|t| t.as_deref() == Some(&*id));
        merged.push(replacement.map_or(run.get(), |i| table[i].get()));
        legacy_ids.push(id);
    }
    for (run, id) in table.iter().zip(&table_ids) {
        if let Some(id) = id
            && !legacy_ids.contains(id)
        {
            merged.push(run.get());
        }
    }
    Ok(Some(join(merged.into_iter())))
}

fn join<'a>(runs: impl Iterator<Item = &'a str>) -> Doc {
    let mut text = String::from("[");
    for (i, run) in runs.enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(run);
    }
    text.push(']');
    Doc::new(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run_id: &str, index: &str, created: &str, data: &str) -> Item {
        [
            ("run_id", AttributeValue::S(run_id.into())),
            ("run_index", AttributeValue::N(index.into())),
            ("created_at", AttributeValue::N(created.into())),
            ("run_data", AttributeValue::S(data.into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    #[test]
    fn legacy_first_table_copy_wins_then_table_only_in_order() {
        let legacy = Doc::new(r#"[{"run_id": "r1", "v": "old"}, {"run_id": "r2", "v": "legacy"}]"#);
        let rows = vec![
            row("r4", "3", "40", r#"{"run_id":"r4"}"#),
            row("r1", "0", "10", r#"{"run_id":"r1","v":"table"}"#),
            row("r3", "2", "30", r#"{"run_id":"r3"}"#),
        ];
        let merged = merge(Some(&legacy), rows).unwrap().unwrap();
        let ids: Vec<serde_json::Value> = serde_json::from_str(merged.as_str()).unwrap();
        assert_eq!(
            ids,
            serde_json::json!([
                {"run_id": "r1", "v": "table"},
                {"run_id": "r2", "v": "legacy"},
                {"run_id": "r3"},
                {"run_id": "r4"}
            ])
            .as_array()
            .unwrap()
            .clone()
        );
    }

    #[test]
    fn stored_runs_without_an_id_are_dropped_as_agno_drops_them() {
        let legacy = Doc::new(r#"[{"v": "no id"}, 7, {"run_id": "r1"}, {"run_id": null}]"#);
        let merged = merge(Some(&legacy), Vec::new()).unwrap().unwrap();
        assert_eq!(merged.as_str(), r#"[{"run_id": "r1"}]"#);
        // Nothing stored in the item: the table's runs as they are.
        let rows = vec![row("x", "0", "1", r#"{"v": NaN}"#)];
        assert_eq!(
            merge(None, rows).unwrap().unwrap().as_str(),
            r#"[{"v": null}]"#
        );
        assert_eq!(merge(None, Vec::new()).unwrap().unwrap().as_str(), "[]");
        // An unreadable blob is ignored.
        let rows = vec![row("r2", "0", "1", r#"{"run_id":"r2"}"#)];
        let merged = merge(Some(&Doc::new("not json")), rows).unwrap().unwrap();
        assert_eq!(merged.as_str(), r#"[{"run_id":"r2"}]"#);
    }

    #[test]
    fn bad_rows_are_named() {
        let err = merge(None, vec![row("r1", "0", "1", "{broken")]).unwrap_err();
        assert_eq!(err.attribute, "run_data");
    }
}
