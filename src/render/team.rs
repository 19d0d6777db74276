//! `TeamSessionDetailSchema.from_session`.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use super::json::Int;
use super::message::Message;
use super::parts::{Data, Runs, Summary, datetime, raw_object};
use super::{RenderError, to_body};
use crate::session::{Contract, SessionRecord};

#[derive(Serialize)]
struct TeamSessionDetail<'a> {
    session_id: &'a str,
    session_name: Cow<'a, str>,
    user_id: Option<&'a str>,
    team_id: Option<&'a str>,
    session_summary: Option<Summary<'a>>,
    session_state: Option<&'a RawValue>,
    metrics: Option<&'a RawValue>,
    team_data: Option<&'a RawValue>,
    chat_history: Vec<Message<'a>>,
    created_at: Option<String>,
    updated_at: Option<String>,
    total_tokens: Option<Int>,
}

pub fn render(record: &SessionRecord) -> Result<Vec<u8>, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    // TeamSession.from_dict keeps only runs that carry an agent_id (member runs) or a
    // team_id (team runs).
    let mut runs = Runs::parse_if_first_is_object(record.runs.as_ref())?;
    runs.0
        .retain(|run| run.agent_id.is_some() || run.team_id.is_some());
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        // The first team run (no agent_id), else the first run.
        None => runs
            .0
            .iter()
            .find(|run| !run.has_agent())
            .or(runs.0.first())
            .map(|run| run.first_user_text())
            .unwrap_or_default(),
    };
    let document = TeamSessionDetail {
        session_id: &record.session_id,
        session_name,
        user_id: record.user_id.as_deref(),
        team_id: record.team_id.as_deref(),
        session_summary: Summary::parse(record.summary.as_ref())?,
        session_state: data.session_state(),
        metrics: data.metrics(),
        team_data: raw_object("team_data", record.team_data.as_ref())?,
        chat_history: runs.into_chat_history(Contract::V2_1),
        created_at: datetime("created_at", record.created_at)?,
        updated_at: datetime("updated_at", record.updated_at)?,
        total_tokens: data.total_tokens()?,
    };
    to_body(&document, record)
}
