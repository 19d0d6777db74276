//! Agno AgentOS's "Get Session by ID" endpoint, served by AWS Lambda from DynamoDB.
//!
//! `http` and `invoke` turn events into a [`request::SessionRequest`]; `service` finds
//! the session through a [`store::SessionStore`] and renders it with `render`, a pure
//! function of the stored [`record::SessionRecord`].

pub mod compress;
pub mod conditional;
pub mod config;
pub mod cors;
pub mod ddb_json;
pub mod error;
pub mod event;
pub mod http;
pub mod invoke;
pub mod lambda;
pub mod logging;
pub mod record;
pub mod render;
pub mod request;
pub mod runs;
pub mod service;
pub mod store;
pub mod telemetry;
