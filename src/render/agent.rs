//! `AgentSessionDetailSchema.from_session`.

use super::history::{History, Loaded};
use super::object::Object;
use super::parts::{Data, Summary, datetime, raw_object};
use super::{Document, RenderError, body_for};
use crate::session::{Contract, SessionRecord};

pub fn render(record: &SessionRecord) -> Result<Document, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    let history = History::read(record.runs.as_ref(), Contract::V2_1, Loaded::Every)?;
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        None => history
            .heads
            .first()
            .map(|run| run.first_user_text())
            .unwrap_or_default(),
    };
    // Read in the order the fields are written, so the first bad attribute is named.
    let session_summary = Summary::parse(record.summary.as_ref())?;
    let total_tokens = data.total_tokens()?;
    let agent_data = raw_object("agent_data", record.agent_data.as_ref())?;
    let created_at = datetime("created_at", record.created_at)?;
    let updated_at = datetime("updated_at", record.updated_at)?;

    let mut body = body_for(record);
    let mut document = Object::open(&mut body);
    document.field("user_id", &record.user_id)?;
    document.field("agent_session_id", &record.session_id)?;
    document.field("session_id", &record.session_id)?;
    document.field("session_name", &session_name)?;
    document.field("session_summary", &session_summary)?;
    document.field("session_state", &data.session_state())?;
    document.field(
        "agent_id",
        &record.agent_id.as_deref().filter(|id| !id.is_empty()),
    )?;
    document.field("total_tokens", &total_tokens)?;
    document.field("agent_data", &agent_data)?;
    document.field("metrics", &data.metrics())?;
    document.key("chat_history");
    let escaped = history.write(document.out)?;
    document.field("created_at", &created_at)?;
    document.field("updated_at", &updated_at)?;
    document.close();
    Ok(Document::with_escaped(body, escaped))
}
