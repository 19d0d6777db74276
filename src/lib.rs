//! Agno AgentOS's "Get Session by ID" endpoint, served by AWS Lambda from DynamoDB.

pub mod ddb_json;
pub mod record;
pub mod render;
pub mod request;
