//! Who may read a session over HTTP: AgentOS's security key (`OS_SECURITY_KEY`), sent as
//! a bearer token. Direct invocations are authorized by IAM (`lambda:InvokeFunction`)
//! and never reach this check.

use crate::config::SecurityKey;
use crate::error::Error;

/// AgentOS's check: with a key configured, the request's `Authorization` header must
/// carry it as a bearer token.
pub fn authorize(key: Option<&SecurityKey>, authorization: Option<&str>) -> Result<(), Error> {
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
    fn missing_then_wrong_then_right() {
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
