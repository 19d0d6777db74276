//! agno 3.x keeps a session's runs in a table of their own (one item per run: `run_id`,
//! `session_id`, `run_index`, `created_at`, and the run as JSON text in `run_data`).
//! AgentOS 3.x reads them back into the session: the runs still stored in the session
//! item first (a runs-table copy replacing the run of the same `run_id`), then the runs
//! only in the table, by `(run_index, created_at)`. The result is the `runs` document
//! agno 2.1.10 would have stored, so rendering stays the same.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::item::{Item, RecordError};
use crate::session::Doc;

struct Row {
    run_id: Option<String>,
    order: (f64, f64),
    run_data: String,
}

impl Row {
    fn from_item(mut item: Item) -> Result<Self, RecordError> {
        let number = |item: &Item, name: &str| match item.get(name) {
            Some(AttributeValue::N(n)) => n.parse::<f64>().unwrap_or(0.0),
            _ => 0.0,
        };
        let order = (number(&item, "run_index"), number(&item, "created_at"));
        let run_id = match item.remove("run_id") {
            Some(AttributeValue::S(id)) => Some(id),
            _ => None,
        };
        match item.remove("run_data") {
            Some(AttributeValue::S(run_data)) => Ok(Row {
                run_id,
                order,
                run_data,
            }),
            _ => Err(RecordError::new(
                "run_data",
                "of a runs-table item is missing or not a string",
            )),
        }
    }
}

#[derive(Deserialize)]
struct RunId<'a> {
    #[serde(borrow, default)]
    run_id: Option<std::borrow::Cow<'a, str>>,
}

/// The session's runs: `legacy` (the session item's own `runs`) merged with the rows of
/// the runs table.
pub fn merge(legacy: Option<&Doc>, rows: Vec<Item>) -> Result<Option<Doc>, RecordError> {
    if rows.is_empty() {
        return Ok(legacy.cloned());
    }
    let mut rows = rows
        .into_iter()
        .map(Row::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by(|a, b| {
        a.order
            .partial_cmp(&b.order)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for row in &rows {
        serde_json::from_str::<&RawValue>(&row.run_data).map_err(|e| {
            RecordError::new(
                "run_data",
                format!("of run {:?} is not valid JSON: {e}", row.run_id),
            )
        })?;
    }

    let legacy_runs: Vec<&RawValue> = match legacy {
        Some(doc) => serde_json::from_str::<Option<Vec<&RawValue>>>(doc.as_str())
            .map_err(|e| RecordError::new("runs", format!("is not a list of runs: {e}")))?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut used = vec![false; rows.len()];
    let mut merged: Vec<&str> = Vec::with_capacity(legacy_runs.len() + rows.len());
    for run in &legacy_runs {
        let id = serde_json::from_str::<RunId>(run.get())
            .ok()
            .and_then(|r| r.run_id);
        let replacement = id.as_deref().and_then(|id| {
            rows.iter()
                .position(|row| row.run_id.as_deref() == Some(id))
        });
        match replacement {
            Some(i) => {
                used[i] = true;
                merged.push(&rows[i].run_data);
            }
            None => merged.push(run.get()),
        }
    }
    merged.extend(
        rows.iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(row, _)| row.run_data.as_str()),
    );
    Ok(Some(Doc::new(format!("[{}]", merged.join(",")))))
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
    fn no_rows_keeps_the_item_and_bad_rows_are_named() {
        let legacy = Doc::new("[]");
        assert_eq!(merge(Some(&legacy), Vec::new()).unwrap(), Some(legacy));
        assert_eq!(merge(None, Vec::new()).unwrap(), None);
        let err = merge(None, vec![row("r1", "0", "1", "{broken")]).unwrap_err();
        assert_eq!(err.attribute, "run_data");
    }
}
