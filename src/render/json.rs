//! Small helpers over raw JSON text, so values AgentOS passes through unchanged are
//! copied, not rebuilt.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Deserializes a field as raw JSON, keeping an explicit `null` (plain `Option<&RawValue>`
/// folds `null` into `None`). Use with `#[serde(default)]` so a missing key stays `None`.
pub fn keep_null<'de, D>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error>
where
    D: Deserializer<'de>,
{
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// `[]` or `{}` (with any inner whitespace): what Python treats as an empty container.
pub fn is_empty_container(raw: &RawValue) -> bool {
    empty_container(raw.get())
}

/// [`is_empty_container`] of a value's JSON text.
pub fn empty_container(text: &str) -> bool {
    let bytes = text.as_bytes();
    matches!(
        (bytes.first(), bytes.last()),
        (Some(b'['), Some(b']')) | (Some(b'{'), Some(b'}'))
    ) && text[1..text.len() - 1].trim().is_empty()
}

/// Python truthiness of a JSON value.
pub fn is_truthy(raw: &RawValue) -> bool {
    truthy(raw.get())
}

/// [`is_truthy`] of a value's JSON text.
pub fn truthy(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'n') | Some(b'f') => false,
        Some(b'"') => text.len() > 2,
        Some(b'[') | Some(b'{') => !empty_container(text),
        Some(b'-' | b'0'..=b'9') => text.parse::<f64>().map(|n| n != 0.0).unwrap_or(true),
        _ => true,
    }
}

pub fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

/// An integer field of an Agno model (pydantic `int`): integers as they are (Python's
/// are unbounded: digits beyond 64 bits are kept as written), and floats with no
/// fractional part as integers, as pydantic's lax mode accepts them.
#[derive(Debug, Clone, PartialEq)]
pub enum Int {
    Signed(i64),
    Unsigned(u64),
    /// An integer literal too large for 64 bits, as stored.
    Big(Box<str>),
}

impl Default for Int {
    fn default() -> Self {
        Int::Signed(0)
    }
}

impl Int {
    pub fn is_zero(&self) -> bool {
        matches!(self, Int::Signed(0) | Int::Unsigned(0))
    }

    /// The integer a JSON value's text stands for, as pydantic's lax `int` reads it.
    pub fn from_json(text: &str) -> Option<Int> {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Int::Signed(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Int::Unsigned(u));
        }
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Int::Big(text.into()));
        }
        match text.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(Int::Signed(f as i64)),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        Int::from_json(raw.get()).ok_or_else(|| D::Error::custom("expected an integer"))
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Int::Signed(i) => serializer.serialize_i64(*i),
            Int::Unsigned(u) => serializer.serialize_u64(*u),
            Int::Big(digits) => {
                use serde::ser::Error;
                RawValue::from_string(digits.to_string())
                    .map_err(S::Error::custom)?
                    .serialize(serializer)
            }
        }
    }
}

/// A JSON object as its entries in stored order, values left raw.
#[derive(Debug, Default)]
pub struct RawObject<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> RawObject<'a> {
    /// The value of `key`: the last one, where the key is repeated, as Python's
    /// `json.loads` keeps it.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// The document as Python's `json.loads` reads it where an object repeats a key: one
/// entry, at the first one's place, with the last one's value (serde's derived readers
/// refuse repeated fields). `None` when nothing is repeated.
pub fn without_duplicate_keys(text: &str) -> Result<Option<String>, serde_json::Error> {
    let raw: &RawValue = serde_json::from_str(text)?;
    let mut out = String::with_capacity(text.len());
    Ok(write_deduplicated(raw, &mut out)?.then_some(out))
}

/// Writes `raw` without repeated keys; whether any were dropped.
fn write_deduplicated(raw: &RawValue, out: &mut String) -> Result<bool, serde_json::Error> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => {
            let object: RawObject = serde_json::from_str(text)?;
            let mut index = std::collections::HashMap::with_capacity(object.0.len());
            let mut entries: Vec<(Cow<str>, &RawValue)> = Vec::with_capacity(object.0.len());
            let mut changed = false;
            for (key, value) in object.0 {
                match index.get(&key) {
                    Some(&at) => {
                        entries[at] = (key, value);
                        changed = true;
                    }
                    None => {
                        index.insert(key.clone(), entries.len());
                        entries.push((key, value));
                    }
                }
            }
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key)?);
                out.push(':');
                changed |= write_deduplicated(value, out)?;
            }
            out.push('}');
            Ok(changed)
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            let mut changed = false;
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                changed |= write_deduplicated(item, out)?;
            }
            out.push(']');
            Ok(changed)
        }
        _ => {
            out.push_str(text);
            Ok(false)
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    entries.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(RawObject(entries))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn empty_containers() {
        assert!(is_empty_container(raw("[]")));
        assert!(is_empty_container(raw("{ }")));
        assert!(!is_empty_container(raw("[1]")));
        assert!(!is_empty_container(raw(r#""[]""#)));
    }

    #[test]
    fn truthiness_follows_python() {
        for falsy in ["null", "false", "0", "0.0", "-0.0", r#""""#, "[]", "{}"] {
            assert!(!is_truthy(raw(falsy)), "{falsy}");
        }
        for truthy in ["true", "1", "-2.5", r#""a""#, "[0]", r#"{"a":null}"#] {
            assert!(is_truthy(raw(truthy)), "{truthy}");
        }
    }

    #[test]
    fn ints_accept_integral_floats_only() {
        let ok: Int = serde_json::from_str("2.0").unwrap();
        assert_eq!(ok, Int::Signed(2));
        let big: Int = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(big, Int::Unsigned(u64::MAX));
        assert!(serde_json::from_str::<Int>("2.5").is_err());
        let huge: Int = serde_json::from_str("99999999999999999999").unwrap();
        assert_eq!(huge, Int::Big("99999999999999999999".into()));
        assert_eq!(
            serde_json::to_string(&huge).unwrap(),
            "99999999999999999999"
        );
        assert!(serde_json::from_str::<Int>("1e20").is_err());
    }

    #[test]
    fn repeated_keys_keep_the_last_value_at_the_first_place() {
        let text = r#"{"a": 1, "b": {"x": 1, "x": [2, {"y": 1, "y": 3}]}, "a": 4}"#;
        assert_eq!(
            without_duplicate_keys(text).unwrap().as_deref(),
            Some(r#"{"a":4,"b":{"x":[2,{"y":3}]}}"#)
        );
        assert_eq!(
            without_duplicate_keys(r#"{"a": [1, {"b": 2}]}"#).unwrap(),
            None
        );
        assert!(serde_json::from_str::<Int>(r#""2""#).is_err());
    }
}
