//! Who asks for a session over HTTP, once authenticated.

use serde_json::{Map, Value};

/// A verified identity: the token's `sub` and `scopes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// `sub`, when a string.
    pub subject: Option<String>,
    /// `scopes`: `None` when the claim holds something other than strings.
    pub scopes: Option<Vec<String>>,
}

impl Claims {
    /// AgentOS's reading of a token's payload: the user claim (`sub`), and the scopes
    /// claim (`scopes`) as a list of strings, or one string taken as one scope.
    pub fn from_payload(
        payload: &Map<String, Value>,
        user_claim: &str,
        scopes_claim: &str,
    ) -> Self {
        let scopes = match payload.get(scopes_claim) {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::String(one)) => Some(vec![one.clone()]),
            Some(Value::Array(list)) => list
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>(),
            Some(_) => Some(Vec::new()),
        };
        Claims {
            subject: payload
                .get(user_claim)
                .and_then(Value::as_str)
                .map(str::to_owned),
            scopes,
        }
    }
}

/// Who is asking, once let in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Caller {
    /// No credentials needed (none configured), the static key, or a direct invocation.
    #[default]
    Unidentified,
    /// A verified token (or authorizer): its claims.
    Identified(Claims),
}
