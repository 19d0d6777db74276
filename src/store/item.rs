//! A stored DynamoDB item, decoded into a [`SessionRecord`].
//!
//! Agno's DynamoDB storage writes ids and names as `S`, timestamps as `N`, and every
//! document-valued attribute (`session_data`, `runs`, …) as JSON text in an `S`. Items
//! written by other tools may hold those documents as native `M`/`L` values instead.
//! Both become [`Doc`] (JSON text), so rendering has a single input form.
//!
//! Unlike Agno's own reader, strings are never JSON-decoded unless they are documents:
//! a `user_id` of `"123"` stays the string `"123"`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::session::{Doc, Epoch, SessionRecord, SessionType};

/// A raw DynamoDB item, as `GetItem` returns it.
pub type Item = HashMap<String, AttributeValue>;

/// An attribute that cannot be read as the schema needs it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("attribute '{attribute}' {problem}")]
pub struct RecordError {
    pub(crate) attribute: String,
    pub(crate) problem: String,
}

impl RecordError {
    pub(crate) fn new(attribute: &str, problem: impl Into<String>) -> Self {
        RecordError {
            attribute: attribute.to_owned(),
            problem: problem.into(),
        }
    }
}

/// What the service checks before it reads the content: the item's string-valued
/// `session_type` and `user_id`, and the type its ids imply.
pub fn key_facts(item: &Item) -> (Option<String>, Option<String>, Option<SessionType>) {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    // agno 3.x's `detect_session_type` looks for these ids, in this order.
    let implied = [
        ("agent_id", SessionType::Agent),
        ("team_id", SessionType::Team),
        ("workflow_id", SessionType::Workflow),
    ]
    .into_iter()
    .find(|(name, _)| item.contains_key(*name))
    .map(|(_, session_type)| session_type);
    (text("session_type"), text("user_id"), implied)
}

/// Approximately DynamoDB's item size: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    fn value_size(value: &AttributeValue) -> usize {
        match value {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::M(m) => {
                m.iter()
                    .map(|(k, v)| k.len() + value_size(v))
                    .sum::<usize>()
                    + 3
            }
            AttributeValue::L(l) => l.iter().map(value_size).sum::<usize>() + 3,
            AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
            _ => 1,
        }
    }
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// Decodes an item; unknown attributes are ignored, as Agno ignores them.
pub fn decode(item: Item) -> Result<SessionRecord, RecordError> {
    decode_answer(item, false)
}

/// [`decode`]; `runs_escaped`: a `runs` of type `S` holds a JSON string's contents,
/// still escaped (as `read_get_item_keeping_runs` reads it).
pub(super) fn decode_answer(item: Item, runs_escaped: bool) -> Result<SessionRecord, RecordError> {
    let mut record = SessionRecord::default();
    let mut has_id = false;
    for (name, value) in item {
        match name.as_str() {
            "session_id" => {
                record.session_id = text(&name, value)?.unwrap_or_default();
                has_id = true;
            }
            "session_type" => record.session_type = text(&name, value)?,
            "user_id" => record.user_id = text(&name, value)?,
            "agent_id" => record.agent_id = text(&name, value)?,
            "team_id" => record.team_id = text(&name, value)?,
            "workflow_id" => record.workflow_id = text(&name, value)?,
            "workflow_name" => record.workflow_name = text(&name, value)?,
            "session_data" => record.session_data = doc(&name, value)?,
            "agent_data" => record.agent_data = doc(&name, value)?,
            "team_data" => record.team_data = doc(&name, value)?,
            "workflow_data" => record.workflow_data = doc(&name, value)?,
            "metadata" => record.metadata = doc(&name, value)?,
            "runs" => {
                record.runs = match value {
                    // `NaN` and `Infinity` make the scanner give up: they are replaced
                    // when the text is unescaped.
                    AttributeValue::S(s) if runs_escaped => {
                        Some(Doc::escaped(s, without_non_finite))
                    }
                    value => doc(&name, value)?,
                }
            }
            "summary" => record.summary = doc(&name, value)?,
            "created_at" => record.created_at = epoch(&name, value)?,
            "updated_at" => record.updated_at = epoch(&name, value)?,
            _ => {}
        }
    }
    if !has_id {
        return Err(RecordError::new("session_id", "is missing"));
    }
    Ok(record)
}

fn kind(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M",
        AttributeValue::L(_) => "L",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}

/// A string-valued attribute (ids, names): `S`, or `NULL` for none.
fn text(name: &str, value: AttributeValue) -> Result<Option<String>, RecordError> {
    match value {
        AttributeValue::S(s) => Ok(Some(s)),
        AttributeValue::Null(_) => Ok(None),
        other => Err(RecordError::new(
            name,
            format!("has type {}, expected S", kind(&other)),
        )),
    }
}

/// A document-valued attribute: JSON text in `S` (as Agno writes it), or a native value.
fn doc(name: &str, value: AttributeValue) -> Result<Option<Doc>, RecordError> {
    match value {
        AttributeValue::S(s) => Ok(Some(Doc::new(without_non_finite(s)))),
        AttributeValue::Null(_) => Ok(None),
        native => {
            let type_name = kind(&native);
            // The error would quote the value: name the attribute's type instead.
            let json: serde_json::Value =
                serde_dynamo::from_attribute_value(native).map_err(|_| {
                    RecordError::new(name, format!("of type {type_name} cannot be read as JSON"))
                })?;
            Ok(Some(Doc::new(json.to_string())))
        }
    }
}

/// Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity`, which are not JSON;
/// AgentOS reads them and answers `null` for them. They become `null` here, where they
/// stand as values (not inside strings). Text without them is returned untouched.
pub(super) fn without_non_finite(text: String) -> String {
    // `memmem`'s vectorized search: this check reads every byte of every document.
    if memchr::memmem::find(text.as_bytes(), b"NaN").is_none()
        && memchr::memmem::find(text.as_bytes(), b"Infinity").is_none()
    {
        return text;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut in_string) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'N' | b'I' | b'-' if !in_string => {
                let token = ["NaN", "Infinity", "-Infinity"]
                    .into_iter()
                    .find(|t| text[i..].starts_with(t));
                if let Some(token) = token {
                    out.push_str(&text[copied..i]);
                    out.push_str("null");
                    i += token.len();
                    copied = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// An epoch-seconds attribute: `N` as Agno writes it, or a numeric `S`.
fn epoch(name: &str, value: AttributeValue) -> Result<Option<Epoch>, RecordError> {
    let number = match &value {
        AttributeValue::N(n) => n.as_str(),
        AttributeValue::S(s) => s.as_str(),
        AttributeValue::Null(_) => return Ok(None),
        other => {
            return Err(RecordError::new(
                name,
                format!("has type {}, expected N", kind(other)),
            ));
        }
    };
    // The value itself is not quoted: it is session content.
    parse_epoch(number.trim())
        .map(Some)
        .ok_or_else(|| RecordError::new(name, "is not a number of seconds"))
}

fn parse_epoch(number: &str) -> Option<Epoch> {
    if let Ok(i) = number.parse::<i64>() {
        return Some(Epoch::Int(i));
    }
    number
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Epoch::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn decodes_agno_item_without_json_decoding_ids() {
        let item: Item = [
            ("session_id", s("abc")),
            ("session_type", s("agent")),
            ("user_id", s("123")),
            ("session_data", s(r#"{"session_state":{}}"#)),
            ("created_at", AttributeValue::N("1757088129".into())),
            ("extra", s("ignored")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let record = decode(item).unwrap();
        assert_eq!(record.user_id.as_deref(), Some("123"));
        assert_eq!(record.session_type.as_deref(), Some("agent"));
        assert_eq!(
            record.session_data.unwrap().as_str(),
            r#"{"session_state":{}}"#
        );
        assert_eq!(record.created_at, Some(Epoch::Int(1757088129)));
    }

    #[test]
    fn native_map_becomes_json_text() {
        let map = [("a".to_owned(), AttributeValue::N("1".into()))]
            .into_iter()
            .collect();
        let item: Item = [
            ("session_id".to_owned(), s("x")),
            ("agent_data".to_owned(), AttributeValue::M(map)),
        ]
        .into_iter()
        .collect();
        let record = decode(item).unwrap();
        assert_eq!(record.agent_data.unwrap().as_str(), r#"{"a":1}"#);
    }

    #[test]
    fn wrong_attribute_types_are_named() {
        let item: Item = [
            ("session_id".to_owned(), s("x")),
            ("user_id".to_owned(), AttributeValue::N("7".into())),
        ]
        .into_iter()
        .collect();
        let err = decode(item).unwrap_err();
        assert_eq!(
            err.to_string(),
            "attribute 'user_id' has type N, expected S"
        );

        let item: Item = [
            ("session_id".to_owned(), s("x")),
            ("created_at".to_owned(), AttributeValue::N("soon".into())),
        ]
        .into_iter()
        .collect();
        let err = decode(item).unwrap_err();
        assert_eq!(err.attribute, "created_at");
    }

    #[test]
    fn non_finite_numbers_become_null_outside_strings() {
        let text = r#"{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN \" Infinity", "d": -1}"#;
        assert_eq!(
            without_non_finite(text.to_owned()),
            r#"{"a": null, "b": [null, null], "c": "NaN \" Infinity", "d": -1}"#
        );
        let plain = r#"{"a": 1}"#.to_owned();
        assert_eq!(without_non_finite(plain.clone()), plain);
    }

    #[test]
    fn float_epochs_are_kept() {
        assert_eq!(parse_epoch("1.5"), Some(Epoch::Float(1.5)));
        assert_eq!(parse_epoch("nan"), None);
        assert_eq!(parse_epoch("-3"), Some(Epoch::Int(-3)));
    }
}
