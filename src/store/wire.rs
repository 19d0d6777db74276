//! DynamoDB's JSON wire form of an item (`{"attr": {"S": "..."}}`), read in one pass:
//! `GetItem` answers, and the fixture, demo and benchmark items written the same way
//! (as the AWS CLI and DynamoDB exports write them).
//!
//! Why not the SDK's reader for `GetItem`: it tokenizes the answer byte by byte and
//! unescapes strings one character at a time; on a 300 KB session (whose documents are
//! JSON text inside JSON strings, so full of escapes) that was about a third of the CPU
//! time of a request. This interceptor swaps in [`Reader`] for `GetItem` responses with
//! status 200 only, so the SDK's timeouts, retries and error handling are untouched:
//! errors are still read by the SDK.

use std::collections::HashMap;

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

use super::item::Item;
use crate::json_string::{self, Invalid};

/// The most of an answer read from DynamoDB. An item holds at most 400 KB and a Query
/// page 1 MB, which JSON escaping makes at most six times larger: anything longer is
/// not DynamoDB's answer, and is cut off rather than read into memory.
pub(super) const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Caps every answer's body at [`MAX_ANSWER_BYTES`], and installs [`GetItemReader`] for
/// `GetItem` answers with status 200.
#[derive(Debug, Default)]
pub(super) struct FastGetItem {
    /// Whether a `GetItem`'s `runs` attribute, when it is an `S`, is kept as DynamoDB
    /// wrote it: the contents of a JSON string, checked but still escaped (see
    /// [`read_get_item_keeping_runs`]).
    ///
    /// Why: the stored runs are JSON text, and most of a big session's answer. The
    /// history is read from that text still escaped and copied, still escaped, into
    /// Lambda's response, where the body is a JSON string too; unescaping it here and
    /// escaping it again there was about a third of a big session's instructions. Only
    /// the client the store keeps for its agent and team session reads asks for it, so
    /// every other read (a workflow's, a raw `GetItem`) gets the item as usual.
    pub keep_runs: bool,
}

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
                .store_put(SharedResponseDeserializer::new(GetItemReader {
                    keep_runs: self.keep_runs,
                }));
        }
        Ok(())
    }
}

/// Reads `{"Item": {...}}` into a [`GetItemOutput`].
#[derive(Debug)]
struct GetItemReader {
    keep_runs: bool,
}

impl DeserializeResponse for GetItemReader {
    fn deserialize_nonstreaming_with_config(
        &self,
        response: &HttpResponse,
        _cfg: &ConfigBag,
    ) -> Result<Output, OrchestratorError<Error>> {
        let body = response.body().bytes().unwrap_or_default();
        let item = read_item(body, self.keep_runs)
            .map_err(|e| OrchestratorError::response(Box::new(e)))?;
        Ok(Output::erase(
            GetItemOutput::builder().set_item(item).build(),
        ))
    }
}

/// Reads one item in DynamoDB JSON (demo, fixture and benchmark items).
pub fn item_from_json(json: &serde_json::Value) -> Result<Item, WireError> {
    let text = json.to_string();
    let mut reader = Reader::new(text.as_bytes());
    let item = reader.map(false)?;
    reader.end()?;
    Ok(item)
}

/// The `Item` of a `GetItem` answer body, or `None` when there is none (or it is
/// `null`); other members (`ConsumedCapacity`) are checked and skipped.
pub fn read_get_item(body: &[u8]) -> Result<Option<Item>, WireError> {
    read_item(body, false)
}

/// [`read_get_item`], but a `runs` attribute of type `S` holds the string's contents as
/// they are in `body`: checked as JSON, still escaped (`FastGetItem::keep_runs`).
pub fn read_get_item_keeping_runs(body: &[u8]) -> Result<Option<Item>, WireError> {
    read_item(body, true)
}

fn read_item(body: &[u8], keep_runs: bool) -> Result<Option<Item>, WireError> {
    let mut reader = Reader::new(body);
    // `Some(None)`: `"Item": null`.
    let mut item: Option<Option<Item>> = None;
    reader.object(true, |r, key| {
        if std::str::from_utf8(key).is_err() {
            return r.fail("invalid UTF-8 in a string");
        }
        if key != b"Item" {
            return r.skip();
        }
        if item.is_some() {
            return r.fail("duplicate field `Item`");
        }
        item = Some(match r.peek() {
            Some(b'n') => r.literal(b"null").map(|()| None)?,
            _ => Some(r.map(keep_runs)?),
        });
        Ok(())
    })?;
    reader.end()?;
    Ok(item.flatten())
}

/// DynamoDB's answer is not the JSON it should be.
#[derive(Debug, thiserror::Error)]
#[error("{problem} at byte {at} of DynamoDB's answer")]
pub struct WireError {
    problem: &'static str,
    at: usize,
}

impl From<Invalid> for WireError {
    fn from(e: Invalid) -> Self {
        WireError {
            problem: e.problem,
            at: e.at,
        }
    }
}

/// How deep containers may nest, as `serde_json` allows (DynamoDB allows 32).
const MAX_DEPTH: u32 = 128;

/// A single pass over DynamoDB's JSON, strings unescaped as they are copied.
///
/// Why not `serde_json`: a stored document is JSON text inside a JSON string, so it
/// has a backslash every few bytes, and `serde_json` copies each run between two with
/// a call of its own; it was the largest part of a 300 KB session's request. Both read
/// the same grammar: `tests` and the `read_wire` fuzz target hold this one to it.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: u32,
}

type Read<T> = Result<T, WireError>;

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            at: 0,
            depth: MAX_DEPTH,
        }
    }

    fn fail<T>(&self, problem: &'static str) -> Read<T> {
        Err(WireError {
            problem,
            at: self.at,
        })
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.at += 1,
                _ => return Some(b),
            }
        }
        None
    }

    fn eat(&mut self, byte: u8, problem: &'static str) -> Read<()> {
        if self.peek() != Some(byte) {
            return self.fail(problem);
        }
        self.at += 1;
        Ok(())
    }

    /// Nothing but whitespace left.
    fn end(&mut self) -> Read<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail("trailing characters"),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Read<()> {
        self.peek();
        match self.bytes.get(self.at..self.at + word.len()) {
            Some(found) if found == word => {
                self.at += word.len();
                Ok(())
            }
            _ => self.fail("expected a value"),
        }
    }

    fn bool(&mut self) -> Read<bool> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => self.fail("expected a boolean"),
        }
    }

    /// `{"key": value, …}`: `each` reads each value, given its key (`strict` as in
    /// [`Self::string_into`]).
    fn object(
        &mut self,
        strict: bool,
        mut each: impl FnMut(&mut Self, &[u8]) -> Read<()>,
    ) -> Read<()> {
        let mut key = Vec::new();
        let member = |r: &mut Self| {
            if r.peek() != Some(b'"') {
                return r.fail("expected a key");
            }
            key.clear();
            r.string_into(&mut key, strict)?;
            r.eat(b':', "expected ':'")?;
            each(r, &key)
        };
        self.delimited(
            b'{',
            b'}',
            "expected an object",
            "expected ',' or '}'",
            member,
        )
    }

    /// `[value, …]`: `each` reads each value.
    fn array(&mut self, each: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        self.delimited(b'[', b']', "expected an array", "expected ',' or ']'", each)
    }

    /// `open` item (`,` item)* `close`, one level deeper: the shape of both containers.
    fn delimited(
        &mut self,
        open: u8,
        close: u8,
        expected: &'static str,
        separated: &'static str,
        mut item: impl FnMut(&mut Self) -> Read<()>,
    ) -> Read<()> {
        self.eat(open, expected)?;
        self.depth -= 1;
        if self.depth == 0 {
            return self.fail("nested too deeply");
        }
        if self.peek() != Some(close) {
            loop {
                item(self)?;
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b) if b == close => break,
                    _ => return self.fail(separated),
                }
            }
        }
        self.at += 1;
        self.depth += 1;
        Ok(())
    }

    /// A map of attributes (`Item`, `M`); `keep_runs`: a `runs` string's contents are
    /// kept escaped.
    fn map(&mut self, keep_runs: bool) -> Read<HashMap<String, AttributeValue>> {
        let mut map = HashMap::new();
        self.object(true, |r, name| {
            let name = std::str::from_utf8(name)
                .map_err(|_| WireError {
                    problem: "invalid UTF-8 in a string",
                    at: r.at,
                })?
                .to_owned();
            let value = r.attribute(keep_runs && name == "runs")?;
            map.insert(name, value);
            Ok(())
        })?;
        Ok(map)
    }

    /// One attribute value, `{"<type>": value}`.
    fn attribute(&mut self, escaped: bool) -> Read<AttributeValue> {
        let mut value = None;
        self.object(true, |r, kind| {
            if value.is_some() {
                return r.fail("attribute value with several types");
            }
            value = Some(match kind {
                b"S" if escaped => AttributeValue::S(r.escaped_string()?),
                b"S" => AttributeValue::S(r.string()?),
                b"N" => AttributeValue::N(r.string()?),
                b"B" => AttributeValue::B(r.blob()?),
                b"BOOL" => AttributeValue::Bool(r.bool()?),
                b"NULL" => AttributeValue::Null(r.bool()?),
                b"M" => AttributeValue::M(r.map(false)?),
                b"L" => AttributeValue::L(r.list(|r| r.attribute(false))?),
                b"SS" => AttributeValue::Ss(r.list(Self::string)?),
                b"NS" => AttributeValue::Ns(r.list(Self::string)?),
                b"BS" => AttributeValue::Bs(r.list(Self::blob)?),
                _ => return r.fail("unknown attribute type"),
            });
            Ok(())
        })?;
        match value {
            Some(value) => Ok(value),
            None => self.fail("empty attribute value"),
        }
    }

    fn list<T>(&mut self, mut read: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let mut list = Vec::new();
        self.array(|r| {
            list.push(read(r)?);
            Ok(())
        })?;
        Ok(list)
    }

    fn blob(&mut self) -> Read<Blob> {
        let text = self.string()?;
        match aws_smithy_types::base64::decode(&text) {
            Ok(bytes) => Ok(Blob::new(bytes)),
            Err(_) => self.fail("invalid base64"),
        }
    }

    fn string(&mut self) -> Read<String> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        let mut text = Vec::new();
        self.string_into(&mut text, true)?;
        if text.capacity() > 2 * text.len() + 4096 {
            text.shrink_to_fit();
        }
        String::from_utf8(text).map_err(|_| WireError {
            problem: "invalid UTF-8 in a string",
            at: self.at,
        })
    }

    /// The contents of the string that starts here, checked and still escaped.
    fn escaped_string(&mut self) -> Read<String> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        let from = self.at + 1;
        let (end, ascii) = json_string::check(self.bytes, from)?;
        self.at = end;
        let contents = &self.bytes[from..end - 1];
        if ascii {
            // SAFETY: ASCII is UTF-8 (and the check saw every byte of it).
            return Ok(unsafe { std::str::from_utf8_unchecked(contents) }.to_owned());
        }
        match std::str::from_utf8(contents) {
            Ok(contents) => Ok(contents.to_owned()),
            Err(_) => self.fail("invalid UTF-8 in a string"),
        }
    }

    /// Appends the unescaped contents of the string that starts here (at its quote).
    /// Not `strict`, as `serde_json` passes over an ignored value: `\uXXXX` is not
    /// checked for surrogates.
    fn string_into(&mut self, out: &mut Vec<u8>, strict: bool) -> Read<()> {
        self.at = json_string::unescape_into(self.bytes, self.at + 1, out, strict)
            .map_err(WireError::from)?;
        Ok(())
    }

    /// Any JSON value, checked and passed over.
    fn skip(&mut self) -> Read<()> {
        match self.peek() {
            Some(b'{') => self.object(false, |r, _| r.skip()),
            Some(b'[') => self.array(Self::skip),
            Some(b'"') => self.string_into(&mut Vec::new(), false),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.fail("expected a value"),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Read<()> {
        let digits = |r: &mut Self| {
            let start = r.at;
            while r.bytes.get(r.at).is_some_and(u8::is_ascii_digit) {
                r.at += 1;
            }
            if r.at == start {
                return r.fail("invalid number");
            }
            Ok(())
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            _ => digits(self)?,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            digits(self)?;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            digits(self)?;
        }
        Ok(())
    }
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

    #[test]
    fn strings_unescape_as_json_says() {
        let read = |text: &str| {
            let body = format!(r#"{{"Item":{{"s":{{"S":"{text}"}}}}}}"#);
            match read_get_item(body.as_bytes()) {
                Ok(item) => match &item.unwrap()["s"] {
                    AttributeValue::S(s) => Ok(s.clone()),
                    other => panic!("{other:?}"),
                },
                Err(e) => Err(e.to_string()),
            }
        };
        assert_eq!(
            read(r#"{\"a\": \"b\"}"#).unwrap(),
            r#"{\"a\": \"b\"}"#.replace("\\\"", "\"")
        );
        assert_eq!(read(r"\b\f\n\r\t\/\\").unwrap(), "\u{8}\u{c}\n\r\t/\\");
        assert_eq!(
            read(r"\u00e9\u20AC\ud83d\ude00\u0000").unwrap(),
            "\u{e9}\u{20ac}\u{1f600}\0"
        );
        assert_eq!(
            read("long run of plain text, then \\\" and more").unwrap(),
            "long run of plain text, then \" and more"
        );
        for (bad, problem) in [
            (r"\ud800", "lone leading surrogate"),
            (r"\ud800\u0041", "lone leading surrogate"),
            (r"\udc00", "lone trailing surrogate"),
            (r"\x", "invalid escape"),
            (r"\u12G4", "invalid escape"),
            ("tab\there", "control character in a string"),
        ] {
            let error = read(bad).unwrap_err();
            assert!(error.starts_with(problem), "{bad}: {error}");
        }
        assert!(read_get_item(b"{\"Item\":{\"s\":{\"S\":\"abc").is_err());
        assert!(read_get_item(b"{\"Item\":{\"s\":{\"S\":\"\xff\"}}}").is_err());
    }

    proptest::proptest! {
        /// Long strings cross many of the scan's 16-byte chunks and its 8-byte tail.
        #[test]
        fn any_string_reads_back_as_written(
            text in r#"[ -~"\\\n\t\u{0}-\u{1f}é\u{1f600}]{0,900}"#,
        ) {
            let body = format!(r#"{{"Item":{{"s":{{"S":{}}}}}}}"#, serde_json::to_string(&text).unwrap());
            let item = read_get_item(body.as_bytes()).unwrap().unwrap();
            proptest::prop_assert_eq!(&item["s"], &AttributeValue::S(text));
        }
    }

    #[test]
    fn runs_can_be_kept_escaped() {
        let body = br#"{"Item":{"runs":{"S":"[{\"a\": \"\\u00e9\\n\"}, \u00e9]"},
            "session_data":{"S":"{\"b\": 1}"},"m":{"M":{"runs":{"S":"\""}}}}}"#;
        let item = read_get_item_keeping_runs(body).unwrap().unwrap();
        let s = |v: &str| AttributeValue::S(v.into());
        assert_eq!(item["runs"], s(r#"[{\"a\": \"\\u00e9\\n\"}, \u00e9]"#));
        assert_eq!(item["session_data"], s(r#"{"b": 1}"#));
        assert_eq!(
            item["m"],
            AttributeValue::M([("runs".into(), s("\""))].into())
        );
        let plain = read_get_item(body).unwrap().unwrap();
        assert_eq!(plain["runs"], s("[{\"a\": \"\\u00e9\\n\"}, \u{e9}]"));
        // Checked all the same.
        for bad in [r"\x", r"\ud800", "\u{1}"] {
            let body = format!(r#"{{"Item":{{"runs":{{"S":"{bad}"}}}}}}"#);
            assert!(
                read_get_item_keeping_runs(body.as_bytes()).is_err(),
                "{bad:?}"
            );
        }
        let not_utf8 = b"{\"Item\":{\"runs\":{\"S\":\"\xff\"}}}";
        assert!(read_get_item_keeping_runs(not_utf8).is_err());
    }

    #[test]
    fn the_answer_around_the_item() {
        assert_eq!(read_get_item(br#" {"Item": null} "#).unwrap(), None);
        let skipped =
            br#"{"ConsumedCapacity":{"a\udc00":[1,-0.5e+3,true,false,null,"\ud800",{}]},"Item":{}}"#;
        assert_eq!(read_get_item(skipped).unwrap(), Some(Item::new()));
        for bad in [
            &br#"{"Item":{},"Item":{}}"#[..],
            br#"{"Item":{}} x"#,
            br#"{"Item":{},}"#,
            br#"{"x":01}"#,
            br#"{"x":1.}"#,
            br#"{"x":-}"#,
            br#"{"x":tru}"#,
            br#"{"Item":{"a":{"BOOL":"true"}}}"#,
            br#"{"Item":{"a":{"S":1}}}"#,
            br#"[]"#,
            b"",
        ] {
            assert!(
                read_get_item(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = |n: usize| format!("{{\"x\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(read_get_item(deep(126).as_bytes()).is_ok());
        let error = read_get_item(deep(127).as_bytes()).unwrap_err();
        assert!(
            error.to_string().starts_with("nested too deeply"),
            "{error}"
        );
    }
}
