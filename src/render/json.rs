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
    let text = raw.get();
    let bytes = text.as_bytes();
    matches!(
        (bytes.first(), bytes.last()),
        (Some(b'['), Some(b']')) | (Some(b'{'), Some(b'}'))
    ) && text[1..text.len() - 1].trim().is_empty()
}

/// Python truthiness of a JSON value.
pub fn is_truthy(raw: &RawValue) -> bool {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'n') | Some(b'f') => false,
        Some(b'"') => text.len() > 2,
        Some(b'[') | Some(b'{') => !is_empty_container(raw),
        Some(b'-' | b'0'..=b'9') => text.parse::<f64>().map(|n| n != 0.0).unwrap_or(true),
        _ => true,
    }
}

pub fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

/// An integer field of an Agno model (pydantic `int`): integers as they are, and floats
/// with no fractional part as integers, as pydantic's lax mode accepts them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Int {
    Signed(i64),
    Unsigned(u64),
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
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Number::deserialize(deserializer)? {
            n if n.is_i64() => Ok(Int::Signed(n.as_i64().unwrap_or_default())),
            n if n.is_u64() => Ok(Int::Unsigned(n.as_u64().unwrap_or_default())),
            n => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Int::Signed(f as i64)),
                _ => Err(D::Error::custom(format!("expected an integer, found {n}"))),
            },
        }
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Int::Signed(i) => serializer.serialize_i64(i),
            Int::Unsigned(u) => serializer.serialize_u64(u),
        }
    }
}

/// A JSON object as its entries in stored order, values left raw.
#[derive(Debug, Default)]
pub struct RawObject<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> RawObject<'a> {
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
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
        assert!(serde_json::from_str::<Int>(r#""2""#).is_err());
    }
}
