//! AgentOS's session detail documents, rendered as a pure function of the stored record:
//! `AgentSessionDetailSchema`, `TeamSessionDetailSchema` and
//! `WorkflowSessionDetailSchema` of agno 2.1.10 (`agent`, `team`, `workflow`) and of
//! agno 3.1.10 (`v3`), as FastAPI serializes them.

mod agent;
mod history;
pub use history::check_scanner;
mod json;
mod message;
mod object;
mod parts;
pub mod python;
mod team;
pub mod time;
mod v3;
mod workflow;

use std::ops::Range;

use crate::json_string::unescape_checked;
use crate::session::{Contract, Doc, SessionRecord, SessionType};

/// A rendered document: JSON text, of which one part (the chat history, when it was read
/// from runs held escaped) may be written already escaped as a JSON string's contents,
/// as Lambda's response carries the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    text: Vec<u8>,
    escaped: Option<Range<usize>>,
}

impl Document {
    /// JSON text.
    pub fn plain(text: Vec<u8>) -> Self {
        Document {
            text,
            escaped: None,
        }
    }

    fn with_escaped(text: Vec<u8>, escaped: Option<Range<usize>>) -> Self {
        Document { text, escaped }
    }

    /// Text as [`Document::into_parts`] gave it (a range outside it is ignored).
    pub fn held_as(text: Vec<u8>, escaped: Range<usize>) -> Self {
        let escaped = Self::split(&text, &escaped).map(|_| escaped);
        Document { text, escaped }
    }

    /// Text as held, cut around its `escaped` part: before, the part, after; `None`
    /// when the range does not fit the text.
    pub fn split<'t>(text: &'t [u8], escaped: &Range<usize>) -> Option<[&'t [u8]; 3]> {
        let (before, rest) = text.split_at_checked(escaped.start)?;
        let (part, after) = rest.split_at_checked(escaped.len())?;
        (escaped.start <= escaped.end).then_some([before, part, after])
    }

    /// The text as held, its escaped part escaped: what the `ETag` hashes.
    pub fn held(&self) -> &[u8] {
        &self.text
    }

    /// The length of the text as held.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether the text is empty (never, for a document).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Where in the text as held the part written escaped is.
    pub fn escaped_part(&self) -> Option<&Range<usize>> {
        self.escaped.as_ref()
    }

    /// The text as held, and where in it the part written escaped is.
    pub fn into_parts(self) -> (Vec<u8>, Option<Range<usize>>) {
        (self.text, self.escaped)
    }

    /// The JSON text.
    pub fn into_plain(self) -> Vec<u8> {
        let Some([before, part, after]) = self
            .escaped
            .as_ref()
            .and_then(|range| Self::split(&self.text, range))
        else {
            return self.text;
        };
        let part = std::str::from_utf8(part).unwrap_or_default();
        let mut text = Vec::with_capacity(self.text.len());
        text.extend_from_slice(before);
        text.extend_from_slice(unescape_checked(part).as_bytes());
        text.extend_from_slice(after);
        text
    }
}

/// A stored session that cannot be rendered as its schema requires.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("attribute '{attribute}' is not valid: {}", describe(source))]
    Json {
        attribute: &'static str,
        source: serde_json::Error,
    },
    #[error("attribute '{attribute}' {problem}")]
    Shape {
        attribute: &'static str,
        problem: &'static str,
    },
}

/// What is wrong with a stored JSON document, without quoting it: serde's messages
/// quote the offending value (`invalid type: string "…"`), and this text goes into logs
/// and answers, where session content must not.
fn describe(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("at line {} column {}", error.line(), error.column());
    match error.classify() {
        Category::Syntax => format!("malformed JSON {at}"),
        Category::Eof => format!("truncated JSON {at}"),
        Category::Io => format!("unreadable JSON {at}"),
        Category::Data => {
            let message = error.to_string();
            // Serde's schema-side words carry no stored values: "missing field `role`",
            // "…, expected a sequence".
            let what = if message.starts_with("missing field `") {
                message
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            } else if let Some((_, expected)) = message.rsplit_once(", expected ") {
                let expected = expected.split(" at line ").next().unwrap_or_default();
                if expected.contains(['"', '\'']) {
                    "unexpected value".to_owned()
                } else {
                    format!("unexpected value, expected {expected}")
                }
            } else {
                "unexpected value".to_owned()
            };
            format!("{what} {at}")
        }
    }
}

impl RenderError {
    fn shape(attribute: &'static str, problem: &'static str) -> Self {
        RenderError::Shape { attribute, problem }
    }
}

thread_local! {
    /// The contract of the document being rendered on this thread: stored messages are
    /// read straight into what it writes (agno 2.1.10's typed metrics, or 3.x's as
    /// stored), in one pass.
    static READING: std::cell::Cell<Contract> = const { std::cell::Cell::new(Contract::V2_1) };
}

fn reading() -> Contract {
    READING.with(std::cell::Cell::get)
}

/// The JSON body the contract's AgentOS answers for this session, read as
/// `session_type`.
pub fn render(
    record: &SessionRecord,
    session_type: SessionType,
    contract: Contract,
) -> Result<Vec<u8>, RenderError> {
    render_document(record, session_type, contract).map(Document::into_plain)
}

/// [`render`], its chat history left escaped where the stored runs are held so.
pub fn render_document(
    record: &SessionRecord,
    session_type: SessionType,
    contract: Contract,
) -> Result<Document, RenderError> {
    reading_as(contract, || {
        match render_as(record, session_type, contract) {
            // Python's `json.loads` keeps the last of repeated keys; serde's derived readers
            // refuse them. Rare, so the documents are rewritten only then.
            Err(RenderError::Json { source, .. })
                if source.to_string().starts_with("duplicate field") =>
            {
                render_as(&without_duplicate_keys(record)?, session_type, contract)
            }
            other => other,
        }
    })
}

/// Runs `read` with stored messages read as `contract`'s.
fn reading_as<T>(contract: Contract, read: impl FnOnce() -> T) -> T {
    struct Reading(Contract);
    impl Drop for Reading {
        fn drop(&mut self) {
            READING.with(|r| r.set(self.0));
        }
    }
    let _restore = Reading(READING.with(|r| r.replace(contract)));
    read()
}

fn render_as(
    record: &SessionRecord,
    session_type: SessionType,
    contract: Contract,
) -> Result<Document, RenderError> {
    match (contract, session_type) {
        (Contract::V2_1, SessionType::Agent) => agent::render(record),
        (Contract::V2_1, SessionType::Team) => team::render(record),
        (Contract::V2_1, SessionType::Workflow) => workflow::render(record).map(Document::plain),
        (Contract::V3_1, SessionType::Agent) => v3::agent(record),
        (Contract::V3_1, SessionType::Team) => v3::team(record),
        (Contract::V3_1, SessionType::Workflow) => v3::workflow(record).map(Document::plain),
    }
}

/// The record with every document read as `json.loads` reads repeated keys.
fn without_duplicate_keys(record: &SessionRecord) -> Result<SessionRecord, RenderError> {
    let mut record = record.clone();
    let documents = [
        ("session_data", &mut record.session_data),
        ("agent_data", &mut record.agent_data),
        ("team_data", &mut record.team_data),
        ("workflow_data", &mut record.workflow_data),
        ("metadata", &mut record.metadata),
        ("runs", &mut record.runs),
        ("summary", &mut record.summary),
    ];
    for (attribute, document) in documents {
        if let Some(doc) = document {
            let rewritten = json::without_duplicate_keys(doc.as_str())
                .map_err(|source| RenderError::Json { attribute, source })?;
            if let Some(text) = rewritten {
                *doc = Doc::new(text);
            }
        }
    }
    Ok(record)
}

/// An empty body for the record's document: capacity from the stored size avoids
/// regrowth for big sessions.
fn body_for(record: &SessionRecord) -> Vec<u8> {
    Vec::with_capacity(record.runs.as_ref().map_or(0, Doc::held_len) + 1024)
}

/// Serializes a document.
fn to_body<T: serde::Serialize>(
    document: &T,
    record: &SessionRecord,
) -> Result<Vec<u8>, RenderError> {
    let mut body = body_for(record);
    serde_json::to_writer(&mut body, document).map_err(|source| RenderError::Json {
        attribute: "document",
        source,
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> String {
        let source = serde_json::from_str::<Vec<u8>>(json).unwrap_err();
        RenderError::Json {
            attribute: "runs",
            source,
        }
        .to_string()
    }

    #[test]
    fn json_errors_name_the_problem_not_the_content() {
        assert_eq!(
            error(r#""my secret plan""#),
            "attribute 'runs' is not valid: unexpected value, expected a sequence at line 1 column 16"
        );
        assert_eq!(
            error(r#"[1, "secret"]"#),
            "attribute 'runs' is not valid: unexpected value, expected u8 at line 1 column 12"
        );
        assert_eq!(
            error("[1, secret"),
            "attribute 'runs' is not valid: malformed JSON at line 1 column 5"
        );
        assert_eq!(
            error("[1, 2"),
            "attribute 'runs' is not valid: truncated JSON at line 1 column 5"
        );
    }
}
