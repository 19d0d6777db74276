//! The chat history scanner against the serde path: see `fuzz/harness.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)] // each target uses one of the harnesses
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::history(data));
