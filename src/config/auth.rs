//! Authorization settings beyond the static key: JWT verification as AgentOS 3.1.10
//! configures it, RBAC scopes, per-user isolation, and trust in API Gateway's own
//! authorizers. Keys are parsed here, once, so that a bad key fails the cold start
//! with the variable's name rather than every request.

use std::collections::HashMap;
use std::fmt;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

use super::ConfigError;
use super::env::Env;

/// AgentOS's default admin scope (`AgentOSScope.ADMIN`).
pub const DEFAULT_ADMIN_SCOPE: &str = "agent_os:admin";

/// How requests beyond the static key are authorized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// JWT verification in the function (`JWT_VERIFICATION_KEY`, `JWT_JWKS_FILE`,
    /// `JWT_JWKS`); with it, as in AgentOS, `OS_SECURITY_KEY` is not used.
    pub jwt: Option<JwtSettings>,
    /// RBAC (`AUTHORIZATION_ENABLED`, AgentOS's `authorization=True`): the token's
    /// scopes must grant `sessions:read`.
    pub rbac: bool,
    /// Per-user isolation (`USER_ISOLATION`): a caller reads only the sessions of the
    /// token's subject, unless it holds the admin scope.
    pub user_isolation: bool,
    /// The scope that grants everything and lifts isolation (`JWT_ADMIN_SCOPE`).
    pub admin_scope: String,
    /// Use the claims API Gateway's authorizer verified (`TRUST_API_GATEWAY_AUTHORIZER`)
    /// instead of verifying a token here. Only API Gateway events carry them: a
    /// Function URL event claiming an authorizer is refused.
    pub trust_api_gateway: bool,
    /// The claim naming the user (`JWT_USER_ID_CLAIM`, AgentOS's `user_id_claim`).
    pub user_id_claim: String,
    /// The claim listing scopes (`JWT_SCOPES_CLAIM`, AgentOS's `scopes_claim`).
    pub scopes_claim: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt: None,
            rbac: false,
            user_isolation: false,
            admin_scope: DEFAULT_ADMIN_SCOPE.into(),
            trust_api_gateway: false,
            user_id_claim: "sub".into(),
            scopes_claim: "scopes".into(),
        }
    }
}

impl AuthSettings {
    /// Whether a token or authorizer decides who the caller is (AgentOS's JWT mode).
    pub fn identifies_callers(&self) -> bool {
        self.jwt.is_some() || self.trust_api_gateway
    }

    pub(super) fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<Self, ConfigError> {
        let jwt = JwtSettings::from_env(env)?;
        let settings = AuthSettings {
            rbac: env.flag("AUTHORIZATION_ENABLED", false)?,
            user_isolation: env.flag("USER_ISOLATION", false)?,
            admin_scope: env
                .text("JWT_ADMIN_SCOPE")
                .unwrap_or_else(|| DEFAULT_ADMIN_SCOPE.into()),
            trust_api_gateway: env.flag("TRUST_API_GATEWAY_AUTHORIZER", false)?,
            user_id_claim: env
                .text("JWT_USER_ID_CLAIM")
                .unwrap_or_else(|| "sub".into()),
            scopes_claim: env
                .text("JWT_SCOPES_CLAIM")
                .unwrap_or_else(|| "scopes".into()),
            jwt,
        };
        // Without a verified identity, isolation is what AgentOS calls advisory (the
        // query's user_id already filters); scopes would have nothing to read.
        if settings.rbac && !settings.identifies_callers() {
            return Err(ConfigError(
                "AUTHORIZATION_ENABLED needs callers identified: set JWT_VERIFICATION_KEY, \
                 JWT_JWKS_FILE or JWT_JWKS, or TRUST_API_GATEWAY_AUTHORIZER"
                    .into(),
            ));
        }
        Ok(settings)
    }
}

/// What a token is verified with (AgentOS's `JWTValidator` settings).
#[derive(Clone)]
pub struct JwtSettings {
    /// The one algorithm accepted (`JWT_ALGORITHM`; AgentOS's default RS256).
    pub algorithm: Algorithm,
    /// `JWT_VERIFICATION_KEY`, tried after the JWKS.
    pub keys: Vec<DecodingKey>,
    /// `JWT_JWKS_FILE` / `JWT_JWKS`.
    pub jwks: Option<Jwks>,
    /// `JWT_AUDIENCE`: when set, a token's `aud` must name one of these.
    pub audience: Option<Vec<String>>,
    /// `JWT_ISSUER`: when set, a token's `iss` must be it.
    pub issuer: Option<String>,
    /// Where the keys came from, for equality and logs (never the keys).
    sources: Vec<String>,
}

/// The keys of a JWK set.
#[derive(Clone, Default)]
pub struct Jwks {
    /// By `kid`.
    pub by_kid: HashMap<String, DecodingKey>,
    /// The key of a JWK without `kid` (AgentOS's `_default`).
    pub default: Option<DecodingKey>,
}

impl PartialEq for JwtSettings {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm == other.algorithm
            && self.audience == other.audience
            && self.issuer == other.issuer
            && self.sources == other.sources
    }
}

impl Eq for JwtSettings {}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("algorithm", &self.algorithm)
            .field("sources", &self.sources)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl JwtSettings {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Option<Self>, ConfigError> {
        let key = env.raw("JWT_VERIFICATION_KEY");
        let jwks_file = env.text("JWT_JWKS_FILE");
        let jwks_inline = env.raw("JWT_JWKS");
        if key.is_none() && jwks_file.is_none() && jwks_inline.is_none() {
            return Ok(None);
        }
        let algorithm = match env.text("JWT_ALGORITHM") {
            None => Algorithm::RS256,
            Some(name) => name.parse().map_err(|_| {
                ConfigError(format!(
                    "JWT_ALGORITHM '{name}' is not one of HS256, HS384, HS512, RS256, RS384, \
                     RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
                ))
            })?,
        };
        let mut sources = Vec::new();
        let keys = match key {
            Some(key) => {
                sources.push(format!("JWT_VERIFICATION_KEY ({} bytes)", key.len()));
                vec![static_key(algorithm, &key)?]
            }
            None => Vec::new(),
        };
        let jwks_text = match (jwks_inline, jwks_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError(
                    "set JWT_JWKS or JWT_JWKS_FILE, not both".into(),
                ));
            }
            (Some(text), None) => {
                sources.push("JWT_JWKS".into());
                Some(("JWT_JWKS".to_owned(), text))
            }
            (None, Some(path)) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError(format!("JWT_JWKS_FILE '{path}' cannot be read: {e}"))
                })?;
                sources.push(format!("JWT_JWKS_FILE {path}"));
                Some((format!("JWT_JWKS_FILE '{path}'"), text))
            }
            (None, None) => None,
        };
        let jwks = match jwks_text {
            Some((name, text)) => Some(jwks(&name, &text)?),
            None => None,
        };
        Ok(Some(JwtSettings {
            algorithm,
            keys,
            jwks,
            audience: env.list("JWT_AUDIENCE").filter(|a| !a.is_empty()),
            issuer: env.text("JWT_ISSUER"),
            sources,
        }))
    }

    /// Settings for tests and tools: the given keys, no JWKS.
    pub fn with_keys(algorithm: Algorithm, keys: Vec<DecodingKey>) -> Self {
        JwtSettings {
            algorithm,
            sources: vec![format!("{} keys", keys.len())],
            keys,
            jwks: None,
            audience: None,
            issuer: None,
        }
    }
}

/// `JWT_VERIFICATION_KEY` for `algorithm`: an HMAC secret, or a PEM public key. A PEM
/// written on one line with `\n` escapes (as environment variables often hold it) is
/// read too.
fn static_key(algorithm: Algorithm, text: &str) -> Result<DecodingKey, ConfigError> {
    use jsonwebtoken::AlgorithmFamily;
    let bad = |why: String| ConfigError(format!("JWT_VERIFICATION_KEY: {why}"));
    let pem = text.trim().replace("\\n", "\n");
    let looks_pem = pem.starts_with("-----BEGIN");
    match algorithm.family() {
        AlgorithmFamily::Hmac if looks_pem => Err(bad(format!(
            "a PEM key cannot be an HMAC secret; set JWT_ALGORITHM to the key's algorithm \
             (it is {algorithm:?})"
        ))),
        AlgorithmFamily::Hmac => DecodingKey::from_secret(text.as_bytes())
            .map_err(|e| bad(format!("not a usable HMAC secret ({e})"))),
        family => {
            let parsed = match family {
                AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem.as_bytes()),
                AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem.as_bytes()),
                _ => DecodingKey::from_ed_pem(pem.as_bytes()),
            };
            parsed.map_err(|e| {
                bad(format!(
                    "not a PEM public key for {algorithm:?} ({e}); check JWT_ALGORITHM"
                ))
            })
        }
    }
}

/// A JWK set's keys: by `kid`, and the last key without one as the default.
fn jwks(name: &str, text: &str) -> Result<Jwks, ConfigError> {
    let set: JwkSet = serde_json::from_str(text)
        .map_err(|e| ConfigError(format!("{name} is not a JWK set: {e}")))?;
    let mut out = Jwks::default();
    for jwk in &set.keys {
        let key = DecodingKey::from_jwk(jwk).map_err(|e| {
            ConfigError(format!(
                "{name}: key {:?} cannot be used: {e}",
                jwk.common.key_id
            ))
        })?;
        match &jwk.common.key_id {
            Some(kid) => {
                out.by_kid.insert(kid.clone(), key);
            }
            None => out.default = Some(key),
        }
    }
    Ok(out)
}
