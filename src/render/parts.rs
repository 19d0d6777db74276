//! The pieces of a stored session that the three detail documents share: decoded
//! straight from the stored JSON text, borrowing from it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::RenderError;
use super::json::{Int, is_empty_container, is_object, is_truthy, keep_null};
use super::message::Message;
use super::time::{iso_utc, normalize_isoformat};
use crate::session::{Contract, Doc, Epoch};

/// An empty JSON object, for AgentOS's `{}` defaults.
pub fn empty_object() -> &'static RawValue {
    serde_json::from_str("{}").expect("valid JSON")
}

/// Parses a document attribute, naming it in the error.
pub fn parse<'a, T: Deserialize<'a>>(
    attribute: &'static str,
    doc: &'a Doc,
) -> Result<T, RenderError> {
    serde_json::from_str(doc.as_str()).map_err(|source| RenderError::Json { attribute, source })
}

/// A document attribute passed through as it is (`None` for JSON `null`).
pub fn raw<'a>(
    attribute: &'static str,
    doc: Option<&'a Doc>,
) -> Result<Option<&'a RawValue>, RenderError> {
    match doc {
        None => Ok(None),
        Some(doc) => {
            let raw: &RawValue = parse(attribute, doc)?;
            Ok((raw.get() != "null").then_some(raw))
        }
    }
}

/// A document attribute the schema types as `dict`.
pub fn raw_object<'a>(
    attribute: &'static str,
    doc: Option<&'a Doc>,
) -> Result<Option<&'a RawValue>, RenderError> {
    let raw = raw(attribute, doc)?;
    match raw {
        Some(value) if !is_object(value) => {
            Err(RenderError::shape(attribute, "is not a JSON object"))
        }
        _ => Ok(raw),
    }
}

/// `session_data`, decoded only for the keys the documents read.
#[derive(Debug, Default, Deserialize)]
pub struct SessionData<'a> {
    #[serde(borrow, default)]
    pub session_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub session_state: Option<&'a RawValue>,
    /// `Some("null")` when stored as null, `None` when missing: AgentOS answers
    /// `metrics: null` for the first and `metrics: {}` for the second.
    #[serde(borrow, default, deserialize_with = "keep_null")]
    pub session_metrics: Option<&'a RawValue>,
}

/// The decoded `session_data` and whether Python would find it truthy (non-empty).
pub struct Data<'a> {
    pub fields: SessionData<'a>,
    pub raw: Option<&'a RawValue>,
}

impl<'a> Data<'a> {
    pub fn parse(doc: Option<&'a Doc>) -> Result<Self, RenderError> {
        let raw = raw_object("session_data", doc)?;
        let fields = match raw {
            Some(raw) => serde_json::from_str(raw.get()).map_err(|source| RenderError::Json {
                attribute: "session_data",
                source,
            })?,
            None => SessionData::default(),
        };
        Ok(Data { fields, raw })
    }

    /// `if session.session_data`: present and not `{}`.
    pub fn truthy(&self) -> bool {
        self.raw.is_some_and(|raw| !is_empty_container(raw))
    }

    /// `session_data.get("session_state")` when `session_data` is truthy.
    pub fn session_state(&self) -> Option<&'a RawValue> {
        self.fields.session_state.filter(|_| self.truthy())
    }

    /// `session_data.get("session_metrics", {})` when `session_data` is truthy.
    pub fn metrics(&self) -> Option<&'a RawValue> {
        if !self.truthy() {
            return None;
        }
        match self.fields.session_metrics {
            None => Some(empty_object()),
            Some(raw) if raw.get() == "null" => None,
            Some(raw) => Some(raw),
        }
    }

    /// `session_metrics.get("total_tokens")`, as pydantic's `Optional[int]`.
    pub fn total_tokens(&self) -> Result<Option<Int>, RenderError> {
        #[derive(Deserialize)]
        struct Totals {
            #[serde(default)]
            total_tokens: Option<Int>,
        }
        match self.metrics() {
            Some(raw) if is_object(raw) => serde_json::from_str::<Totals>(raw.get())
                .map(|t| t.total_tokens)
                .map_err(|source| RenderError::Json {
                    attribute: "session_data",
                    source,
                }),
            Some(_) => Err(RenderError::shape(
                "session_data",
                "has session_metrics that is not an object",
            )),
            None => Ok(None),
        }
    }
}

/// `SessionSummary.from_dict(...).to_dict()`.
#[derive(Debug, Deserialize, Serialize)]
pub struct Summary<'a> {
    #[serde(borrow)]
    pub summary: &'a RawValue,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Cow<'a, RawValue>>,
}

impl<'a> Summary<'a> {
    pub fn parse(doc: Option<&'a Doc>) -> Result<Option<Self>, RenderError> {
        let Some(raw) = raw_object("summary", doc)? else {
            return Ok(None);
        };
        let mut summary: Summary =
            serde_json::from_str(raw.get()).map_err(|source| RenderError::Json {
                attribute: "summary",
                source,
            })?;
        if summary.summary.get() == "null" {
            return Err(RenderError::shape("summary", "has a null summary"));
        }
        // `updated_at` goes through datetime.fromisoformat(...).isoformat() when truthy.
        summary.updated_at = match summary.updated_at.take() {
            Some(at) if !is_truthy(&at) => None,
            Some(at) => Some(normalized_timestamp(at)),
            None => None,
        };
        Ok(Some(summary))
    }
}

fn normalized_timestamp(at: Cow<'_, RawValue>) -> Cow<'_, RawValue> {
    let Ok(text) = serde_json::from_str::<Cow<str>>(at.get()) else {
        return at;
    };
    match normalize_isoformat(&text) {
        Some(iso) if iso != text => match serde_json::value::to_raw_value(&iso) {
            Ok(raw) => Cow::Owned(raw),
            Err(_) => at,
        },
        _ => at,
    }
}

/// One stored run, decoded for chat history and session names only.
#[derive(Debug, Deserialize)]
pub struct Run<'a> {
    /// Raw, `null` kept: team sessions keep runs that *have* the key.
    #[serde(borrow, default, deserialize_with = "keep_null")]
    pub agent_id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "keep_null")]
    pub team_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub messages: Option<Vec<Message<'a>>>,
    /// The run's input (workflow runs: as given; agno 3.x agent and team runs: a
    /// `RunInput` dict).
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    /// agno 3.x: set on member runs, which stay out of the chat history.
    #[serde(borrow, default)]
    pub parent_run_id: Option<&'a RawValue>,
    /// agno 3.x: a member run stored without its id still names its agent or team.
    #[serde(borrow, default)]
    pub agent_name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub team_name: Option<&'a RawValue>,
    /// agno 3.x workflow runs: `WorkflowMetrics`, which must have `steps`.
    #[serde(borrow, default)]
    pub metrics: Option<&'a RawValue>,
}

impl<'a> Run<'a> {
    /// `run.get("agent_id")` truthy, after Agno's round trip drops `None`.
    pub fn has_agent(&self) -> bool {
        self.agent_id.is_some_and(is_truthy)
    }

    /// agno 3.x's `get_run_type(run) == "workflow"`: no agent or team names it.
    pub fn is_workflow_run(&self) -> bool {
        ![self.agent_id, self.agent_name, self.team_id, self.team_name]
            .into_iter()
            .flatten()
            .any(is_truthy)
    }

    /// Whether `WorkflowRunOutput.from_dict` can read it: its metrics, when given, are
    /// `WorkflowMetrics` (with `steps`). agno 3.1.10 answers 500 for a session holding
    /// one it cannot read (a team run stored without its `team_id`, say); here such a
    /// run is skipped, as every other run that is not a workflow's.
    pub fn is_readable_workflow_run(&self) -> bool {
        #[derive(Deserialize)]
        struct Steps<'s> {
            #[serde(borrow, default)]
            steps: Option<&'s RawValue>,
        }
        match self.metrics.filter(|m| is_truthy(m)) {
            None => true,
            Some(metrics) => serde_json::from_str::<Steps>(metrics.get())
                .is_ok_and(|m| m.steps.is_some_and(is_object)),
        }
    }
}

/// A slot in the stored `runs` list: a run, or `None` for an element that is not an
/// object (Agno skips those).
struct Slot<'a>(Option<Run<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Slot<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Slot<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a run")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<Self::Value, M::Error> {
                Run::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|r| Slot(Some(r)))
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(
                self,
                mut seq: S,
            ) -> Result<Self::Value, S::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Slot(None))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Slot(None))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The stored runs, as Agno's session classes load them.
pub struct Runs<'a>(pub Vec<Run<'a>>);

impl<'a> Runs<'a> {
    /// The first object run, non-objects skipped (workflow sessions, which need only
    /// that one for their name). Reads no further than that run: the rest of a big
    /// session is not even scanned.
    pub fn first(doc: Option<&'a Doc>) -> Result<Option<Run<'a>>, RenderError> {
        Self::first_where(doc, |_| true)
    }

    /// The first object run that `wanted` accepts, reading no further.
    pub fn first_where(
        doc: Option<&'a Doc>,
        wanted: impl Fn(&Run<'a>) -> bool,
    ) -> Result<Option<Run<'a>>, RenderError> {
        let Some(doc) = doc else {
            return Ok(None);
        };
        let text = doc.as_str();
        let err = |source| RenderError::Json {
            attribute: "runs",
            source,
        };
        let trimmed = text.trim_start();
        let Some(mut rest) = trimmed.strip_prefix('[') else {
            // Not a list: `null`, or a shape Agno cannot load (checked as a whole).
            let slots: Option<Vec<Slot>> = parse("runs", doc)?;
            return Ok(slots
                .into_iter()
                .flatten()
                .filter_map(|s| s.0)
                .find(|r| wanted(r)));
        };
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || rest.starts_with(']') {
                return Ok(None);
            }
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Slot>();
            match values.next() {
                Some(Ok(Slot(Some(run)))) if wanted(&run) => return Ok(Some(run)),
                Some(Ok(Slot(_))) => {
                    rest = rest[values.byte_offset()..].trim_start();
                    rest = rest.strip_prefix(',').unwrap_or(rest);
                }
                Some(Err(e)) => return Err(err(e)),
                None => return Ok(None),
            }
        }
    }

    /// Agent and team sessions load runs only when the first element is an object.
    pub fn parse_if_first_is_object(doc: Option<&'a Doc>) -> Result<Self, RenderError> {
        let Some(doc) = doc else {
            return Ok(Runs(Vec::new()));
        };
        let slots: Option<Vec<Slot>> = parse("runs", doc)?;
        let slots = slots.unwrap_or_default();
        if slots.first().is_none_or(|s| s.0.is_none()) {
            return Ok(Runs(Vec::new()));
        }
        Ok(Runs(slots.into_iter().filter_map(|s| s.0).collect()))
    }

    /// `get_chat_history()`, rendered as `Message.to_dict()`. agno 2.1.10: every
    /// message of every run except history replays. agno 3.1.10: also without system
    /// and tool messages, and only from top-level runs (not a team's member runs).
    pub fn into_chat_history(self, contract: Contract) -> Vec<Message<'a>> {
        let v3 = contract == Contract::V3_1;
        let mut history: Vec<Message<'a>> = Vec::with_capacity(
            self.0
                .iter()
                .map(|r| r.messages.as_ref().map_or(0, Vec::len))
                .sum(),
        );
        for run in self.0 {
            if v3 && run.parent_run_id.is_some_and(|p| p.get() != "null") {
                continue;
            }
            for mut message in run.messages.into_iter().flatten() {
                let skipped_role = v3 && matches!(message.role.as_ref(), "system" | "tool");
                if !message.from_history && !skipped_role {
                    message.normalize(contract);
                    history.push(message);
                }
            }
        }
        history
    }
}

/// `datetime.fromtimestamp(ts, tz=timezone.utc) if ts else None`, as pydantic writes it.
pub fn datetime(
    attribute: &'static str,
    epoch: Option<Epoch>,
) -> Result<Option<String>, RenderError> {
    match epoch {
        None | Some(Epoch::Int(0)) => Ok(None),
        Some(Epoch::Float(0.0)) => Ok(None),
        Some(epoch) => iso_utc(epoch)
            .map(Some)
            .ok_or_else(|| RenderError::shape(attribute, "is outside the years 1 to 9999")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_input(text: &str) -> Option<String> {
        let doc = Doc::new(text);
        Runs::first(Some(&doc))
            .unwrap()
            .map(|run| run.input.map(|i| i.get().to_owned()).unwrap_or_default())
    }

    #[test]
    fn first_run_skips_non_objects_and_reads_no_further() {
        assert_eq!(
            first_input(r#"[1, "x", [2], {"input": "a"}, {"input": "b"}]"#).as_deref(),
            Some(r#""a""#)
        );
        // What follows the first run is not read, so it does not have to be valid.
        assert_eq!(
            first_input(r#" [ {"input": {"k": 1}} , {broken"#).as_deref(),
            Some(r#"{"k": 1}"#)
        );
        assert_eq!(first_input("[]"), None);
        assert_eq!(first_input("[1, 2]"), None);
        assert_eq!(first_input("null"), None);
        assert!(Runs::first(Some(&Doc::new(r#"[{"input": }]"#))).is_err());
        assert!(Runs::first(Some(&Doc::new(r#"{"a": 1}"#))).is_err());
    }
}
