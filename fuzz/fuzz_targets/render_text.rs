//! The renderer on stored JSON text: see `fuzz/harness.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)] // each target uses one of the two harnesses
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::render_text(data));
