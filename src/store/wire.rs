//! DynamoDB's JSON wire form of an item (`{"attr": {"S": "..."}}`), read with
//! `serde_json`: `GetItem` answers, and the fixture, demo and benchmark items written
//! the same way (as the AWS CLI and DynamoDB exports write them).
//!
//! Why not the SDK's reader for `GetItem`: it tokenizes the answer byte by byte and unescapes strings
//! one character at a time; on a 300 KB session (whose documents are JSON text inside
//! JSON strings, so full of escapes) that was about a third of the CPU time of a
//! request. This interceptor swaps in a `serde_json` reader of the same answer for
//! `GetItem` responses with status 200 only, so the SDK's timeouts, retries and error
//! handling are untouched: errors are still read by the SDK.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{Error, Output};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata, OrchestratorError};
use aws_smithy_runtime_api::client::ser_de::{DeserializeResponse, SharedResponseDeserializer};
use aws_smithy_types::body::SdkBody;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::item::Item;

/// The most of an answer read from DynamoDB. An item holds at most 400 KB and a Query
/// page 1 MB, which JSON escaping makes at most six times larger: anything longer is
/// not DynamoDB's answer, and is cut off rather than read into memory.
pub(super) const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Caps every answer's body at [`MAX_ANSWER_BYTES`], and installs [`GetItemReader`] for
/// `GetItem` answers with status 200.
#[derive(Debug, Default)]
pub(super) struct FastGetItem;

impl Intercept for FastGetItem {
    fn name(&self) -> &'static str {
        "FastGetItem"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let declared = context
            .response()
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
            return Err("the answer is larger than any DynamoDB answer can be".into());
        }
        // Without a length (chunked), the body stops with an error at the cap.
        let body = std::mem::replace(context.response_mut().body_mut(), SdkBody::taken());
        *context.response_mut().body_mut() =
            SdkBody::from_body_1_x(http_body_util::Limited::new(body, MAX_ANSWER_BYTES));
        let is_get_item = cfg
            .load::<Metadata>()
            .is_some_and(|m| m.name() == "GetItem");
        if is_get_item && context.response().status().as_u16() == 200 {
            cfg.interceptor_state()
                .store_put(SharedResponseDeserializer::new(GetItemReader));
        }
        Ok(())
    }
}

/// Reads `{"Item": {...}}` into a [`GetItemOutput`].
#[derive(Debug)]
struct GetItemReader;

impl DeserializeResponse for GetItemReader {
    fn deserialize_nonstreaming_with_config(
        &self,
        response: &HttpResponse,
        _cfg: &ConfigBag,
    ) -> Result<Output, OrchestratorError<Error>> {
        let body = response.body().bytes().unwrap_or_default();
        let item = read_get_item(body).map_err(|e| OrchestratorError::response(Box::new(e)))?;
        Ok(Output::erase(
            GetItemOutput::builder().set_item(item).build(),
        ))
    }
}

/// Reads one item in DynamoDB JSON (demo, fixture and benchmark items).
pub fn item_from_json(json: &serde_json::Value) -> Result<Item, serde_json::Error> {
    Map::deserialize(json).map(|m| m.0)
}

/// The `Item` of a `GetItem` answer body, or `None` when there is none.
fn read_get_item(body: &[u8]) -> Result<Option<Item>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "Item", default)]
        item: Option<Map>,
    }
    let answer: Answer = serde_json::from_slice(body)?;
    Ok(answer.item.map(|m| m.0))
}

/// A map of attributes (`Item`, `M`).
struct Map(HashMap<String, AttributeValue>);

impl<'de> Deserialize<'de> for Map {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = Map;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of attribute values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Map, A::Error> {
                let mut out = HashMap::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(name) = map.next_key::<String>()? {
                    out.insert(name, map.next_value::<Attr>()?.0);
                }
                Ok(Map(out))
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

/// One attribute value in DynamoDB's wire form, `{"<type>": value}`.
struct Attr(AttributeValue);

impl<'de> Deserialize<'de> for Attr {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttrVisitor;
        impl<'de> Visitor<'de> for AttrVisitor {
            type Value = Attr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attr, A::Error> {
                let Some(kind) = map.next_key::<Kind>()? else {
                    return Err(de::Error::custom("empty attribute value"));
                };
                let value = match kind {
                    Kind::S => AttributeValue::S(map.next_value()?),
                    Kind::N => AttributeValue::N(map.next_value()?),
                    Kind::B => AttributeValue::B(blob(map.next_value()?)?),
                    Kind::Bool => AttributeValue::Bool(map.next_value()?),
                    Kind::Null => AttributeValue::Null(map.next_value()?),
                    Kind::M => AttributeValue::M(map.next_value::<Map>()?.0),
                    Kind::L => AttributeValue::L(map.next_value::<List>()?.0),
                    Kind::Ss => AttributeValue::Ss(map.next_value()?),
                    Kind::Ns => AttributeValue::Ns(map.next_value()?),
                    Kind::Bs => AttributeValue::Bs(
                        map.next_value::<Vec<String>>()?
                            .into_iter()
                            .map(blob)
                            .collect::<Result<_, _>>()?,
                    ),
                };
                if map.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("attribute value with several types"));
                }
                Ok(Attr(value))
            }
        }
        deserializer.deserialize_map(AttrVisitor)
    }
}

fn blob<E: de::Error>(text: String) -> Result<Blob, E> {
    aws_smithy_types::base64::decode(&text)
        .map(Blob::new)
        .map_err(|e| E::custom(format!("invalid base64: {e}")))
}

struct List(Vec<AttributeValue>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of attribute values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(Attr(value)) = seq.next_element()? {
                    out.push(value);
                }
                Ok(List(out))
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

#[derive(Deserialize)]
enum Kind {
    S,
    N,
    B,
    #[serde(rename = "BOOL")]
    Bool,
    #[serde(rename = "NULL")]
    Null,
    M,
    L,
    #[serde(rename = "SS")]
    Ss,
    #[serde(rename = "NS")]
    Ns,
    #[serde(rename = "BS")]
    Bs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_attribute_type_as_the_wire_form_says() {
        let item = r#"{"s":{"S":"x \"q\" \u00e9\n"},"n":{"N":"1.5"},"b":{"B":"aGk="},
            "t":{"BOOL":true},"z":{"NULL":true},"l":{"L":[{"S":"a"},{"N":"2"}]},
            "m":{"M":{"k":{"N":"2"},"inner":{"M":{}}}},"ss":{"SS":["a","b"]},
            "ns":{"NS":["1","2"]},"bs":{"BS":["aGk=","AA=="]}}"#;
        let body = format!(r#"{{"Item":{item},"ConsumedCapacity":{{"TableName":"t"}}}}"#);
        let read = read_get_item(body.as_bytes()).unwrap().unwrap();
        let s = |v: &str| AttributeValue::S(v.into());
        let n = |v: &str| AttributeValue::N(v.into());
        let expected: Item = [
            ("s", s("x \"q\" \u{e9}\n")),
            ("n", n("1.5")),
            ("b", AttributeValue::B(Blob::new(b"hi".to_vec()))),
            ("t", AttributeValue::Bool(true)),
            ("z", AttributeValue::Null(true)),
            ("l", AttributeValue::L(vec![s("a"), n("2")])),
            (
                "m",
                AttributeValue::M(
                    [("k", n("2")), ("inner", AttributeValue::M(Item::new()))]
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                ),
            ),
            ("ss", AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ("ns", AttributeValue::Ns(vec!["1".into(), "2".into()])),
            (
                "bs",
                AttributeValue::Bs(vec![Blob::new(b"hi".to_vec()), Blob::new(vec![0])]),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(read, expected);
        // The same reader for items written as files.
        let json: serde_json::Value = serde_json::from_str(item).unwrap();
        assert_eq!(item_from_json(&json).unwrap(), expected);
    }

    #[test]
    fn no_item_and_bad_answers() {
        assert_eq!(read_get_item(b"{}").unwrap(), None);
        assert!(read_get_item(br#"{"Item":{"a":{"Q":"x"}}}"#).is_err());
        assert!(read_get_item(br#"{"Item":{"a":{"S":"x","N":"1"}}}"#).is_err());
        assert!(read_get_item(br#"{"Item":{"a":{}}}"#).is_err());
        assert!(read_get_item(br#"{"Item":{"a":{"B":"not base64!"}}}"#).is_err());
        assert!(read_get_item(b"not json").is_err());
        assert!(item_from_json(&serde_json::json!({"x": {"Q": 1}})).is_err());
        assert!(item_from_json(&serde_json::json!([1])).is_err());
    }
}
