//! The renderer on items of any shape and attribute types: see `fuzz/harness.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)] // each target uses one of the two harnesses
mod harness;

libfuzzer_sys::fuzz_target!(|attributes: Vec<(u8, harness::Value)>| {
    harness::render_item(attributes)
});
