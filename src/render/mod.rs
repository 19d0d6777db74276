//! AgentOS's session detail documents, rendered as a pure function of the stored record:
//! `AgentSessionDetailSchema`, `TeamSessionDetailSchema` and
//! `WorkflowSessionDetailSchema` of agno 2.1.10, as FastAPI serializes them.

mod agent;
mod json;
mod message;
mod parts;
pub mod python;
mod team;
pub mod time;
mod workflow;

use crate::record::SessionRecord;
use crate::request::SessionType;

/// A stored session that cannot be rendered as its schema requires.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("attribute '{attribute}' is not valid: {source}")]
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

impl RenderError {
    fn shape(attribute: &'static str, problem: &'static str) -> Self {
        RenderError::Shape { attribute, problem }
    }
}

/// The JSON body AgentOS answers for this session, read as `session_type`.
pub fn render(record: &SessionRecord, session_type: SessionType) -> Result<Vec<u8>, RenderError> {
    match session_type {
        SessionType::Agent => agent::render(record),
        SessionType::Team => team::render(record),
        SessionType::Workflow => workflow::render(record),
    }
}

/// Serializes a document; capacity from the stored size avoids regrowth for big sessions.
fn to_body<T: serde::Serialize>(
    document: &T,
    record: &SessionRecord,
) -> Result<Vec<u8>, RenderError> {
    let hint = record.runs.as_ref().map_or(0, |d| d.as_str().len()) + 1024;
    let mut body = Vec::with_capacity(hint);
    serde_json::to_writer(&mut body, document).map_err(|source| RenderError::Json {
        attribute: "document",
        source,
    })?;
    Ok(body)
}
