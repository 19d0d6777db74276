//! JWT verification as AgentOS 3.1.10 verifies a bearer token (its `JWTValidator`, on
//! PyJWT): the same order of checks and the same `detail` texts. Parsing and claim
//! checks are done here, to keep PyJWT's order; keys are parsed by the `jsonwebtoken`
//! crate and signatures checked with ring (`super::signature`).

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use crate::config::JwtSettings;

/// PyJWT's leeway in AgentOS: 10 s, for `iat`, `nbf` and `exp`.
pub const LEEWAY_SECONDS: f64 = 10.0;

/// Why a token is refused, with AgentOS's words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// `Token has expired`.
    Expired,
    /// The audience does not match.
    Audience,
    /// Any other PyJWT error: `Invalid token: <message>`.
    Invalid(String),
}

impl TokenError {
    fn invalid(message: impl Into<String>) -> Self {
        TokenError::Invalid(message.into())
    }

    /// The `detail` AgentOS answers (401).
    pub fn detail(&self) -> String {
        match self {
            TokenError::Expired => "Token has expired".into(),
            TokenError::Audience => {
                "Invalid token audience - token not valid for this AgentOS instance".into()
            }
            TokenError::Invalid(message) => format!("Invalid token: {message}"),
        }
    }
}

/// The token's claims, once its signature, times, audience and issuer hold (AgentOS's
/// `JWTValidator.validate_token`: the JWKS key for the token's `kid` first, then each
/// static key; an expired token is final). `now` is Unix time in seconds.
pub fn verify(
    settings: &JwtSettings,
    token: &str,
    now: f64,
) -> Result<Map<String, Value>, TokenError> {
    Verifier(settings).verify(token, now)
}

struct Verifier<'s>(&'s JwtSettings);

impl std::ops::Deref for Verifier<'_> {
    type Target = JwtSettings;
    fn deref(&self) -> &JwtSettings {
        self.0
    }
}

impl Verifier<'_> {
    fn verify(&self, token: &str, now: f64) -> Result<Map<String, Value>, TokenError> {
        let mut last = None;
        if let Some(jwks) = &self.jwks {
            let key = match parse(token) {
                Ok(parts) => parts.kid().and_then(|kid| jwks.by_kid.get(kid)),
                Err(e) if self.keys.is_empty() => return Err(e),
                Err(e) => {
                    last = Some(e);
                    None
                }
            }
            .or(jwks.default.as_ref());
            if let Some(key) = key {
                match self.decode(token, key, now) {
                    Ok(claims) => return self.check_claims(claims),
                    Err(TokenError::Expired) => return Err(TokenError::Expired),
                    Err(e) if self.keys.is_empty() => return Err(e),
                    Err(e) => last = Some(e),
                }
            }
        }
        for key in &self.keys {
            match self.decode(token, key, now) {
                Ok(claims) => return self.check_claims(claims),
                Err(TokenError::Expired) => return Err(TokenError::Expired),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| TokenError::invalid("No verification keys configured")))
    }

    /// PyJWT's `jwt.decode(token, key, algorithms=[algorithm], leeway=10)`, audience
    /// left to [`JwtVerifier::check_claims`].
    fn decode(
        &self,
        token: &str,
        key: &DecodingKey,
        now: f64,
    ) -> Result<Map<String, Value>, TokenError> {
        let parts = parse(token)?;
        let Some(alg) = parts.header.get("alg") else {
            return Err(TokenError::invalid("Algorithm not specified"));
        };
        let allowed = alg.as_str() == Some(algorithm_name(self.algorithm));
        if !allowed {
            return Err(TokenError::invalid(
                "The specified alg value is not allowed",
            ));
        }
        let verified = b64(parts.signature_b64).is_some_and(|signature| {
            super::signature::verifies(
                self.algorithm,
                key,
                parts.signing_input.as_bytes(),
                &signature,
            )
        });
        if !verified {
            return Err(TokenError::invalid("Signature verification failed"));
        }
        let claims = match serde_json::from_slice::<Value>(&parts.payload) {
            Ok(Value::Object(claims)) => claims,
            Ok(_) => {
                return Err(TokenError::invalid(
                    "Invalid payload string: must be a json object",
                ));
            }
            Err(e) => {
                return Err(TokenError::Invalid(format!(
                    "Invalid payload string: {}",
                    python_json_error(&parts.payload, &e)
                )));
            }
        };
        check_times(&claims, now)?;
        if claims.get("sub").is_some_and(|s| !s.is_string()) {
            return Err(TokenError::invalid("Subject must be a string"));
        }
        if claims.get("jti").is_some_and(|s| !s.is_string()) {
            return Err(TokenError::invalid("JWT ID must be a string"));
        }
        Ok(claims)
    }

    /// AgentOS's own audience and issuer checks, after PyJWT's.
    fn check_claims(&self, claims: Map<String, Value>) -> Result<Map<String, Value>, TokenError> {
        if let Some(expected) = self.audience.as_ref().filter(|a| !a.is_empty()) {
            let given: Vec<&Value> = match claims.get("aud") {
                None | Some(Value::Null) => {
                    return Err(TokenError::invalid(
                        "Token is missing the \"aud\" claim. Audience verification requires this claim to be present in the token.",
                    ));
                }
                Some(Value::Array(list)) => list.iter().collect(),
                Some(one) => vec![one],
            };
            if !given.iter().any(|aud| {
                aud.as_str()
                    .is_some_and(|a| expected.iter().any(|e| e == a))
            }) {
                return Err(TokenError::Audience);
            }
        }
        if let Some(issuer) = &self.issuer {
            match claims.get("iss") {
                None | Some(Value::Null) => {
                    return Err(TokenError::invalid(
                        "Token is missing the \"iss\" claim. Issuer verification requires this claim to be present in the token.",
                    ));
                }
                Some(Value::String(iss)) if iss == issuer => {}
                Some(other) => {
                    return Err(TokenError::Invalid(format!(
                        "Invalid issuer. Expected: {issuer}, got: {}",
                        python_str(other)
                    )));
                }
            }
        }
        Ok(claims)
    }
}

/// A token split and decoded as PyJWT's `_load` does.
struct Parts<'t> {
    header: Map<String, Value>,
    payload: Vec<u8>,
    signing_input: &'t str,
    signature_b64: &'t str,
}

impl Parts<'_> {
    fn kid(&self) -> Option<&str> {
        self.header
            .get("kid")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
    }
}

fn parse(token: &str) -> Result<Parts<'_>, TokenError> {
    let not_enough = || TokenError::invalid("Not enough segments");
    let (signing_input, signature_b64) = token.rsplit_once('.').ok_or_else(not_enough)?;
    let (header_b64, payload_b64) = signing_input.split_once('.').ok_or_else(not_enough)?;
    let header = b64(header_b64).ok_or_else(|| TokenError::invalid("Invalid header padding"))?;
    let header = match serde_json::from_slice::<Value>(&header) {
        Ok(Value::Object(header)) => header,
        Ok(_) => {
            return Err(TokenError::invalid(
                "Invalid header string: must be a json object",
            ));
        }
        Err(e) => {
            return Err(TokenError::Invalid(format!(
                "Invalid header string: {}",
                python_json_error(&header, &e)
            )));
        }
    };
    let payload = b64(payload_b64).ok_or_else(|| TokenError::invalid("Invalid payload padding"))?;
    b64(signature_b64).ok_or_else(|| TokenError::invalid("Invalid crypto padding"))?;
    if header.get("kid").is_some_and(|k| !k.is_string()) {
        return Err(TokenError::invalid(
            "Key ID header parameter must be a string",
        ));
    }
    if let Some(crit) = header.get("crit") {
        check_crit(crit, &header)?;
    }
    Ok(Parts {
        header,
        payload,
        signing_input,
        signature_b64,
    })
}

/// PyJWT's `_validate_crit`: a non-empty list of strings, each an extension it supports
/// (`b64`) and present in the header.
fn check_crit(crit: &Value, header: &Map<String, Value>) -> Result<(), TokenError> {
    let Value::Array(list) = crit else {
        return Err(TokenError::invalid(
            "Invalid 'crit' header: must be a non-empty list",
        ));
    };
    if list.is_empty() {
        return Err(TokenError::invalid(
            "Invalid 'crit' header: must be a non-empty list",
        ));
    }
    for ext in list {
        let Value::String(ext) = ext else {
            return Err(TokenError::invalid(
                "Invalid 'crit' header: values must be strings",
            ));
        };
        if ext != "b64" {
            return Err(TokenError::Invalid(format!(
                "Unsupported critical extension: {ext}"
            )));
        }
        if !header.contains_key(ext) {
            return Err(TokenError::Invalid(format!(
                "Critical extension '{ext}' is missing from headers"
            )));
        }
    }
    Ok(())
}

/// `base64.urlsafe_b64decode` after PyJWT pads the segment: `=` padding accepted,
/// anything outside the alphabet refused.
fn b64(segment: &str) -> Option<Vec<u8>> {
    const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );
    ENGINE.decode(segment.trim_end_matches('=')).ok()
}

/// PyJWT's `iat`, `nbf`, `exp` checks, in its order, with Python's `int()` of each.
fn check_times(claims: &Map<String, Value>, now: f64) -> Result<(), TokenError> {
    let int = |name: &str, message: &str| -> Result<Option<f64>, TokenError> {
        match claims.get(name) {
            None => Ok(None),
            Some(value) => python_int(value)
                .map(Some)
                .ok_or_else(|| TokenError::invalid(message)),
        }
    };
    if let Some(iat) = int("iat", "Issued At claim (iat) must be an integer.")?
        && iat > now + LEEWAY_SECONDS
    {
        return Err(TokenError::invalid("The token is not yet valid (iat)"));
    }
    if let Some(nbf) = int("nbf", "Not Before claim (nbf) must be an integer.")?
        && nbf > now + LEEWAY_SECONDS
    {
        return Err(TokenError::invalid("The token is not yet valid (nbf)"));
    }
    if let Some(exp) = int("exp", "Expiration Time claim (exp) must be an integer.")?
        && exp <= now - LEEWAY_SECONDS
    {
        return Err(TokenError::Expired);
    }
    Ok(())
}

/// Python's `int(value)` for a JSON value: integers, floats (truncated), booleans and
/// decimal integer strings; `None` where `int()` raises.
fn python_int(value: &Value) -> Option<f64> {
    match value {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n
            .as_i64()
            .map(|i| i as f64)
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(f64::trunc)),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t).replace('_', "");
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.replace('_', "").parse::<f64>().ok())
                .flatten()
        }
        _ => None,
    }
}

/// `str(value)` as an f-string writes a JSON value (the issuer check quotes it).
fn python_str(value: &Value) -> String {
    fn repr(value: &Value, out: &mut String) {
        match value {
            Value::Null => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => {
                out.push('\'');
                out.push_str(&s.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push('\'');
            }
            Value::Array(list) => {
                out.push('[');
                for (i, v) in list.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    repr(v, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    repr(&Value::String(k.clone()), out);
                    out.push_str(": ");
                    repr(v, out);
                }
                out.push('}');
            }
        }
    }
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            repr(other, &mut out);
            out
        }
    }
}

/// Python's `json` error where no JSON value starts (text that is not JSON at all);
/// serde's position otherwise.
fn python_json_error(text: &[u8], error: &serde_json::Error) -> String {
    let start = text
        .iter()
        .position(|b| !b" \t\n\r".contains(b))
        .unwrap_or(text.len());
    if error.line() == 1 && error.column() <= start + 2 {
        format!(
            "Expecting value: line 1 column {} (char {start})",
            start + 1
        )
    } else {
        format!(
            "invalid JSON at line {} column {}",
            error.line(),
            error.column()
        )
    }
}

/// The `alg` header value of an algorithm.
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => "unsupported",
    }
}
