//! `WorkflowSessionDetailSchema.from_session`.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use super::json::Int;
use super::parts::{Data, Runs, empty_object, raw_object};
use super::python::{DumpError, json_dumps, str_of};
use super::{RenderError, to_body};
use crate::session::{Epoch, SessionRecord};

#[derive(Serialize)]
struct WorkflowSessionDetail<'a> {
    user_id: Option<&'a str>,
    workflow_id: Option<&'a str>,
    workflow_name: Option<&'a str>,
    session_id: &'a str,
    session_name: Cow<'a, str>,
    session_data: &'a RawValue,
    session_state: Option<&'a RawValue>,
    workflow_data: &'a RawValue,
    metadata: &'a RawValue,
    created_at: Option<Int>,
    updated_at: Option<Int>,
}

pub fn render(record: &SessionRecord) -> Result<Vec<u8>, RenderError> {
    let data = Data::parse(record.session_data.as_ref())?;
    // WorkflowSession fills missing dicts with {}.
    let workflow_data =
        raw_object("workflow_data", record.workflow_data.as_ref())?.unwrap_or(empty_object());
    let session_name = match &data.fields.session_name {
        Some(name) => name.clone(),
        None => derived_name(Runs::first(record.runs.as_ref())?, workflow_data)?,
    };
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
        created_at: epoch_int("created_at", record.created_at)?,
        updated_at: epoch_int("updated_at", record.updated_at)?,
    };
    to_body(&document, record)
}

/// `get_session_name` for workflows, given the first run: its input (text as is, a
/// dict as `json.dumps`), else `New <workflow name> Session`, else "".
pub(super) fn derived_name<'a>(
    first: Option<super::parts::Run<'_>>,
    workflow_data: &RawValue,
) -> Result<Cow<'a, str>, RenderError> {
    let Some(first) = first else {
        return Ok(Cow::Borrowed(""));
    };
    let json_err = |source| RenderError::Json {
        attribute: "runs",
        source,
    };
    if let Some(input) = first.input {
        match input.get().as_bytes().first() {
            Some(b'"') => {
                return serde_json::from_str::<String>(input.get())
                    .map(Cow::Owned)
                    .map_err(json_err);
            }
            Some(b'{') => {
                return json_dumps(input)
                    .map(Cow::Owned)
                    .map_err(|e| dump_error("runs", e));
            }
            _ => {}
        }
    }
    #[derive(serde::Deserialize)]
    struct Named<'n> {
        #[serde(borrow, default)]
        name: Option<&'n RawValue>,
    }
    let named: Named =
        serde_json::from_str(workflow_data.get()).map_err(|source| RenderError::Json {
            attribute: "workflow_data",
            source,
        })?;
    match named.name.filter(|n| super::json::is_truthy(n)) {
        Some(name) => {
            let name = str_of(name).map_err(|e| dump_error("workflow_data", e))?;
            Ok(Cow::Owned(format!("New {name} Session")))
        }
        None => Ok(Cow::Borrowed("")),
    }
}

pub(super) fn dump_error(attribute: &'static str, error: DumpError) -> RenderError {
    match error {
        DumpError::Json(source) => RenderError::Json { attribute, source },
        DumpError::TooDeep => RenderError::shape(attribute, "is nested too deeply"),
    }
}

/// Workflow timestamps stay epoch integers (pydantic `Optional[int]`).
fn epoch_int(attribute: &'static str, epoch: Option<Epoch>) -> Result<Option<Int>, RenderError> {
    match epoch {
        None => Ok(None),
        Some(Epoch::Int(i)) => Ok(Some(Int::Signed(i))),
        Some(Epoch::Float(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
            Ok(Some(Int::Signed(f as i64)))
        }
        Some(Epoch::Float(_)) => Err(RenderError::shape(
            attribute,
            "is not a whole number of seconds",
        )),
    }
}
