//! DynamoDB's `GetItem` answers, read by the service and by `serde_json`: see
//! `fuzz/harness.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)] // each target uses one of the harnesses
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::read_wire(data));
