//! Authorization as agno 3.1.10's AgentOS answers it (`tests/auth3/`, recorded by
//! `tests/auth3/generate.sh` from its own app): every recorded token situation replayed
//! through the handler, with tokens signed here, now, from the recorded specs and the
//! committed test keys. Each AgentOS configuration becomes this service's environment
//! variables. Where this service answers otherwise by design, the case says so in
//! [`DEVIATIONS`] and is checked against that answer instead.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::{Answer, dynamo_local, http_v2_event, load_json, rest_v1_event, send};
use agno_session_lambda::testing::{KeyLayout, item_from_json};
use agno_session_lambda::{App, Config, DynamoStore};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/auth3/keys")
}

fn key_text(name: &str) -> String {
    std::fs::read_to_string(keys_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What this service answers on purpose where AgentOS 3.1.10 answers otherwise:
/// (case id prefix, status, detail, why).
pub const DEVIATIONS: &[(&str, u16, &str, &str)] = &[
    (
        "*/service_account",
        401,
        "Service accounts are not enabled on this AgentOS instance",
        "AgentOS on DynamoDB answers 503 'Authentication is temporarily unavailable' for any agno_pat_ token (its service-account store needs SQL): a retryable status for something that never works. This service keeps no service accounts and says so",
    ),
    (
        "security_key/non_ascii_key",
        401,
        "Invalid authentication token",
        "AgentOS crashes (500 TypeError in hmac.compare_digest on a non-ASCII str): a wrong key is a wrong key",
    ),
    (
        "*/health",
        404,
        "Not Found",
        "AgentOS's /health route is not part of this service",
    ),
];

/// Configurations this service refuses at cold start (a clear error instead of a
/// service that answers 401 to every token), with the words the error must carry.
const REFUSED_CONFIGURATIONS: &[(&str, &str)] = &[
    ("hs256_env_rbac_default_alg", "JWT_ALGORITHM"),
    ("hs256_rbac_with_rsa_pem_key", "JWT_ALGORITHM"),
];

/// Configurations whose keys this service reads where AgentOS does not: (name, why).
/// Their cases are checked against a valid token's answer.
const READ_WHERE_AGENTOS_DOES_NOT: &[(&str, &str)] = &[
    (
        "rs256_env_escaped_newlines",
        "a PEM with literal \\n escapes (how environment variables hold it) is read, not refused",
    ),
    (
        "jwks_inline_env_ignored",
        "JWT_JWKS (inline JWK set, which agno names but never reads) is read",
    ),
];

/// The environment this service needs for an AgentOS configuration.
fn environment(name: &str, config: &Value) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("AGENTOS_VERSION".into(), "3.1".into());
    env.insert("SESSION_DATABASES".into(), "auth3-db=agno_sessions".into());
    env.insert("METRICS_NAMESPACE".into(), "off".into());
    let value = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Object(o) if o.contains_key("file") => key_text(o["file"].as_str().unwrap()),
            Value::Object(o) if o.contains_key("path") => keys_dir()
                .join(o["path"].as_str().unwrap())
                .display()
                .to_string(),
            Value::Object(o) if o.contains_key("file_escaped_newlines") => {
                key_text(o["file_escaped_newlines"].as_str().unwrap()).replace('\n', "\\n")
            }
            other => panic!("{name}: unknown env value {other}"),
        }
    };
    for (k, v) in config["env"].as_object().unwrap() {
        env.insert(k.clone(), value(v));
    }
    let os = &config["agent_os"];
    let mut settings = |c: &Value| {
        if let Some(alg) = c["algorithm"].as_str() {
            env.insert("JWT_ALGORITHM".into(), alg.into());
        }
        if c["verify_audience"] == true {
            let audience = c["audience"].as_str().unwrap_or("auth3-os");
            env.insert("JWT_AUDIENCE".into(), audience.into());
        }
        if let Some(issuer) = c["issuer"].as_str() {
            env.insert("JWT_ISSUER".into(), issuer.into());
        }
        if let Some(scope) = c["admin_scope"].as_str() {
            env.insert("JWT_ADMIN_SCOPE".into(), scope.into());
        }
        if c["user_isolation"] == true {
            env.insert("USER_ISOLATION".into(), "true".into());
        }
        if let Some(keys) = c["verification_keys"].as_array() {
            env.insert("JWT_VERIFICATION_KEY".into(), value(&keys[0]));
        }
        if c["authorization"] == true {
            env.insert("AUTHORIZATION_ENABLED".into(), "true".into());
        }
        for (claim, var) in [
            ("user_id_claim", "JWT_USER_ID_CLAIM"),
            ("scopes_claim", "JWT_SCOPES_CLAIM"),
        ] {
            if let Some(c) = c[claim].as_str() {
                env.insert(var.into(), c.into());
            }
        }
    };
    settings(os);
    settings(&os["authorization_config"]);
    if os["authorization_object"].is_object() {
        // `authorization=Authorization(...)` turns RBAC on as `authorization=True` does.
        let mut object = os["authorization_object"].clone();
        object["authorization"] = json!(true);
        settings(&object);
    }
    if config["manual_middleware"].is_object() {
        settings(&config["manual_middleware"]);
    }
    env
}

/// A token from a recorded spec, signed now.
fn token(spec: &Value, now: u64) -> String {
    if spec["kind"] == "raw" {
        return spec["value"].as_str().unwrap().to_owned();
    }
    let alg = spec["alg"].as_str().unwrap();
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg));
    header.insert("typ".into(), json!("JWT"));
    if let Some(kid) = spec["kid"].as_str() {
        header.insert("kid".into(), json!(kid));
    }
    for (k, v) in spec["header_extra"].as_object().unwrap() {
        header.insert(k.clone(), v.clone());
    }
    let mut claims = Map::new();
    for (k, v) in spec["claims"].as_object().unwrap() {
        let resolved = match v.get("now_plus").and_then(Value::as_i64) {
            Some(n) => {
                let t = now as i64 + n;
                match v["type"].as_str() {
                    Some("string") => json!(t.to_string()),
                    Some("float") => json!(t as f64 + 0.5),
                    _ => json!(t),
                }
            }
            None => v.clone(),
        };
        claims.insert(k.clone(), resolved);
    }
    let b64 = |v: &Map<String, Value>| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let message = format!("{}.{}", b64(&header), b64(&claims));
    let algorithm: Algorithm = alg.parse().expect("known algorithm");
    let key_file = spec["key"].as_str().unwrap();
    let key = match alg.get(..2) {
        Some("HS") => EncodingKey::from_secret(key_text(key_file).as_bytes()).unwrap(),
        Some("ES") => EncodingKey::from_ec_pem(key_text(key_file).as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(key_text(key_file).as_bytes()).unwrap(),
    };
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, algorithm).unwrap();
    format!("{message}.{signature}")
}

/// The event for a case: an HTTP API event, or, for a request with one header given
/// twice (which HTTP APIs join with a comma), a REST API event with both values.
fn event(case: &Value, token: Option<&str>) -> Value {
    let request = &case["request"];
    let headers: Vec<(String, String)> = case["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let value = h[1]
                .as_str()
                .unwrap()
                .replace("{token}", token.unwrap_or(""));
            (h[0].as_str().unwrap().to_owned(), value)
        })
        .collect();
    let (method, path, query) = (
        request["method"].as_str().unwrap(),
        request["path"].as_str().unwrap(),
        request["query"].as_str().unwrap(),
    );
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let repeated = pairs.len() > 1
        && pairs
            .iter()
            .skip(1)
            .any(|(k, _)| k.eq_ignore_ascii_case(pairs[0].0));
    if repeated {
        let mut event = rest_v1_event(method, path, query, &pairs[..1], "$default");
        let values: Vec<&str> = pairs.iter().map(|(_, v)| *v).collect();
        event["multiValueHeaders"][pairs[0].0] = json!(values);
        event
    } else {
        http_v2_event(method, path, query, &pairs)
    }
}

async fn app_for(
    env: &BTreeMap<String, String>,
    namespace: &str,
    storage: &Value,
) -> Result<App<DynamoStore>, String> {
    let config = Config::from_lookup(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
    let client = dynamo_local::client_in(&dynamo_local::endpoint(), namespace);
    dynamo_local::create_table(&client, "agno_sessions", KeyLayout::Agno).await;
    dynamo_local::create_runs_table(&client, "agno_runs").await;
    for (table, items) in storage["items"].as_object().unwrap() {
        for item in items.as_array().unwrap() {
            dynamo_local::put_item(&client, table, item_from_json(item).unwrap()).await;
        }
    }
    Ok(App::new(config, DynamoStore::new(client)))
}

fn deviation(id: &str) -> Option<&'static (&'static str, u16, &'static str, &'static str)> {
    let name = id.rsplit('/').next().unwrap_or(id);
    DEVIATIONS
        .iter()
        .find(|(pattern, ..)| match pattern.strip_prefix("*/") {
            Some(word) => name.contains(word),
            None => id == *pattern,
        })
}

fn check(case: &Value, answer: &Answer) -> Result<(), String> {
    let id = case["id"].as_str().unwrap();
    let (status, body) = match deviation(id) {
        Some((_, status, detail, _)) => (json!(status), json!({"detail": detail})),
        None => (
            case["expected"]["status"].clone(),
            case["expected"]["body"].clone(),
        ),
    };
    let got = answer.json();
    if json!(answer.status) != status || got != body {
        return Err(format!(
            "{id}: got {} {}\n  expected {status} {body}",
            answer.status, got
        ));
    }
    if answer.header("www-authenticate").is_some() {
        return Err(format!("{id}: AgentOS sends no WWW-Authenticate"));
    }
    Ok(())
}

#[tokio::test]
async fn every_recorded_agentos_3_1_authorization_answer() {
    let fixture = load_json("tests/auth3/fixtures/cases.json");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (mut passed, mut deviating, mut refused, mut failures) = (0, 0, 0, Vec::new());
    for (name, config) in fixture["configurations"].as_object().unwrap() {
        let cases: Vec<&Value> = fixture["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["config"] == name.as_str())
            .collect();
        let env = environment(name, config);
        let app = match app_for(&env, &format!("auth3{name}"), &fixture["storage"]).await {
            Ok(app) => app,
            Err(error) => {
                let expected = REFUSED_CONFIGURATIONS.iter().find(|(n, _)| n == name);
                match expected {
                    Some((_, words)) if error.contains(words) => refused += cases.len(),
                    _ => failures.push(format!("{name}: configuration refused: {error}")),
                }
                continue;
            }
        };
        if let Some((_, words)) = REFUSED_CONFIGURATIONS.iter().find(|(n, _)| n == name) {
            failures.push(format!("{name}: should be refused at cold start ({words})"));
            continue;
        }
        let reads_more = READ_WHERE_AGENTOS_DOES_NOT.iter().any(|(n, _)| n == name);
        for case in cases {
            let token = case["token"]
                .as_object()
                .map(|_| token(&case["token"], now));
            let answer = send(&app, &event(case, token.as_deref()))
                .await
                .expect("HTTP");
            if reads_more {
                // The key is read: a well-signed token is let in (200 or the answer a
                // refused scope or a missing session gets), and nothing is a 500.
                let ok = answer.status < 500;
                if ok {
                    deviating += 1;
                } else {
                    failures.push(format!("{}: {} {}", case["id"], answer.status, answer.text));
                }
                continue;
            }
            match check(case, &answer) {
                Ok(()) if deviation(case["id"].as_str().unwrap()).is_some() => deviating += 1,
                Ok(()) => passed += 1,
                Err(problem) => failures.push(problem),
            }
        }
    }
    println!(
        "auth3: {passed} answers as agno 3.1.10 answers, {deviating} deviating by design \
         (DEVIATIONS, READ_WHERE_AGENTOS_DOES_NOT), {refused} cases of configurations refused at cold start"
    );
    assert!(
        failures.is_empty(),
        "{} authorization cases fail:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(passed >= 250, "only {passed} cases compared");
}

/// An app on the auth3 storage (alice's, bob's and an owner-less session) configured by
/// `vars` (3.1 contract, one database).
async fn app_with(vars: &[(&str, &str)], namespace: &str) -> App<DynamoStore> {
    let fixture = load_json("tests/auth3/fixtures/cases.json");
    let mut env = BTreeMap::from([
        ("AGENTOS_VERSION".to_owned(), "3.1".to_owned()),
        (
            "SESSION_DATABASES".to_owned(),
            "auth3-db=agno_sessions".to_owned(),
        ),
        ("METRICS_NAMESPACE".to_owned(), "off".to_owned()),
    ]);
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    app_for(&env, namespace, &fixture["storage"])
        .await
        .expect("valid configuration")
}

fn with_jwt_authorizer(mut event: Value, claims: Value, scopes: Option<Value>) -> Value {
    let mut jwt = json!({"claims": claims});
    if let Some(scopes) = scopes {
        jwt["scopes"] = scopes;
    }
    event["requestContext"]["authorizer"] = json!({"jwt": jwt});
    event
}

/// Behind API Gateway, the claims its authorizer verified decide (when trusted): scopes
/// for the route, the subject for isolation. Only API Gateway puts them there: claims
/// in a Function URL event are refused, and without the setting they are not read.
#[tokio::test]
async fn api_gateway_authorizer_claims_when_trusted() {
    let app = app_with(
        &[
            ("TRUST_API_GATEWAY_AUTHORIZER", "true"),
            ("AUTHORIZATION_ENABLED", "true"),
            ("USER_ISOLATION", "true"),
        ],
        "authorizertrusted",
    )
    .await;
    let http = |id: &str| http_v2_event("GET", &format!("/sessions/{id}"), "", &[]);
    let alice = json!({"sub": "alice", "scope": "sessions:read openid"});
    let status = |answer: Answer| (answer.status, answer.json()["detail"].clone());

    // HTTP API JWT authorizer: scopes from its `scopes`, the subject from `sub`.
    let reads = |id: &str, claims: &Value, scopes: Option<Value>| {
        with_jwt_authorizer(http(id), claims.clone(), scopes)
    };
    let answer = send(
        &app,
        &reads("s-alice", &alice, Some(json!(["sessions:read", "openid"]))),
    )
    .await
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        status(
            send(
                &app,
                &reads("s-bob", &alice, Some(json!(["sessions:read"])))
            )
            .await
            .unwrap()
        ),
        (404, json!("Session with id 's-bob' not found")),
        "another user's session is a 404, never a 200"
    );
    assert_eq!(
        status(
            send(
                &app,
                &reads("s-alice", &json!({"sub": "alice"}), Some(json!(["openid"])))
            )
            .await
            .unwrap()
        ),
        (
            403,
            json!("Insufficient permissions. Required scope(s): sessions:read")
        )
    );
    // AgentOS's `scopes` claim, flattened by API Gateway to `[a b]`; the admin scope
    // lifts isolation.
    let admin = json!({"sub": "carol", "scopes": "[sessions:read agent_os:admin]"});
    assert_eq!(
        send(&app, &reads("s-bob", &admin, None))
            .await
            .unwrap()
            .status,
        200
    );
    // No authorizer context: nobody identified.
    assert_eq!(
        status(send(&app, &http("s-alice")).await.unwrap()),
        (401, json!("Authorization header missing"))
    );
    // A Function URL event carrying authorizer claims: AWS never puts them there.
    let mut forged = reads("s-bob", &admin, Some(json!(["sessions:read"])));
    forged["requestContext"]["domainName"] = json!("abc.lambda-url.us-east-1.on.aws");
    let answer = send(&app, &forged).await.unwrap();
    assert_eq!(answer.status, 401, "{}", answer.text);

    // REST API: a Cognito authorizer's claims, and a Lambda authorizer's context.
    let mut cognito = rest_v1_event("GET", "/sessions/s-bob", "", &[], "prod");
    cognito["requestContext"]["authorizer"] =
        json!({"claims": {"sub": "bob", "scope": "sessions:read"}});
    assert_eq!(send(&app, &cognito).await.unwrap().status, 200);
    cognito["path"] = json!("/sessions/s-alice");
    assert_eq!(send(&app, &cognito).await.unwrap().status, 404);
    let mut lambda = rest_v1_event("GET", "/sessions/s-alice", "", &[], "prod");
    lambda["requestContext"]["authorizer"] =
        json!({"principalId": "alice", "scopes": "sessions:read"});
    assert_eq!(send(&app, &lambda).await.unwrap().status, 200);

    // A direct invocation is authorized by IAM: no token, no isolation.
    let direct = send(&app, &json!({"session_id": "s-bob"}))
        .await
        .expect("read");
    assert_eq!(direct.json()["user_id"], "bob");
}

#[tokio::test]
async fn authorizer_claims_are_ignored_unless_trusted() {
    let app = app_with(
        &[
            ("JWT_VERIFICATION_KEY", &key_text("hs256.secret")),
            ("JWT_ALGORITHM", "HS256"),
            ("USER_ISOLATION", "true"),
        ],
        "authorizeruntrusted",
    )
    .await;
    let event = with_jwt_authorizer(
        http_v2_event("GET", "/sessions/s-alice", "", &[]),
        json!({"sub": "alice", "scopes": "[agent_os:admin]"}),
        None,
    );
    let answer = send(&app, &event).await.unwrap();
    assert_eq!(
        (answer.status, answer.json()),
        (401, json!({"detail": "Authorization header missing"}))
    );
}
