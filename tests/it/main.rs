//! Every integration test, in one binary (one link of the AWS SDK instead of one per
//! file): a module per concern. They need DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB`);
//! `scripts/test.sh` starts it.

mod common;

mod agno3;
mod auth3;
mod bad_input;
mod compat;
mod corrupt;
mod dynamodb;
mod events;
mod faults;
mod fuzz_pass;
mod http_features;
mod render;
mod runtime;
mod secrets;
mod security;
