//! Who may read a session over HTTP: AgentOS's security key (`OS_SECURITY_KEY`), sent as
//! a bearer token. Direct invocations are authorized by IAM (`lambda:InvokeFunction`)
//! and never reach this check.

use crate::config::SecurityKey;
use crate::error::Error;
use crate::session::Contract;

/// The contract's check of the `Authorization` header against the key, if one is set.
pub fn authorize(
    contract: Contract,
    key: Option<&SecurityKey>,
    authorization: Option<&str>,
) -> Result<(), Error> {
    match contract {
        Contract::V2_1 => authorize_v2(key, authorization),
        Contract::V3_1 => authorize_v3(key, authorization),
    }
}

/// AgentOS 3.1.10's auth middleware: `Bearer <token>` or the bare token, either
/// stripped of surrounding spaces; no header, or nothing in it, is a missing token.
fn authorize_v3(key: Option<&SecurityKey>, authorization: Option<&str>) -> Result<(), Error> {
    let Some(key) = key else {
        return Ok(());
    };
    let value = authorization.unwrap_or_default();
    let token = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => &value[7..],
        _ => value,
    };
    // Python's `str.strip()`: Unicode whitespace (a Latin-1 header can hold U+0085, U+00A0).
    let token = token.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    if token.is_empty() {
        return Err(Error::MissingToken);
    }
    if token.starts_with("agno_pat_") {
        return Err(Error::ServiceAccountToken);
    }
    if key.matches(token) {
        Ok(())
    } else {
        Err(Error::InvalidToken)
    }
}

/// AgentOS 2.1.10's check: with a key configured, the request's `Authorization` header
/// must carry it as a bearer token.
fn authorize_v2(key: Option<&SecurityKey>, authorization: Option<&str>) -> Result<(), Error> {
    let Some(key) = key else {
        return Ok(());
    };
    let token = authorization
        .and_then(bearer_token)
        .ok_or(Error::MissingToken)?;
    if key.matches(token) {
        Ok(())
    } else {
        Err(Error::InvalidToken)
    }
}

/// FastAPI's `HTTPBearer(auto_error=False)`: `Bearer <token>`, scheme case-insensitive,
/// spaces around the token ignored; anything else counts as no credentials.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_rules() {
        let with = |value: &str| bearer_token(value).map(str::to_owned);
        assert_eq!(with("Bearer k").as_deref(), Some("k"));
        assert_eq!(with("Bearer  k ").as_deref(), Some("k"));
        assert_eq!(with("bearer k").as_deref(), Some("k"));
        assert_eq!(with("Basic k"), None);
        assert_eq!(with("Bearer"), None);
    }

    #[test]
    fn agentos_3_1_takes_a_bare_token_too() {
        let key = SecurityKey::new("s3cret");
        let v3 = |value: Option<&str>| authorize(Contract::V3_1, Some(&key), value);
        assert!(v3(Some("Bearer s3cret")).is_ok());
        assert!(v3(Some("bEaReR   s3cret ")).is_ok());
        assert!(v3(Some("s3cret")).is_ok());
        assert!(matches!(v3(Some("Basic s3cret")), Err(Error::InvalidToken)));
        assert!(matches!(v3(Some("Bearer")), Err(Error::InvalidToken)));
        assert!(matches!(v3(Some("Bearer   ")), Err(Error::MissingToken)));
        assert!(matches!(v3(Some("")), Err(Error::MissingToken)));
        assert!(matches!(v3(None), Err(Error::MissingToken)));
        assert!(authorize(Contract::V3_1, None, None).is_ok());
    }

    #[test]
    fn missing_then_wrong_then_right() {
        let authorize = |key, value| authorize(Contract::V2_1, key, value);
        let key = SecurityKey::new("s3cret");
        assert!(authorize(None, None).is_ok());
        assert!(matches!(
            authorize(Some(&key), None),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            authorize(Some(&key), Some("Basic s3cret")),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            authorize(Some(&key), Some("Bearer nope")),
            Err(Error::InvalidToken)
        ));
        assert!(authorize(Some(&key), Some("Bearer s3cret")).is_ok());
    }
}
