//! Chat messages: a stored message, read and written back as Agno's
//! `Message.from_dict(...).to_dict()` would, field order included.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::json::{Int, RawObject, empty_container, is_empty_container};
use crate::session::Contract;

/// One stored message, and (after [`Message::normalize`]) its `to_dict()` form.
/// Field order is `Message.to_dict()`'s.
#[derive(Debug, Deserialize, Serialize)]
pub struct Message<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<&'a RawValue>,
    #[serde(default)]
    pub from_history: bool,
    /// agno 3.x.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub compressed_content: Option<&'a RawValue>,
    #[serde(default)]
    pub stop_after_tool_call: bool,
    #[serde(borrow)]
    pub role: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tool_args: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tool_call_error: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub redacted_reasoning_content: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub provider_data: Option<&'a RawValue>,
    /// agno 3.x.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_status: Option<&'a RawValue>,
    /// agno 3.x.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_created_at: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Media<'a>>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<Vec<Media<'a>>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub videos: Option<Vec<Media<'a>>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<Media<'a>>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub audio_output: Option<Media<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub references: Option<References<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics<'a>>,
    /// Agno stamps a message with the time it was built when none is stored; we don't
    /// invent one per request, so a message stored without it is answered without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Int>,
}

impl<'a> Message<'a> {
    /// Applies `to_dict()`'s rules: empty lists and dicts are left out of the first block
    /// of fields, empty media lists and metrics are left out, media gain their defaults.
    /// agno 2.1.10's messages have no 3.x fields.
    pub fn normalize(&mut self, contract: Contract) {
        if contract == Contract::V2_1 {
            self.compressed_content = None;
            self.checkpoint_status = None;
            self.checkpoint_created_at = None;
        }
        for field in [
            &mut self.id,
            &mut self.content,
            &mut self.reasoning_content,
            &mut self.compressed_content,
            &mut self.name,
            &mut self.tool_call_id,
            &mut self.tool_name,
            &mut self.tool_args,
            &mut self.tool_call_error,
            &mut self.tool_calls,
            &mut self.redacted_reasoning_content,
            &mut self.provider_data,
            &mut self.checkpoint_status,
            &mut self.checkpoint_created_at,
        ] {
            if field.is_some_and(|f| f.get() == "null" || is_empty_container(f)) {
                *field = None;
            }
        }
        for (list, kind) in [
            (&mut self.images, MediaKind::Image),
            (&mut self.audio, MediaKind::Audio),
            (&mut self.videos, MediaKind::Video),
            (&mut self.files, MediaKind::File),
        ] {
            match list {
                Some(items) if !items.is_empty() => items.iter_mut().for_each(|m| {
                    m.kind = kind;
                    m.contract = contract;
                }),
                _ => *list = None,
            }
        }
        if let Some(audio) = &mut self.audio_output {
            audio.kind = MediaKind::Audio;
            audio.contract = contract;
        }
        if self.metrics.as_ref().is_some_and(Metrics::is_empty) {
            self.metrics = None;
        }
    }
}

/// A stored `content` value (JSON text) as a string for a session name: the text
/// itself, or for multimodal content its first text part (`Message.get_content_string`;
/// without one, the parts as `json.dumps`, ASCII-escaped by agno 2.1.10, not by 3.1.10).
/// `None` for other values.
pub fn content_text(raw: &str, contract: Contract) -> Option<Cow<'_, str>> {
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<Cow<str>>(raw)
            .ok()
            .map(|c| Cow::Owned(c.into_owned())),
        Some(b'[') => {
            #[derive(Deserialize)]
            struct Part<'p> {
                #[serde(borrow)]
                text: Option<Cow<'p, str>>,
            }
            let first = serde_json::from_str::<Vec<&RawValue>>(raw).ok()?;
            let text = first
                .first()
                .and_then(|p| serde_json::from_str::<Part>(p.get()).ok())
                .and_then(|p| p.text.map(|t| t.into_owned()));
            // No text part: `json.dumps(content)`.
            let text = match (text, contract) {
                (Some(text), _) => text,
                (None, contract) => {
                    let raw: &RawValue = serde_json::from_str(raw).ok()?;
                    match contract {
                        Contract::V2_1 => super::python::json_dumps(raw).ok()?,
                        Contract::V3_1 => super::python::json_dumps_unicode(raw).ok()?,
                    }
                }
            };
            Some(Cow::Owned(text))
        }
        _ => None,
    }
}

/// A stored message's `metrics`, read as the contract being rendered reads it (one
/// pass), and written as its `to_dict()` writes it.
#[derive(Debug)]
// The 2.1 variant stays inline, as the metrics were before: no allocation per message.
#[allow(clippy::large_enum_variant)]
pub enum Metrics<'a> {
    /// agno 2.1.10's `Metrics`, read with its types.
    V2(MessageMetrics<'a>),
    /// agno 3.x's `MessageMetrics`, which keeps values as stored.
    V3(RawObject<'a>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Metrics<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match super::reading() {
            Contract::V2_1 => Metrics::V2(MessageMetrics::deserialize(deserializer)?),
            Contract::V3_1 => Metrics::V3(RawObject::deserialize(deserializer)?),
        })
    }
}

/// agno 3.x's filter of `MessageMetrics` values: no `None`, no integer 0 (`False`
/// included), no empty dict. Agno never stores `None` metrics, so a `null` in a float
/// field is a stored `NaN` (read as `null`), which the filter keeps and FastAPI writes
/// as `null`.
pub(super) fn v3_kept(key: &str, value: &str) -> bool {
    match value {
        "null" => matches!(key, "cost" | "duration" | "time_to_first_token"),
        "0" | "-0" | "false" => false,
        _ => !(value.starts_with('{') && empty_container(value)),
    }
}

/// agno 3.1.10's `MessageMetrics` fields, in `asdict` order (`timer` dropped).
pub(super) const METRICS_V3_KEYS: [&str; 13] = [
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "audio_input_tokens",
    "audio_output_tokens",
    "audio_total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost",
    "duration",
    "time_to_first_token",
    "provider_metrics",
];

impl Metrics<'_> {
    fn v3_kept(key: &str, value: &RawValue) -> bool {
        v3_kept(key, value.get())
    }

    fn is_empty(&self) -> bool {
        match self {
            Metrics::V2(metrics) => metrics.is_empty(),
            Metrics::V3(raw) => !METRICS_V3_KEYS
                .iter()
                .any(|k| raw.get(k).is_some_and(|v| Self::v3_kept(k, v))),
        }
    }
}

impl Serialize for Metrics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Metrics::V2(metrics) => metrics.serialize(serializer),
            Metrics::V3(raw) => {
                let mut map = serializer.serialize_map(None)?;
                for key in METRICS_V3_KEYS {
                    if let Some(value) = raw.get(key).filter(|v| Self::v3_kept(key, v)) {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }
    }
}

/// `Message.metrics` (`Metrics.to_dict()`): zero counters and empty values left out.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct MessageMetrics<'a> {
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub input_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub output_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub total_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub audio_input_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub audio_output_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub audio_total_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub cache_read_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub cache_write_tokens: Int,
    #[serde(default, skip_serializing_if = "Int::is_zero")]
    pub reasoning_tokens: Int,
    /// `Some(None)` for a stored `NaN` (read as `null`): Agno keeps it, FastAPI writes
    /// `null`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "absent_or_zero"
    )]
    pub time_to_first_token: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "absent_or_zero"
    )]
    pub duration: Option<Option<f64>>,
    #[serde(borrow, default, skip_serializing_if = "none_or_empty")]
    pub provider_metrics: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "none_or_empty")]
    pub additional_metrics: Option<&'a RawValue>,
}

/// A field that is present, possibly `null`.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(deserializer).map(Some)
}

fn absent_or_zero(value: &Option<Option<f64>>) -> bool {
    matches!(value, None | Some(Some(0.0)))
}

fn none_or_empty(value: &Option<&RawValue>) -> bool {
    value.is_none_or(is_empty_container)
}

impl MessageMetrics<'_> {
    fn is_empty(&self) -> bool {
        [
            &self.input_tokens,
            &self.output_tokens,
            &self.total_tokens,
            &self.audio_input_tokens,
            &self.audio_output_tokens,
            &self.audio_total_tokens,
            &self.cache_read_tokens,
            &self.cache_write_tokens,
            &self.reasoning_tokens,
        ]
        .into_iter()
        .all(Int::is_zero)
            && absent_or_zero(&self.time_to_first_token)
            && absent_or_zero(&self.duration)
            && none_or_empty(&self.provider_metrics)
            && none_or_empty(&self.additional_metrics)
    }
}

/// `MessageReferences.model_dump()`: all three fields, `null` included.
#[derive(Debug, Deserialize, Serialize)]
pub struct References<'a> {
    #[serde(borrow)]
    pub query: Cow<'a, str>,
    #[serde(borrow, default)]
    pub references: Option<&'a RawValue>,
    #[serde(default)]
    pub time: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum MediaKind {
    #[default]
    Image,
    Audio,
    Video,
    File,
}

impl MediaKind {
    /// The keys of each media type's `to_dict()`, in order.
    fn keys(self) -> &'static [&'static str] {
        match self {
            MediaKind::Image => &[
                "id",
                "url",
                "filepath",
                "format",
                "mime_type",
                "detail",
                "original_prompt",
                "revised_prompt",
                "alt_text",
                "content",
            ],
            MediaKind::Audio => &[
                "id",
                "url",
                "filepath",
                "format",
                "mime_type",
                "duration",
                "sample_rate",
                "channels",
                "transcript",
                "expires_at",
                "content",
            ],
            MediaKind::Video => &[
                "id",
                "url",
                "filepath",
                "format",
                "mime_type",
                "duration",
                "width",
                "height",
                "fps",
                "eta",
                "original_prompt",
                "revised_prompt",
                "content",
            ],
            MediaKind::File => &[
                "id",
                "url",
                "filepath",
                "content",
                "mime_type",
                "file_type",
                "filename",
                "size",
                "external",
                "format",
                "name",
            ],
        }
    }

    /// The keys `Message.from_dict` keeps when it rebuilds a media item from base64
    /// `content` (`<Media>.from_base64(content, id=…, …)` drops the rest).
    fn keys_with_content(self) -> &'static [&'static str] {
        match self {
            MediaKind::Image | MediaKind::Video => &["id", "mime_type", "format", "content"],
            MediaKind::Audio => &[
                "id",
                "mime_type",
                "transcript",
                "expires_at",
                "sample_rate",
                "channels",
                "content",
            ],
            MediaKind::File => &["id", "mime_type", "filename", "name", "format", "content"],
        }
    }

    /// Defaults the model fills in when the key is absent.
    fn default_for(self, key: &str) -> Option<&'static str> {
        match (self, key) {
            (MediaKind::Audio, "sample_rate") => Some("24000"),
            (MediaKind::Audio, "channels") => Some("1"),
            _ => None,
        }
    }
}

/// A media item (image, audio, video, file), written back with its type's keys in
/// order and nulls left out.
#[derive(Debug)]
pub struct Media<'a> {
    fields: RawObject<'a>,
    kind: MediaKind,
    contract: Contract,
}

impl<'de: 'a, 'a> Deserialize<'de> for Media<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Media {
            fields: RawObject::deserialize(deserializer)?,
            kind: MediaKind::Image,
            contract: Contract::V2_1,
        })
    }
}

impl Serialize for Media<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let v3 = self.contract == Contract::V3_1;
        // agno 3.x: a media reference wins over base64 content, and keeps every key.
        let reference = self
            .fields
            .get("media_reference")
            .filter(|r| v3 && r.get().starts_with('{'));
        let from_base64 = reference.is_none()
            && self
                .fields
                .get("content")
                .is_some_and(|c| c.get().starts_with('"'));
        for &key in self.kind.keys() {
            if from_base64 && !self.kind.keys_with_content().contains(&key) {
                continue;
            }
            // agno 3.x writes the content (or the reference) after every other key.
            if v3 && key == "content" {
                continue;
            }
            match self.fields.get(key) {
                Some(value) if value.get() != "null" => map.serialize_entry(key, value)?,
                Some(_) => {}
                None => {
                    if let Some(default) = self.kind.default_for(key) {
                        map.serialize_entry(key, &RawNumber(default))?;
                    }
                }
            }
        }
        if v3 {
            match reference {
                Some(reference) => map.serialize_entry("media_reference", reference)?,
                None => {
                    if let Some(content) = self.fields.get("content").filter(|c| c.get() != "null")
                    {
                        map.serialize_entry("content", content)?;
                    }
                }
            }
            if let Some(metadata) = self
                .fields
                .get("metadata")
                .filter(|m| super::json::is_truthy(m))
            {
                map.serialize_entry("metadata", metadata)?;
            }
        }
        map.end()
    }
}

/// A literal JSON number written as is.
struct RawNumber(&'static str);

impl Serialize for RawNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0
            .parse::<u64>()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(stored: &str) -> String {
        let mut message: Message = serde_json::from_str(stored).unwrap();
        message.normalize(Contract::V2_1);
        serde_json::to_string(&message).unwrap()
    }

    #[test]
    fn to_dict_order_defaults_and_empty_values() {
        let stored = r#"{"created_at": 5, "role": "assistant", "content": "hi", "tool_calls": [],
            "metrics": {"input_tokens": 3, "output_tokens": 0, "duration": 0.5, "provider_metrics": {}},
            "id": "m1", "name": null, "from_history": false}"#;
        assert_eq!(
            render(stored),
            r#"{"id":"m1","content":"hi","from_history":false,"stop_after_tool_call":false,"role":"assistant","metrics":{"input_tokens":3,"duration":0.5},"created_at":5}"#
        );
    }

    #[test]
    fn empty_metrics_are_dropped_and_integral_floats_become_ints() {
        let stored =
            r#"{"role": "user", "content": "", "metrics": {"input_tokens": 0}, "created_at": 7.0}"#;
        assert_eq!(
            render(stored),
            r#"{"content":"","from_history":false,"stop_after_tool_call":false,"role":"user","created_at":7}"#
        );
    }

    #[test]
    fn media_keep_their_type_order_and_defaults() {
        let stored = r#"{"role": "user", "audio": [{"format": "wav", "url": "u", "id": "a1", "transcript": null}],
            "images": []}"#;
        assert_eq!(
            render(stored),
            r#"{"from_history":false,"stop_after_tool_call":false,"role":"user","audio":[{"id":"a1","url":"u","format":"wav","sample_rate":24000,"channels":1}]}"#
        );
    }

    #[test]
    fn references_dump_all_fields() {
        let stored = r#"{"role": "user", "references": {"query": "q"}}"#;
        assert_eq!(
            render(stored),
            r#"{"from_history":false,"stop_after_tool_call":false,"role":"user","references":{"query":"q","references":null,"time":null}}"#
        );
    }

    #[test]
    fn content_text_for_names() {
        assert_eq!(
            content_text(r#""caf\u00e9""#, Contract::V2_1).unwrap(),
            "café"
        );
        let parts = r#"[{"type":"text","text":"look"},{"type":"image"}]"#;
        assert_eq!(content_text(parts, Contract::V2_1).unwrap(), "look");
        assert_eq!(
            content_text(r#"[{"type":"image","url":"é"}]"#, Contract::V2_1).unwrap(),
            r#"[{"type": "image", "url": "\u00e9"}]"#
        );
        assert_eq!(
            content_text(r#"[{"type":"image","url":"é"}]"#, Contract::V3_1).unwrap(),
            r#"[{"type": "image", "url": "é"}]"#
        );
        assert!(content_text("7", Contract::V2_1).is_none());
    }
}
