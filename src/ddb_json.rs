//! DynamoDB's JSON wire form of an item (`{"attr": {"S": "..."}}`), as the AWS CLI,
//! `boto3`'s low-level client and DynamoDB exports write it. Used to load demo and
//! fixture items; the service itself receives items from the SDK.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use crate::record::Item;

/// Reads one item in DynamoDB JSON.
pub fn item_from_json(json: &Value) -> Result<Item, String> {
    let object = json.as_object().ok_or("an item must be a JSON object")?;
    object
        .iter()
        .map(|(name, value)| {
            Ok((
                name.clone(),
                attribute(value).map_err(|e| format!("{name}: {e}"))?,
            ))
        })
        .collect()
}

fn attribute(json: &Value) -> Result<AttributeValue, String> {
    let object = json
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or("expected {\"<type>\": value}")?;
    let (kind, value) = object.iter().next().ok_or("empty attribute")?;
    let text = || {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("{kind} needs a string"))
    };
    let texts = || -> Result<Vec<String>, String> {
        value
            .as_array()
            .ok_or(format!("{kind} needs a list"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or(format!("{kind} needs strings"))
            })
            .collect()
    };
    Ok(match kind.as_str() {
        "S" => AttributeValue::S(text()?),
        "N" => AttributeValue::N(text()?),
        "B" => AttributeValue::B(Blob::new(base64_decode(&text()?)?)),
        "BOOL" => AttributeValue::Bool(value.as_bool().ok_or("BOOL needs a boolean")?),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(texts()?),
        "NS" => AttributeValue::Ns(texts()?),
        "L" => AttributeValue::L(
            value
                .as_array()
                .ok_or("L needs a list")?
                .iter()
                .map(attribute)
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(item_from_json(value)?),
        other => return Err(format!("unsupported attribute type {other}")),
    })
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .ok_or("invalid base64")? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_attribute_type() {
        let json: Value = serde_json::from_str(
            r#"{"s":{"S":"x"},"n":{"N":"1"},"b":{"B":"aGk="},"t":{"BOOL":true},"z":{"NULL":true},
                "l":{"L":[{"S":"a"}]},"m":{"M":{"k":{"N":"2"}}},"ss":{"SS":["a","b"]}}"#,
        )
        .unwrap();
        let item = item_from_json(&json).unwrap();
        assert_eq!(item["s"], AttributeValue::S("x".into()));
        assert_eq!(item["b"], AttributeValue::B(Blob::new(b"hi".to_vec())));
        assert_eq!(
            item["l"],
            AttributeValue::L(vec![AttributeValue::S("a".into())])
        );
        assert!(item_from_json(&serde_json::json!({"x": {"Q": 1}})).is_err());
    }
}
