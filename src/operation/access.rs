//! Who may read a session over HTTP, and whose sessions: AgentOS's security key
//! (`OS_SECURITY_KEY`), or as AgentOS 3.1.10's auth middleware decides it with JWTs
//! (verified here, or by an API Gateway authorizer): scopes for the route, and per-user
//! isolation. Direct invocations are authorized by IAM (`lambda:InvokeFunction`) and
//! never reach this check.

use super::jwt;
use crate::config::{AuthSettings, Config, SecurityKey};
use crate::error::Error;
use crate::session::{Caller, Claims};

/// The scope AgentOS requires for `GET /sessions/*`.
pub const SESSIONS_READ: &str = "sessions:read";

/// What an HTTP event presents to be let in.
#[derive(Debug, Clone, Default)]
pub struct Credentials<'a> {
    /// The first `Authorization` header, read as Latin-1.
    pub authorization: Option<&'a str>,
    /// Claims an authorizer put into the event.
    pub authorizer: Authorizer,
}

/// Claims in the event's request context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Authorizer {
    /// None.
    #[default]
    None,
    /// From API Gateway (an HTTP API JWT authorizer, a REST API Cognito or Lambda
    /// authorizer): the subject and scopes it verified.
    ApiGateway(Claims),
    /// Claims in an event API Gateway did not send (a Function URL's): forged.
    Unexpected,
}

/// AgentOS 2.1.10's check, after routing: with a key configured, the request's
/// `Authorization` header must carry it as a bearer token.
pub fn authorize_key(key: Option<&SecurityKey>, authorization: Option<&str>) -> Result<(), Error> {
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

/// AgentOS 3.1.10's auth middleware, before routing: the static key (bearer or bare),
/// or, where callers are identified, a JWT (or the claims of a trusted API Gateway
/// authorizer). `now` is Unix time in seconds.
pub fn authenticate(config: &Config, credentials: &Credentials, now: f64) -> Result<Caller, Error> {
    let auth = &config.auth;
    if auth.trust_api_gateway {
        match &credentials.authorizer {
            Authorizer::ApiGateway(claims) => return identified(claims.clone()),
            Authorizer::Unexpected => return Err(Error::Unauthenticated(UNTRUSTED_CONTEXT.into())),
            Authorizer::None if auth.jwt.is_none() => {
                return Err(Error::Unauthenticated(MISSING_HEADER.into()));
            }
            Authorizer::None => {}
        }
    }
    let token = credentials.authorization.and_then(credential);
    let Some(jwt_settings) = &auth.jwt else {
        // No JWT source: the static key, or nothing to check.
        let Some(key) = &config.security_key else {
            return Ok(Caller::Unidentified);
        };
        let token = token.ok_or(Error::MissingToken)?;
        if token.starts_with(SERVICE_ACCOUNT_PREFIX) {
            return Err(Error::ServiceAccountToken);
        }
        return if key.matches(token) {
            Ok(Caller::Unidentified)
        } else {
            Err(Error::InvalidToken)
        };
    };
    let token = token.ok_or_else(|| Error::Unauthenticated(MISSING_HEADER.into()))?;
    if token.starts_with(SERVICE_ACCOUNT_PREFIX) {
        return Err(Error::ServiceAccountToken);
    }
    let payload =
        jwt::verify(jwt_settings, token, now).map_err(|e| Error::Unauthenticated(e.detail()))?;
    identified(Claims::from_payload(
        &payload,
        &auth.user_id_claim,
        &auth.scopes_claim,
    ))
}

/// AgentOS refuses a token whose subject names one of its own principals.
fn identified(claims: Claims) -> Result<Caller, Error> {
    if let Some(subject) = &claims.subject
        && (subject.starts_with("sa:")
            || subject.starts_with("__oauth__:")
            || subject == "__scheduler__")
    {
        return Err(Error::Unauthenticated("Invalid token subject".into()));
    }
    Ok(Caller::Identified(claims))
}

/// With RBAC on, the caller's scopes must grant `sessions:read` (or be the admin
/// scope); a scope list holding anything but strings grants nothing.
pub fn check_scopes(auth: &AuthSettings, caller: &Caller) -> Result<(), Error> {
    let Caller::Identified(claims) = caller else {
        return Ok(());
    };
    if !auth.rbac {
        return Ok(());
    }
    let granted = claims.scopes.as_ref().is_some_and(|scopes| {
        scopes
            .iter()
            .any(|s| s == &auth.admin_scope || s == SESSIONS_READ || s == "sessions:*:read")
    });
    if granted {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "Insufficient permissions. Required scope(s): {SESSIONS_READ}"
        )))
    }
}

/// The user whose sessions the caller may read: under isolation, a non-admin
/// caller's own subject (the query's `user_id` is not used); otherwise the query's.
pub fn owner<'a>(
    auth: &AuthSettings,
    caller: &'a Caller,
    requested: Option<&'a str>,
) -> Result<Option<&'a str>, Error> {
    let Caller::Identified(claims) = caller else {
        return Ok(requested);
    };
    let admin = claims
        .scopes
        .as_ref()
        .is_some_and(|s| s.iter().any(|s| s == &auth.admin_scope));
    if !auth.user_isolation || admin {
        return Ok(requested);
    }
    match claims.subject.as_deref().filter(|s| !s.is_empty()) {
        Some(subject) => Ok(Some(subject)),
        None => Err(Error::Forbidden(
            "Authenticated request is missing a user identity".into(),
        )),
    }
}

const MISSING_HEADER: &str = "Authorization header missing";
const UNTRUSTED_CONTEXT: &str =
    "Authorizer claims are only trusted from API Gateway; this event source cannot carry them";
/// AgentOS's service-account tokens (`agno_pat_…`); this service keeps none.
const SERVICE_ACCOUNT_PREFIX: &str = "agno_pat_";

/// AgentOS 3.1.10's middleware: `Bearer <token>` or the bare token, either stripped of
/// surrounding whitespace; nothing left is no credential.
fn credential(value: &str) -> Option<&str> {
    let token = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => &value[7..],
        _ => value,
    };
    // Python's `str.strip()`: Unicode whitespace (a Latin-1 header can hold U+0085, U+00A0).
    let token = token.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    (!token.is_empty()).then_some(token)
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
        let config = Config {
            security_key: Some(SecurityKey::new("s3cret")),
            ..Config::default()
        };
        let v3 = |value: Option<&str>| {
            let credentials = Credentials {
                authorization: value,
                authorizer: Authorizer::None,
            };
            authenticate(&config, &credentials, 0.0)
        };
        assert!(v3(Some("Bearer s3cret")).is_ok());
        assert!(v3(Some("bEaReR   s3cret ")).is_ok());
        assert!(v3(Some("s3cret")).is_ok());
        assert!(matches!(v3(Some("Basic s3cret")), Err(Error::InvalidToken)));
        assert!(matches!(v3(Some("Bearer")), Err(Error::InvalidToken)));
        assert!(matches!(v3(Some("Bearer   ")), Err(Error::MissingToken)));
        assert!(matches!(v3(Some("")), Err(Error::MissingToken)));
        assert!(matches!(v3(None), Err(Error::MissingToken)));
        assert!(matches!(
            v3(Some("agno_pat_x")),
            Err(Error::ServiceAccountToken)
        ));
        assert!(authenticate(&Config::default(), &Credentials::default(), 0.0).is_ok());
    }

    #[test]
    fn missing_then_wrong_then_right() {
        let key = SecurityKey::new("s3cret");
        assert!(authorize_key(None, None).is_ok());
        assert!(matches!(
            authorize_key(Some(&key), None),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            authorize_key(Some(&key), Some("Basic s3cret")),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            authorize_key(Some(&key), Some("Bearer nope")),
            Err(Error::InvalidToken)
        ));
        assert!(authorize_key(Some(&key), Some("Bearer s3cret")).is_ok());
    }

    #[test]
    fn scopes_and_isolation() {
        let auth = AuthSettings {
            rbac: true,
            user_isolation: true,
            ..AuthSettings::default()
        };
        let caller = |sub: Option<&str>, scopes: &[&str]| {
            Caller::Identified(Claims {
                subject: sub.map(str::to_owned),
                scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
            })
        };
        assert!(check_scopes(&auth, &caller(Some("a"), &["sessions:read"])).is_ok());
        assert!(check_scopes(&auth, &caller(Some("a"), &["sessions:*:read"])).is_ok());
        assert!(check_scopes(&auth, &caller(Some("a"), &["agent_os:admin"])).is_ok());
        for denied in [&["sessions:*"][..], &["admin"], &["SESSIONS:READ"], &[]] {
            assert!(matches!(
                check_scopes(&auth, &caller(Some("a"), denied)),
                Err(Error::Forbidden(_))
            ));
        }
        let alice = caller(Some("alice"), &["sessions:read"]);
        assert_eq!(owner(&auth, &alice, Some("bob")).unwrap(), Some("alice"));
        let admin = caller(None, &["agent_os:admin"]);
        assert_eq!(owner(&auth, &admin, Some("bob")).unwrap(), Some("bob"));
        assert!(matches!(
            owner(&auth, &caller(Some(""), &["sessions:read"]), None),
            Err(Error::Forbidden(_))
        ));
        assert_eq!(
            owner(&auth, &Caller::Unidentified, Some("bob")).unwrap(),
            Some("bob")
        );
    }
}
