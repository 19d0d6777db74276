//! Agno AgentOS's "Get Session by ID" endpoint, served by AWS Lambda from DynamoDB.
//!
//! A request's path through the crate: `entry` (the Lambda event: guard, HTTP routing or
//! direct invocation, answers) → `operation` (authorize, find, check, render) →
//! `store` (DynamoDB, returning decoded sessions) → `render` (AgentOS's documents, a
//! pure function of the stored session). `web` holds the HTTP extras (conditional GET,
//! compression, CORS); `config` the settings read once at cold start; `telemetry` the
//! logs and metrics; `error` the one mapping from every failure to its answer.

#![warn(missing_docs)]

mod config;
mod entry;
mod error;
mod json_string;
mod operation;
mod render;
mod session;
mod store;
mod telemetry;
mod web;

pub use config::{Config, ConfigError};
pub use entry::{InvocationError, Output, handle_event, read_event, run};
pub use error::Error;
pub use operation::App;
pub use session::{
    Caller, Claims, Contract, Doc, Epoch, SessionRecord, SessionRequest, SessionType,
};
pub use store::{
    DynamoStore, RecordError, SessionStore, StartError, StoreError, StoredSession, Unreadable,
    cold_start,
};
pub use telemetry::init as init_logging;

/// Internals that tests, benchmarks and fuzz targets reach into. Not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::config::{Database, DatabaseError, DynamoSettings, KeyLayout, SecurityKey};
    pub use crate::entry::{MAX_TARGET_BYTES, dispatch, escape_into};
    pub use crate::operation::MAX_SESSION_ID_BYTES;
    pub use crate::operation::access::{
        Authorizer, Credentials, authenticate, check_scopes, owner,
    };
    pub use crate::render::python::json_dumps;
    pub use crate::render::{Document, check_scanner, render, render_document};
    pub use crate::store::{
        Item, client_config, decode, item_from_json, operation_timeout, read_get_item,
        read_get_item_keeping_runs,
    };
    pub use crate::store::{sdk, secrets};
    pub use crate::telemetry::{log_filter, subscriber};
    pub use crate::web::{CompressionSettings, CorsSettings, Encoding, compress, etag};
}
