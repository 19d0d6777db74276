//! Configuration, read once at cold start from environment variables.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `AGENTOS_VERSION` | `2.1` | the contract answered: `2.1` (agno 2.1.10's AgentOS) or `3.1` (agno 3.1.10's) |
//! | `SESSION_TABLE` | `agno_sessions` | the table of the single database |
//! | `SESSION_TABLE_LAYOUT` | `composite` (`agno` under 3.1) | `composite` (`session_id` + `session_type` key) or `agno` (`session_id` key, as Agno creates it) |
//! | `DB_ID` | `default` | the single database's id, matched against `?db_id=` |
//! | `SESSION_RUNS_TABLE` | — (under 3.1: agno's name, `agno_runs` or `<table>_runs`) | agno 3.x: the table runs are kept in, merged into the session as AgentOS 3.x does |
//! | `SESSION_DATABASES` | — | several databases: `id=table[:layout[:runs_table]],…`; replaces the four above (under 3.1 an id may name several tables, chosen by `?table=`) |
//! | `DETECT_SESSION_TYPE` | `false` (always on under 3.1) | agno 3.x storage under the 2.1 contract: without `?type=`, answer the stored type instead of `agent` |
//! | `OS_SECURITY_KEY` | — | bearer token required on HTTP requests, as AgentOS |
//! | `DYNAMODB_TIMEOUT_MS` | `1000` | per-attempt timeout of `GetItem` |
//! | `DYNAMODB_MAX_ATTEMPTS` | `3` | attempts per request; retries wait 25 ms, doubling, 200 ms at most |
//! | `DYNAMODB_CONNECT_AT_INIT` | `true` | open (TCP + TLS) the connection to DynamoDB during init, so the first request does not |
//! | `CORS_ALLOW_ORIGINS` | — (CORS off) | allowed origins, comma-separated, or `*` |
//! | `CORS_ALLOW_HEADERS` | `authorization,if-none-match` | request headers allowed besides the safelisted ones, or `*` |
//! | `CORS_ALLOW_CREDENTIALS` | `false` | answer `Access-Control-Allow-Credentials: true` |
//! | `CORS_MAX_AGE` | `600` | seconds a preflight may be cached |
//! | `COMPRESSION` | `gzip,br` | encodings offered; `off` for none |
//! | `COMPRESSION_MIN_BYTES` | `1024` | smaller bodies are not compressed |
//! | `METRICS_NAMESPACE` | `AgnoSessions` | CloudWatch EMF namespace; `off` for no metrics |

use std::fmt;
use std::time::Duration;

mod auth;
mod env;

pub use auth::{AuthSettings, JwtSettings};
use env::Env;

use crate::session::Contract;
use crate::web::{CompressionSettings, CorsSettings};

/// How a table is keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLayout {
    /// `session_id` HASH + `session_type` RANGE: one `GetItem` on both keys.
    Composite,
    /// `session_id` HASH only, as Agno's `DynamoDb` creates `agno_sessions`.
    Agno,
}

impl KeyLayout {
    /// Without a setting: agno 3.1.10's own tables under 3.1, the composite key the
    /// 2.1 contract was documented with otherwise.
    fn default_for(contract: Contract) -> Self {
        match contract {
            Contract::V2_1 => KeyLayout::Composite,
            Contract::V3_1 => KeyLayout::Agno,
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "composite" => Some(KeyLayout::Composite),
            "agno" | "agno-native" | "native" => Some(KeyLayout::Agno),
            _ => None,
        }
    }
}

/// One database AgentOS would know by `db_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// Matched against `?db_id=`.
    pub id: String,
    /// The sessions table.
    pub table: String,
    /// How the table is keyed.
    pub layout: KeyLayout,
    /// agno 3.x keeps runs in their own table, keyed by run id, queried by session id.
    pub runs_table: Option<String>,
}

/// The bearer token; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityKey(String);

impl SecurityKey {
    /// The key requests must present.
    pub fn new(key: impl Into<String>) -> Self {
        SecurityKey(key.into())
    }

    /// Compares in time that does not depend on where the bytes differ.
    pub fn matches(&self, token: &str) -> bool {
        subtle::ConstantTimeEq::ct_eq(self.0.as_bytes(), token.as_bytes()).into()
    }
}

impl fmt::Debug for SecurityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityKey(***)")
    }
}

/// DynamoDB client limits: kept well below the function timeout so that a slow
/// table gets a clear 503/504 instead of a Lambda timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamoSettings {
    /// Timeout of one attempt (`DYNAMODB_TIMEOUT_MS`).
    pub attempt_timeout: Duration,
    /// Attempts per request (`DYNAMODB_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// Open the connection to DynamoDB during init (`DYNAMODB_CONNECT_AT_INIT`).
    pub connect_at_init: bool,
}

impl Default for DynamoSettings {
    fn default() -> Self {
        DynamoSettings {
            attempt_timeout: Duration::from_millis(1000),
            max_attempts: 3,
            connect_at_init: true,
        }
    }
}

/// Every setting, read once at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// In configuration order; the first is used when there is only one.
    pub databases: Vec<Database>,
    /// The bearer token HTTP requests need (`OS_SECURITY_KEY`), if any.
    pub security_key: Option<SecurityKey>,
    /// DynamoDB client limits.
    pub dynamodb: DynamoSettings,
    /// CORS, off unless configured.
    pub cors: Option<CorsSettings>,
    /// Encodings offered, and from what size.
    pub compression: CompressionSettings,
    /// CloudWatch EMF namespace, or `None` for no metrics.
    pub metrics_namespace: Option<String>,
    /// Without `?type=`, answer the stored session's type (agno 3.x) instead of `agent`.
    pub detect_session_type: bool,
    /// Which AgentOS to answer as.
    pub contract: Contract,
    /// JWT, scopes, isolation, API Gateway authorizers (beyond `security_key`).
    pub auth: AuthSettings,
}

impl Default for Config {
    /// What an empty environment configures.
    fn default() -> Self {
        Config::from_lookup(|_| None).expect("defaults are valid")
    }
}

/// A setting that cannot be used, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(lookup);
        let contract = match env.text("AGENTOS_VERSION") {
            None => Contract::default(),
            Some(value) => Contract::parse(&value).ok_or_else(|| {
                ConfigError(format!(
                    "AGENTOS_VERSION must be '2.1' or '3.1', not '{value}'"
                ))
            })?,
        };
        let databases = match env.text("SESSION_DATABASES") {
            Some(list) => parse_databases(&list, contract)?,
            None => {
                let table = env
                    .text("SESSION_TABLE")
                    .unwrap_or_else(|| "agno_sessions".into());
                vec![Database {
                    id: env.text("DB_ID").unwrap_or_else(|| "default".into()),
                    layout: match env.text("SESSION_TABLE_LAYOUT") {
                        Some(layout) => KeyLayout::parse(&layout).ok_or_else(|| {
                            ConfigError(format!(
                                "SESSION_TABLE_LAYOUT must be 'composite' or 'agno', not '{layout}'"
                            ))
                        })?,
                        None => KeyLayout::default_for(contract),
                    },
                    runs_table: env
                        .text("SESSION_RUNS_TABLE")
                        .or_else(|| default_runs_table(contract, &table)),
                    table,
                }]
            }
        };
        let cors = match env.list("CORS_ALLOW_ORIGINS") {
            Some(origins) if !origins.is_empty() => Some(CorsSettings {
                allow_origins: origins,
                allow_headers: env
                    .list("CORS_ALLOW_HEADERS")
                    .unwrap_or_else(|| vec!["authorization".into(), "if-none-match".into()])
                    .into_iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
                allow_credentials: env.flag("CORS_ALLOW_CREDENTIALS", false)?,
                max_age: env.number("CORS_MAX_AGE", 600u32, 0)?,
            }),
            _ => None,
        };
        let defaults = CompressionSettings::default();
        let compression = match env.unless_off("COMPRESSION") {
            None => defaults,
            Some(None) => CompressionSettings {
                gzip: false,
                brotli: false,
                ..defaults
            },
            Some(Some(value)) => {
                let value = value.to_ascii_lowercase();
                let tokens: Vec<&str> = value.split(',').map(str::trim).collect();
                if let Some(bad) = tokens.iter().find(|t| !matches!(**t, "gzip" | "br")) {
                    return Err(ConfigError(format!(
                        "COMPRESSION lists '{bad}'; use br, gzip or off"
                    )));
                }
                CompressionSettings {
                    gzip: tokens.contains(&"gzip"),
                    brotli: tokens.contains(&"br"),
                    ..defaults
                }
            }
        };
        let compression = CompressionSettings {
            min_bytes: usize::try_from(env.number(
                "COMPRESSION_MIN_BYTES",
                compression.min_bytes as u64,
                0,
            )?)
            .map_err(|_| ConfigError("COMPRESSION_MIN_BYTES is too large".into()))?,
            ..compression
        };
        let dynamodb = DynamoSettings::default();
        Ok(Config {
            detect_session_type: contract == Contract::V3_1
                || env.flag("DETECT_SESSION_TYPE", false)?,
            auth: AuthSettings::from_env(&env)?,
            contract,
            cors,
            compression,
            metrics_namespace: env
                .unless_off("METRICS_NAMESPACE")
                .unwrap_or_else(|| Some("AgnoSessions".to_owned())),
            databases,
            // AgentOS disables authentication when the key is empty.
            security_key: env.raw("OS_SECURITY_KEY").map(SecurityKey),
            dynamodb: DynamoSettings {
                attempt_timeout: Duration::from_millis(env.number(
                    "DYNAMODB_TIMEOUT_MS",
                    dynamodb.attempt_timeout.as_millis() as u64,
                    1,
                )?),
                max_attempts: env.number("DYNAMODB_MAX_ATTEMPTS", dynamodb.max_attempts, 1)?,
                connect_at_init: env.flag("DYNAMODB_CONNECT_AT_INIT", dynamodb.connect_at_init)?,
            },
        })
    }

    /// AgentOS's `get_db`: the named database (under 3.1, the one of that id holding
    /// `table`, when given), or the only one.
    pub fn database(
        &self,
        db_id: Option<&str>,
        table: Option<&str>,
    ) -> Result<&Database, DatabaseError> {
        let v3 = self.contract == Contract::V3_1;
        let table = table.filter(|_| v3);
        if table.is_some() && db_id.is_none() {
            return Err(DatabaseError::TableWithoutId);
        }
        match db_id {
            Some(id) => {
                let mut of_id = self.databases.iter().filter(|db| db.id == id).peekable();
                if of_id.peek().is_none() {
                    return Err(match v3 {
                        true => DatabaseError::NotFound(id.to_owned()),
                        false => DatabaseError::Unknown(id.to_owned()),
                    });
                }
                match table {
                    None => Ok(of_id.next().expect("peeked")),
                    Some(table) => {
                        of_id
                            .find(|db| db.table == table)
                            .ok_or_else(|| DatabaseError::NoTable {
                                id: id.to_owned(),
                                table: table.to_owned(),
                            })
                    }
                }
            }
            // AgentOS counts database ids, not tables.
            None if self.database_ids() > 1 => Err(DatabaseError::Required),
            None => self.databases.first().ok_or(DatabaseError::Required),
        }
    }

    fn database_ids(&self) -> usize {
        let mut ids: Vec<&str> = self.databases.iter().map(|db| db.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }
}

/// The other tables of an agno 3.1.10 database that `?table=` may name, as `DynamoDb`
/// names them by default (`BaseDb.__init__`): AgentOS then picks that database when the
/// table exists, and reads its sessions table.
pub const AGNO_OTHER_TABLES: [&str; 5] = [
    "agno_memories",
    "agno_learnings",
    "agno_metrics",
    "agno_eval_runs",
    "agno_knowledge",
];

/// agno 3.1.10's name for a sessions table's runs table (`BaseDb.__init__`), under 3.1.
fn default_runs_table(contract: Contract, table: &str) -> Option<String> {
    match (contract, table) {
        (Contract::V2_1, _) => None,
        (Contract::V3_1, "agno_sessions") => Some("agno_runs".into()),
        (Contract::V3_1, table) => Some(format!("{table}_runs")),
    }
}

/// AgentOS's `get_db` failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseError {
    /// Several databases, and no `db_id`.
    #[error("The db_id query parameter is required when using multiple databases")]
    Required,
    /// No database of that id (AgentOS 2.1.10's words).
    #[error("Database with id '{0}' not found")]
    Unknown(String),
    /// No database of that id (AgentOS 3.1.10's words).
    #[error("No database found with id '{0}'")]
    NotFound(String),
    /// `?table=` without `?db_id=` (3.1).
    #[error("The db_id query parameter is required when passing a table")]
    TableWithoutId,
    /// No database of that id has that sessions table (3.1).
    #[error("No database with id '{id}' has table '{table}'")]
    #[allow(missing_docs)]
    NoTable { id: String, table: String },
}

fn parse_databases(list: &str, contract: Contract) -> Result<Vec<Database>, ConfigError> {
    let mut databases: Vec<Database> = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || {
            ConfigError(format!(
                "SESSION_DATABASES entry '{entry}' is not 'id=table[:layout[:runs_table]]'"
            ))
        };
        let (id, rest) = entry.split_once('=').ok_or_else(bad)?;
        let mut parts = rest.split(':');
        let table = parts.next().unwrap_or_default();
        let layout = match parts.next().map(str::trim).filter(|l| !l.is_empty()) {
            Some(layout) => KeyLayout::parse(layout).ok_or_else(bad)?,
            None => KeyLayout::default_for(contract),
        };
        let runs_table = parts
            .next()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .or_else(|| default_runs_table(contract, table.trim()));
        if parts.next().is_some() {
            return Err(bad());
        }
        let (id, table) = (id.trim(), table.trim());
        if id.is_empty() || table.is_empty() {
            return Err(bad());
        }
        // Under 3.1 one id may hold several sessions tables (`?table=` picks one).
        if databases
            .iter()
            .any(|db| db.id == id && (contract == Contract::V2_1 || db.table == table))
        {
            return Err(ConfigError(format!(
                "SESSION_DATABASES names database '{id}' twice"
            )));
        }
        databases.push(Database {
            id: id.to_owned(),
            table: table.to_owned(),
            layout,
            runs_table,
        });
    }
    if databases.is_empty() {
        return Err(ConfigError("SESSION_DATABASES names no database".into()));
    }
    Ok(databases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_to_one_composite_database() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c.databases,
            vec![Database {
                id: "default".into(),
                table: "agno_sessions".into(),
                layout: KeyLayout::Composite,
                runs_table: None,
            }]
        );
        assert!(c.security_key.is_none());
        assert_eq!(c.dynamodb, DynamoSettings::default());
    }

    #[test]
    fn several_databases_in_order() {
        let c = config(&[("SESSION_DATABASES", "main=t1:agno:agno_runs, other=t2")]).unwrap();
        assert_eq!(c.databases[0].layout, KeyLayout::Agno);
        assert_eq!(c.databases[0].runs_table.as_deref(), Some("agno_runs"));
        assert_eq!(c.databases[1].runs_table, None);
        assert!(!c.detect_session_type);
        assert!(
            config(&[("DETECT_SESSION_TYPE", "true")])
                .unwrap()
                .detect_session_type
        );
        assert!(config(&[("SESSION_DATABASES", "a=t:agno:r:extra")]).is_err());
        assert_eq!(c.databases[1].table, "t2");
        assert_eq!(c.database(None, None), Err(DatabaseError::Required));
        assert_eq!(c.database(Some("other"), None).unwrap().id, "other");
        assert_eq!(
            c.database(Some("x"), None).unwrap_err().to_string(),
            "Database with id 'x' not found"
        );
    }

    #[test]
    fn agentos_3_1_defaults_to_the_tables_agno_creates() {
        let c = config(&[("AGENTOS_VERSION", "3.1")]).unwrap();
        assert_eq!(c.contract, Contract::V3_1);
        assert!(c.detect_session_type);
        let db = &c.databases[0];
        assert_eq!(
            (db.table.as_str(), db.layout, db.runs_table.as_deref()),
            ("agno_sessions", KeyLayout::Agno, Some("agno_runs"))
        );
        let c = config(&[("AGENTOS_VERSION", "3.1"), ("SESSION_TABLE", "chats")]).unwrap();
        assert_eq!(c.databases[0].runs_table.as_deref(), Some("chats_runs"));
        assert!(config(&[("AGENTOS_VERSION", "3")]).is_err());
    }

    #[test]
    fn agentos_3_1_picks_a_database_by_id_and_table() {
        let c = config(&[
            ("AGENTOS_VERSION", "3.1"),
            ("SESSION_DATABASES", "a=t1, a=t2:composite:r2, b=t3"),
        ])
        .unwrap();
        let runs: Vec<_> = c
            .databases
            .iter()
            .map(|d| d.runs_table.as_deref())
            .collect();
        assert_eq!(runs, [Some("t1_runs"), Some("r2"), Some("t3_runs")]);
        assert_eq!(c.database(Some("a"), None).unwrap().table, "t1");
        assert_eq!(c.database(Some("a"), Some("t2")).unwrap().table, "t2");
        assert_eq!(
            c.database(Some("a"), Some("t3")).unwrap_err().to_string(),
            "No database with id 'a' has table 't3'"
        );
        assert_eq!(
            c.database(None, Some("t1")),
            Err(DatabaseError::TableWithoutId)
        );
        assert_eq!(
            c.database(Some("z"), None).unwrap_err().to_string(),
            "No database found with id 'z'"
        );
        assert_eq!(c.database(None, None), Err(DatabaseError::Required));
        // One id, two tables: not "several databases".
        let c = config(&[
            ("AGENTOS_VERSION", "3.1"),
            ("SESSION_DATABASES", "a=t1,a=t2"),
        ])
        .unwrap();
        assert_eq!(c.database(None, None).unwrap().table, "t1");
        assert!(
            config(&[
                ("AGENTOS_VERSION", "3.1"),
                ("SESSION_DATABASES", "a=t1,a=t1")
            ])
            .is_err()
        );
        // The 2.1 contract has no `?table=`: ignored.
        let c = config(&[("SESSION_DATABASES", "a=t1")]).unwrap();
        assert_eq!(c.database(None, Some("zz")).unwrap().table, "t1");
    }

    #[test]
    fn single_database_still_checks_the_id() {
        let c = config(&[("DB_ID", "prod")]).unwrap();
        assert_eq!(c.database(None, None).unwrap().id, "prod");
        assert!(c.database(Some("prod"), None).is_ok());
        assert_eq!(
            c.database(Some("dev"), None),
            Err(DatabaseError::Unknown("dev".into()))
        );
    }

    #[test]
    fn bad_values_are_explained() {
        assert!(config(&[("SESSION_TABLE_LAYOUT", "sideways")]).is_err());
        assert!(config(&[("SESSION_DATABASES", "a=t,a=u")]).is_err());
        assert!(config(&[("SESSION_DATABASES", "=t")]).is_err());
        assert!(config(&[("DYNAMODB_MAX_ATTEMPTS", "0")]).is_err());
        assert!(config(&[("DYNAMODB_CONNECT_AT_INIT", "sometimes")]).is_err());
    }

    #[test]
    fn the_connection_is_opened_at_init_unless_turned_off() {
        assert!(config(&[]).unwrap().dynamodb.connect_at_init);
        let off = config(&[("DYNAMODB_CONNECT_AT_INIT", "false")]).unwrap();
        assert!(!off.dynamodb.connect_at_init);
    }

    #[test]
    fn http_features() {
        let c = config(&[]).unwrap();
        assert!(c.cors.is_none());
        assert_eq!(c.compression, CompressionSettings::default());
        assert_eq!(c.metrics_namespace.as_deref(), Some("AgnoSessions"));

        let c = config(&[
            ("CORS_ALLOW_ORIGINS", "https://a.example, https://b.example"),
            ("CORS_ALLOW_HEADERS", "Authorization"),
            ("CORS_ALLOW_CREDENTIALS", "true"),
            ("COMPRESSION", "gzip"),
            ("COMPRESSION_MIN_BYTES", "0"),
            ("METRICS_NAMESPACE", "off"),
        ])
        .unwrap();
        let cors = c.cors.unwrap();
        assert_eq!(
            cors.allow_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(cors.allow_headers, ["authorization"]);
        assert!(cors.allow_credentials);
        assert_eq!(
            c.compression,
            CompressionSettings {
                gzip: true,
                brotli: false,
                min_bytes: 0
            }
        );
        assert!(c.metrics_namespace.is_none());
        assert!(config(&[("COMPRESSION", "zstd")]).is_err());
        assert!(
            config(&[
                ("CORS_ALLOW_ORIGINS", "*"),
                ("CORS_ALLOW_CREDENTIALS", "maybe")
            ])
            .is_err()
        );
    }

    #[test]
    fn security_key_compares_exactly_and_hides_itself() {
        let c = config(&[("OS_SECURITY_KEY", "s3cret")]).unwrap();
        let key = c.security_key.unwrap();
        assert!(key.matches("s3cret"));
        assert!(!key.matches("s3cre"));
        assert!(!key.matches("s3cret "));
        assert!(!key.matches(""));
        assert_eq!(format!("{key:?}"), "SecurityKey(***)");
        assert!(
            config(&[("OS_SECURITY_KEY", "")])
                .unwrap()
                .security_key
                .is_none()
        );
    }
}
