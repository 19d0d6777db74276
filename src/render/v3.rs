//! agno 3.1.10's `AgentSessionDetailSchema`, `TeamSessionDetailSchema` and
//! `WorkflowSessionDetailSchema` (`from_session`), served with
//! `response_model_exclude_none=True`: a field that is `None` is left out.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use super::history::{History, Loaded, RunHead};
use super::json::{RawObject, is_truthy, truthy};
use super::object::Object;
use super::parts::{Data, Runs, Summary, datetime, empty_object, raw_object};
use super::python::json_dumps_indented;
use super::workflow::{derived_name, dump_error};
use super::{Document, RenderError, body_for, to_body};
use crate::session::{Contract, SessionRecord};

#[derive(Serialize)]
struct WorkflowSessionDetail<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_name: Option<&'a str>,
    session_id: &'a str,
    session_name: Cow<'a, str>,
    session_data: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_state: Option<&'a RawValue>,
    workflow_data: &'a RawValue,
    metadata: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
}

/// `AgentSessionDetailSchema.from_session`.
pub fn agent(record: &SessionRecord) -> Result<Document, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    let history = History::read(record.runs.as_ref(), Contract::V3_1, Loaded::AgentOrTeam)?;
    let agent_data = raw_object("agent_data", record.agent_data.as_ref())?;
    let metadata = raw_object("metadata", record.metadata.as_ref())?;
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        None => derived_name_of(history.heads.iter())?,
    };
    let (created_at, updated_at) = timestamps(record)?;
    // Read in the order the fields are written, so the first bad attribute is named.
    let session_summary = Summary::parse(record.summary.as_ref())?;
    let total_tokens = data.total_tokens()?;
    let metadata = Metadata::of_agent(metadata, agent_data)?;

    let mut body = body_for(record);
    let mut document = Object::open(&mut body);
    document.some("user_id", &record.user_id)?;
    document.field("agent_session_id", &record.session_id)?;
    document.field("session_id", &record.session_id)?;
    document.field("session_name", &session_name)?;
    document.some("session_summary", &session_summary)?;
    document.some("session_state", &data.session_state())?;
    document.some(
        "agent_id",
        &record.agent_id.as_deref().filter(|id| !id.is_empty()),
    )?;
    document.some("total_tokens", &total_tokens)?;
    document.some("agent_data", &agent_data)?;
    document.some("metrics", &data.metrics())?;
    document.some("metadata", &metadata)?;
    document.key("chat_history");
    let escaped = history.write(document.out)?;
    document.some("created_at", &created_at)?;
    document.some("updated_at", &updated_at)?;
    document.close();
    Ok(Document::with_escaped(body, escaped))
}

/// `TeamSessionDetailSchema.from_session`.
pub fn team(record: &SessionRecord) -> Result<Document, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    let history = History::read(record.runs.as_ref(), Contract::V3_1, Loaded::AgentOrTeam)?;
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        // Team runs only: those without an agent id.
        None => derived_name_of(history.heads.iter().filter(|run| !run.has_agent))?,
    };
    let (created_at, updated_at) = timestamps(record)?;
    // Read in the order the fields are written, so the first bad attribute is named.
    let session_summary = Summary::parse(record.summary.as_ref())?;
    let team_data = raw_object("team_data", record.team_data.as_ref())?;
    let metadata = raw_object("metadata", record.metadata.as_ref())?;
    let total_tokens = data.total_tokens()?;

    let mut body = body_for(record);
    let mut document = Object::open(&mut body);
    document.field("session_id", &record.session_id)?;
    document.field("session_name", &session_name)?;
    document.some("user_id", &record.user_id)?;
    document.some("team_id", &record.team_id)?;
    document.some("session_summary", &session_summary)?;
    document.some("session_state", &data.session_state())?;
    document.some("metrics", &data.metrics())?;
    document.some("team_data", &team_data)?;
    document.some("metadata", &metadata)?;
    document.key("chat_history");
    let escaped = history.write(document.out)?;
    document.some("created_at", &created_at)?;
    document.some("updated_at", &updated_at)?;
    document.some("total_tokens", &total_tokens)?;
    document.close();
    Ok(Document::with_escaped(body, escaped))
}

/// `WorkflowSessionDetailSchema.from_session`.
pub fn workflow(record: &SessionRecord) -> Result<Vec<u8>, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    // WorkflowSession fills missing dicts with {}.
    let workflow_data =
        raw_object("workflow_data", record.workflow_data.as_ref())?.unwrap_or(empty_object());
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        None => {
            // Only workflow runs are loaded: a step's agent or team run shares the id.
            let first = Runs::first_where(record.runs.as_ref(), |run| {
                run.is_workflow_run() && run.is_readable_workflow_run()
            })?;
            derived_name(first, workflow_data)?
        }
    };
    let (created_at, updated_at) = timestamps(record)?;
    let document = WorkflowSessionDetail {
        user_id: record.user_id.as_deref(),
        workflow_id: record.workflow_id.as_deref(),
        workflow_name: record.workflow_name.as_deref(),
        session_id: &record.session_id,
        session_name,
        session_data: data.raw.unwrap_or(empty_object()),
        session_state: data.session_state(),
        workflow_data,
        metadata: raw_object("metadata", record.metadata.as_ref())?.unwrap_or(empty_object()),
        created_at,
        updated_at,
    };
    to_body(&document, record)
}

/// `created_at` as a UTC datetime when truthy; `updated_at` likewise, else `created_at`.
fn timestamps(record: &SessionRecord) -> Result<(Option<String>, Option<String>), RenderError> {
    let created_at = datetime("created_at", record.created_at)?;
    let updated_at = match datetime("updated_at", record.updated_at)? {
        Some(updated_at) => Some(updated_at),
        None => created_at.clone(),
    };
    Ok((created_at, updated_at))
}

/// `get_session_name` for agent and team sessions, over the runs it looks at: the first
/// user message with content, else the run's input (`RunInput.to_dict()` as
/// `json.dumps(…, indent=2)`), run by run; else "".
fn derived_name_of<'r>(
    runs: impl Iterator<Item = &'r RunHead<'r>>,
) -> Result<Cow<'r, str>, RenderError> {
    for run in runs {
        if let Some(text) = run.truthy_user_text() {
            return Ok(text);
        }
        if let Some(input) = run.input().filter(|i| i.starts_with('{') && truthy(i)) {
            let input = serde_json::from_str(&input).map_err(|source| RenderError::Json {
                attribute: "runs",
                source,
            })?;
            return run_input_text(input).map(Cow::Owned);
        }
    }
    Ok(Cow::Borrowed(""))
}

/// `stringify_input_content(RunInput.from_dict(input).to_dict())`.
fn run_input_text(input: &RawValue) -> Result<String, RenderError> {
    let json_err = |source| RenderError::Json {
        attribute: "runs",
        source,
    };
    let fields: RawObject = serde_json::from_str(input.get()).map_err(json_err)?;
    let mut text = String::from("{");
    let mut keys = ["input_content", "images", "videos", "audios", "files"].into_iter();
    let first = keys.next().expect("five keys");
    let kept = |key: &str, value: &RawValue| match key {
        "input_content" => value.get() != "null",
        _ => is_truthy(value),
    };
    for key in std::iter::once(first).chain(keys) {
        if let Some(value) = fields.get(key).filter(|v| kept(key, v)) {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(key).map_err(json_err)?);
            text.push(':');
            text.push_str(value.get());
        }
    }
    text.push('}');
    let dict: &RawValue = serde_json::from_str(&text).map_err(json_err)?;
    json_dumps_indented(dict).map_err(|e| dump_error("runs", e))
}

/// `_agent_metadata`: the stored metadata, with the adapter's `sdk` (or `framework`)
/// from `agent_data` put in as `sdk`.
enum Metadata<'a> {
    Stored(&'a RawValue),
    WithSdk(RawObject<'a>, &'a RawValue),
}

impl<'a> Metadata<'a> {
    fn of_agent(
        metadata: Option<&'a RawValue>,
        agent_data: Option<&'a RawValue>,
    ) -> Result<Option<Self>, RenderError> {
        let sdk = match agent_data {
            Some(agent_data) => {
                let fields: RawObject =
                    serde_json::from_str(agent_data.get()).map_err(|source| RenderError::Json {
                        attribute: "agent_data",
                        source,
                    })?;
                // `agent_data.get("sdk") or agent_data.get("framework")`, if a non-empty str.
                let sdk = fields.get("sdk").filter(|v| is_truthy(v));
                sdk.or_else(|| fields.get("framework"))
                    .filter(|v| v.get().starts_with('"') && is_truthy(v))
            }
            None => None,
        };
        Ok(match (sdk, metadata) {
            (Some(sdk), Some(metadata)) => {
                let fields =
                    serde_json::from_str(metadata.get()).map_err(|source| RenderError::Json {
                        attribute: "metadata",
                        source,
                    })?;
                Some(Metadata::WithSdk(fields, sdk))
            }
            (Some(sdk), None) => Some(Metadata::WithSdk(RawObject(Vec::new()), sdk)),
            (None, metadata) => metadata.map(Metadata::Stored),
        })
    }
}

impl Serialize for Metadata<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Metadata::Stored(raw) => raw.serialize(serializer),
            Metadata::WithSdk(fields, sdk) => {
                // `{**metadata, "sdk": sdk}`: an existing `sdk` keeps its place.
                let mut map = serializer.serialize_map(None)?;
                let mut replaced = false;
                for (key, value) in &fields.0 {
                    if key == "sdk" {
                        if !replaced {
                            map.serialize_entry(key, sdk)?;
                            replaced = true;
                        }
                    } else {
                        map.serialize_entry(key, value)?;
                    }
                }
                if !replaced {
                    map.serialize_entry("sdk", sdk)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Doc, Epoch};
    use serde_json::{Value, json};

    fn record(runs: Value) -> SessionRecord {
        SessionRecord {
            session_id: "s".into(),
            agent_id: Some("a".into()),
            session_type: Some("agent".into()),
            runs: Some(Doc::new(runs.to_string())),
            created_at: Some(Epoch::Int(1757088129)),
            ..Default::default()
        }
    }

    fn agent_json(record: &SessionRecord) -> Value {
        serde_json::from_slice(&agent(record).unwrap().into_plain()).unwrap()
    }

    #[test]
    fn nulls_are_left_out_and_updated_at_falls_back_to_created_at() {
        let body = agent_json(&record(json!([])));
        assert_eq!(
            body,
            json!({"agent_session_id": "s", "session_id": "s", "session_name": "", "agent_id": "a",
                   "chat_history": [], "created_at": "2025-09-05T16:02:09Z",
                   "updated_at": "2025-09-05T16:02:09Z"})
        );
    }

    #[test]
    fn chat_history_keeps_top_level_user_and_assistant_messages() {
        let message =
            |role: &str, content: &str| json!({"role": role, "content": content, "created_at": 1});
        let body = agent_json(&record(json!([
            {"run_id": "r1", "agent_id": "a", "messages": [
                message("system", "sys"), message("user", "hi"), message("tool", "t"),
                message("assistant", "hello")]},
            {"run_id": "m1", "agent_id": "b", "parent_run_id": "r1", "messages": [message("user", "member")]},
            {"run_id": "x", "messages": [message("user", "no agent or team id: not loaded")]},
        ])));
        let contents: Vec<&str> = body["chat_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        assert_eq!(contents, ["hi", "hello"]);
        assert_eq!(body["session_name"], "hi");
    }

    #[test]
    fn session_name_from_run_input_is_indented_json() {
        let body = agent_json(&record(json!([
            {"run_id": "r1", "agent_id": "a", "input": {"input_content": "café"}, "messages": []}
        ])));
        assert_eq!(
            body["session_name"],
            "{\n  \"input_content\": \"caf\\u00e9\"\n}"
        );
    }

    #[test]
    fn agent_metadata_gains_the_sdk_of_agent_data() {
        let mut r = record(json!([]));
        r.agent_data = Some(Doc::new(r#"{"sdk": "", "framework": "langgraph"}"#));
        r.metadata = Some(Doc::new(r#"{"sdk": "old", "env": "prod"}"#));
        assert_eq!(
            agent_json(&r)["metadata"],
            json!({"sdk": "langgraph", "env": "prod"})
        );
        r.metadata = None;
        assert_eq!(agent_json(&r)["metadata"], json!({"sdk": "langgraph"}));
        r.agent_data = Some(Doc::new(r#"{"name": "x"}"#));
        assert!(agent_json(&r).get("metadata").is_none());
    }
}
