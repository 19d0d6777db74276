//! `AgentSessionDetailSchema.from_session`.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use super::json::Int;
use super::message::Message;
use super::parts::{Data, Runs, Summary, datetime, raw_object};
use super::{RenderError, to_body};
use crate::session::{Contract, SessionRecord};

#[derive(Serialize)]
struct AgentSessionDetail<'a> {
    user_id: Option<&'a str>,
    agent_session_id: &'a str,
    session_id: &'a str,
    session_name: Cow<'a, str>,
    session_summary: Option<Summary<'a>>,
    session_state: Option<&'a RawValue>,
    agent_id: Option<&'a str>,
    total_tokens: Option<Int>,
    agent_data: Option<&'a RawValue>,
    metrics: Option<&'a RawValue>,
    chat_history: Vec<Message<'a>>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

pub fn render(record: &SessionRecord) -> Result<Vec<u8>, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    let runs = Runs::parse_if_first_is_object(record.runs.as_ref())?;
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        None => runs
            .0
            .first()
            .map(|run| run.first_user_text())
            .unwrap_or_default(),
    };
    let document = AgentSessionDetail {
        user_id: record.user_id.as_deref(),
        agent_session_id: &record.session_id,
        session_id: &record.session_id,
        session_name,
        session_summary: Summary::parse(record.summary.as_ref())?,
        session_state: data.session_state(),
        agent_id: record.agent_id.as_deref().filter(|id| !id.is_empty()),
        total_tokens: data.total_tokens()?,
        agent_data: raw_object("agent_data", record.agent_data.as_ref())?,
        metrics: data.metrics(),
        chat_history: runs.into_chat_history(Contract::V2_1),
        created_at: datetime("created_at", record.created_at)?,
        updated_at: datetime("updated_at", record.updated_at)?,
    };
    to_body(&document, record)
}
