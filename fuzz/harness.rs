//! The fuzz harnesses, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/`) and by
//! the short pass CI runs with the tests (`tests/it/fuzz_pass.rs`): two build a stored
//! item from fuzzer input, decode it, render it as each session type, and panic if an
//! answer is not well-formed JSON; one sends fuzzer input as an `Authorization` header
//! (or authorizer claims) through the authorization path, and panics if a token is let
//! in that does not carry a valid signature. Any other panic inside is a bug found.

use agno_session_lambda::testing::{Item, decode, render};
use agno_session_lambda::{Contract, SessionType};
use std::cell::Cell;

use arbitrary::{Arbitrary, Unstructured};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

/// The attributes `render_text` fills, in input order.
pub const FIELDS: [&str; 16] = [
    "session_id",
    "session_type",
    "user_id",
    "agent_id",
    "team_id",
    "workflow_id",
    "workflow_name",
    "session_data",
    "agent_data",
    "team_data",
    "workflow_data",
    "metadata",
    "runs",
    "summary",
    "created_at",
    "updated_at",
];

/// Stored JSON text: the input is the text of up to sixteen attributes, separated by
/// 0x1E, in the order of `FIELDS` (empty: absent); documents are JSON text in `S`
/// attributes as Agno writes them, timestamps `N` (seeds: `fuzz/seeds/render_text`,
/// the demo sessions in this form).
pub fn render_text(data: &[u8]) {
    let mut item = Item::new();
    for (name, text) in FIELDS.iter().zip(data.split(|&b| b == 0x1E)) {
        if text.is_empty() && *name != "session_id" {
            continue;
        }
        let text = String::from_utf8_lossy(text).into_owned();
        let value = if name.ends_with("_at") {
            AttributeValue::N(text)
        } else {
            AttributeValue::S(text)
        };
        item.insert((*name).to_owned(), value);
    }
    render_all(item);
}

/// Attribute names `render_item` draws from besides `FIELDS` (then `k<n>`).
const MORE_NAMES: [&str; 2] = ["messages", "role"];

/// Any DynamoDB attribute value, nested maps and lists included (32 levels at most,
/// as DynamoDB allows).
#[derive(Debug)]
pub enum Value {
    S(String),
    N(String),
    Int(i64),
    Float(f64),
    B(Vec<u8>),
    Bool(bool),
    Null,
    Ss(Vec<String>),
    Ns(Vec<String>),
    Bs(Vec<Vec<u8>>),
    L(Vec<Value>),
    M(Vec<(u8, Value)>),
}

impl<'a> Arbitrary<'a> for Value {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        // Derived, the recursion is as deep as the input is long: generating (and
        // dropping) a value could overflow the stack before the renderer is reached.
        thread_local!(static DEPTH: Cell<u32> = const { Cell::new(0) });
        let depth = DEPTH.get();
        let kinds = if depth >= 32 { 9 } else { 11 };
        DEPTH.set(depth + 1);
        let value = (|| {
            Ok(match u.int_in_range(0..=kinds)? {
                0 => Value::S(u.arbitrary()?),
                1 => Value::N(u.arbitrary()?),
                2 => Value::Int(u.arbitrary()?),
                3 => Value::Float(u.arbitrary()?),
                4 => Value::B(u.arbitrary()?),
                5 => Value::Bool(u.arbitrary()?),
                6 => Value::Null,
                7 => Value::Ss(u.arbitrary()?),
                8 => Value::Ns(u.arbitrary()?),
                9 => Value::Bs(u.arbitrary()?),
                10 => Value::L(u.arbitrary()?),
                _ => Value::M(u.arbitrary()?),
            })
        })();
        DEPTH.set(depth);
        value
    }
}

impl Value {
    fn into_attribute(self, depth: u32) -> AttributeValue {
        // DynamoDB nests 32 levels at most.
        if depth > 32 {
            return AttributeValue::Null(true);
        }
        match self {
            Value::S(s) => AttributeValue::S(s),
            Value::N(n) => AttributeValue::N(n),
            Value::Int(i) => AttributeValue::N(i.to_string()),
            Value::Float(f) => AttributeValue::N(f.to_string()),
            Value::B(b) => AttributeValue::B(Blob::new(b)),
            Value::Bool(b) => AttributeValue::Bool(b),
            Value::Null => AttributeValue::Null(true),
            Value::Ss(v) => AttributeValue::Ss(v),
            Value::Ns(v) => AttributeValue::Ns(v),
            Value::Bs(v) => AttributeValue::Bs(v.into_iter().map(Blob::new).collect()),
            Value::L(v) => {
                AttributeValue::L(v.into_iter().map(|v| v.into_attribute(depth + 1)).collect())
            }
            Value::M(v) => AttributeValue::M(
                v.into_iter()
                    .map(|(k, v)| (name(k), v.into_attribute(depth + 1)))
                    .collect(),
            ),
        }
    }
}

fn name(k: u8) -> String {
    FIELDS
        .iter()
        .chain(&MORE_NAMES)
        .nth(usize::from(k))
        .map_or_else(|| format!("k{k}"), |n| (*n).to_owned())
}

/// Items of any shape: every attribute the record reads may be absent or hold any
/// DynamoDB type, as an item written by another tool might.
pub fn render_item(attributes: Vec<(u8, Value)>) {
    let item: Item = attributes
        .into_iter()
        .map(|(k, v)| (name(k), v.into_attribute(0)))
        .collect();
    render_all(item);
}

/// Decoding fails cleanly or the record renders; an answer is well-formed JSON
/// (RFC 8259 grammar: stored numbers pass through as written, whatever their size).
fn render_all(item: Item) {
    let Ok(record) = decode(item) else {
        return;
    };
    let every = SessionType::ALL
        .into_iter()
        .flat_map(|t| [(t, Contract::V2_1), (t, Contract::V3_1)]);
    for (session_type, contract) in every {
        if let Ok(body) = render(&record, session_type, contract)
            && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body)
        {
            panic!(
                "{session_type} answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}

/// The configurations `authorize` picks from (its input's first byte): the static key;
/// HS256 with RBAC, isolation, audience and issuer; RS256 from a JWK set; claims from a
/// trusted API Gateway authorizer.
fn auth_configs() -> &'static [agno_session_lambda::Config; 4] {
    use std::sync::OnceLock;
    static CONFIGS: OnceLock<[agno_session_lambda::Config; 4]> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let config = |vars: &[(&str, &str)]| {
            let vars: std::collections::HashMap<String, String> = vars
                .iter()
                .chain(&[("AGENTOS_VERSION", "3.1"), ("METRICS_NAMESPACE", "off")])
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            agno_session_lambda::Config::from_lookup(|n| vars.get(n).cloned()).expect("valid")
        };
        let rbac = [
            ("AUTHORIZATION_ENABLED", "true"),
            ("USER_ISOLATION", "true"),
            ("JWT_AUDIENCE", "fuzz-aud"),
            ("JWT_ISSUER", "https://fuzz.example"),
        ];
        let hs = [
            &rbac[..],
            &[
                ("JWT_VERIFICATION_KEY", HS256_SECRET),
                ("JWT_ALGORITHM", "HS256"),
            ],
        ]
        .concat();
        let jwks = [&rbac[..], &[("JWT_JWKS", JWKS)]].concat();
        [
            config(&[("OS_SECURITY_KEY", "fuzz-security-key")]),
            config(&hs),
            config(&jwks),
            config(&[
                ("TRUST_API_GATEWAY_AUTHORIZER", "true"),
                ("AUTHORIZATION_ENABLED", "true"),
                ("USER_ISOLATION", "true"),
            ]),
        ]
    })
}

const HS256_SECRET: &str = include_str!("../tests/auth3/keys/hs256.secret");
const JWKS: &str = include_str!("../tests/auth3/keys/jwks.json");

/// The `Authorization` header (bytes read as Latin-1, as Starlette reads them), or for
/// the authorizer configuration, claims as JSON: through authentication, the scope
/// check and the isolation rule. Errors are answers; a panic is a bug, and so is a
/// token let in under HS256 whose signature that secret does not make.
pub fn authorize(data: &[u8]) {
    use agno_session_lambda::Caller;
    use agno_session_lambda::testing::{
        Authorizer, Credentials, authenticate, check_scopes, owner,
    };
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let which = usize::from(which % 4);
    let config = &auth_configs()[which];
    let header: String = rest.iter().map(|&b| char::from(b)).collect();
    let mut credentials = Credentials {
        authorization: Some(&header),
        authorizer: Authorizer::None,
    };
    if which == 3 {
        credentials.authorization = None;
        credentials.authorizer = match serde_json::from_slice::<serde_json::Value>(rest) {
            Ok(serde_json::Value::Object(claims)) => Authorizer::ApiGateway(
                agno_session_lambda::Claims::from_payload(&claims, "sub", "scopes"),
            ),
            _ => Authorizer::Unexpected,
        };
    }
    let Ok(caller) = authenticate(config, &credentials, 1_800_000_000.0) else {
        return;
    };
    let _ = check_scopes(&config.auth, &caller);
    let _ = owner(&config.auth, &caller, Some("someone"));
    if which == 1 && matches!(caller, Caller::Identified(_)) {
        // The credential as the service reads it: Python's `str.strip()` also strips
        // U+001C..U+001F, which Rust's `trim` keeps.
        let strip = |t: &str| -> String {
            t.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
                .to_owned()
        };
        let token = match header.get(..7) {
            Some(s) if s.eq_ignore_ascii_case("bearer ") => strip(&header[7..]),
            _ => strip(&header),
        };
        let (message, signature) = token
            .rsplit_once('.')
            .expect("a verified token has segments");
        let key = jsonwebtoken::DecodingKey::from_secret(HS256_SECRET.as_bytes()).unwrap();
        let ok = jsonwebtoken::crypto::verify(
            signature.trim_end_matches('='),
            message.as_bytes(),
            &key,
            jsonwebtoken::Algorithm::HS256,
        );
        assert!(
            matches!(ok, Ok(true)),
            "a token was let in without a valid signature: {token:?}"
        );
    }
}

/// DynamoDB's answer to `GetItem`, read by the service's one-pass reader and by the
/// `serde_json` reader it replaced (`reference`): panics where they disagree. The one
/// difference allowed: values the service skips (`ConsumedCapacity`) may not nest
/// deeper than its limit, where `serde_json` skips any depth.
pub fn read_wire(data: &[u8]) {
    let ours = agno_session_lambda::testing::read_get_item(data);
    // The session's own read keeps `runs` escaped: the same item otherwise, and the
    // kept text is the string as written.
    let kept = agno_session_lambda::testing::read_get_item_keeping_runs(data);
    match (&ours, kept) {
        (Ok(ours), Ok(mut kept)) => {
            if let (Some(ours), Some(kept)) = (ours, &mut kept)
                && let Some(AttributeValue::S(escaped)) = kept.get_mut("runs")
            {
                let plain: String = serde_json::from_str(&format!("\"{escaped}\""))
                    .expect("kept runs are a JSON string's contents");
                assert_eq!(ours.get("runs"), Some(&AttributeValue::S(plain.clone())));
                *escaped = plain;
            }
            assert_eq!(ours, &kept, "keeping runs escaped read another item");
        }
        (Err(_), Err(_)) => {}
        (ours, kept) => panic!("keeping runs escaped: {kept:?}, not {ours:?}"),
    }
    match (ours, reference::read_get_item(data)) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "different items"),
        (Err(_), Err(_)) => {}
        (Ok(ours), Err(e)) => panic!("read what serde_json rejects ({e}): {ours:?}"),
        (Err(e), Ok(_)) if e.to_string().starts_with("nested too deeply") => {}
        (Err(e), Ok(theirs)) => panic!("rejected ({e}) what serde_json reads: {theirs:?}"),
    }
}

/// The `serde_json` reader of DynamoDB JSON the service used before its own.
pub mod reference {
    use std::collections::HashMap;
    use std::fmt;

    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;
    use serde::Deserialize;
    use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

    type Item = HashMap<String, AttributeValue>;

    pub fn read_get_item(body: &[u8]) -> Result<Option<Item>, serde_json::Error> {
        struct Answer(Option<Item>);
        impl<'de> Deserialize<'de> for Answer {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Answer;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an answer")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
                        let mut item = None;
                        while let Some(key) = map.next_key::<String>()? {
                            if key != "Item" {
                                map.next_value::<IgnoredAny>()?;
                            } else if item.is_some() {
                                return Err(de::Error::custom("duplicate field `Item`"));
                            } else {
                                item = Some(map.next_value::<Option<Map>>()?.map(|m| m.0));
                            }
                        }
                        Ok(Answer(item.flatten()))
                    }
                }
                d.deserialize_map(V)
            }
        }
        serde_json::from_slice::<Answer>(body).map(|a| a.0)
    }

    struct Map(Item);

    impl<'de> Deserialize<'de> for Map {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Map;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a map of attribute values")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Map, A::Error> {
                    let mut out = HashMap::new();
                    while let Some(name) = map.next_key::<String>()? {
                        out.insert(name, map.next_value::<Attr>()?.0);
                    }
                    Ok(Map(out))
                }
            }
            d.deserialize_map(V)
        }
    }

    struct Attr(AttributeValue);

    impl<'de> Deserialize<'de> for Attr {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
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
                    if map.next_key::<IgnoredAny>()?.is_some() {
                        return Err(de::Error::custom("attribute value with several types"));
                    }
                    Ok(Attr(value))
                }
            }
            d.deserialize_map(V)
        }
    }

    fn blob<E: de::Error>(text: String) -> Result<Blob, E> {
        aws_smithy_types::base64::decode(&text)
            .map(Blob::new)
            .map_err(|e| E::custom(format!("invalid base64: {e}")))
    }

    struct List(Vec<AttributeValue>);

    impl<'de> Deserialize<'de> for List {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = List;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of attribute values")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                    let mut out = Vec::new();
                    while let Some(Attr(value)) = seq.next_element()? {
                        out.push(value);
                    }
                    Ok(List(out))
                }
            }
            d.deserialize_seq(V)
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
}

/// The chat history scanner against the serde path on stored `runs` text: panics where
/// the scanner reads what serde refuses, or reads it otherwise (seeds:
/// `fuzz/seeds/history`).
pub fn history(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(difference) = agno_session_lambda::testing::check_scanner(&text) {
        panic!("the scanner and serde differ: {difference}");
    }
}
