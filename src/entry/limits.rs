//! What each event source can carry back: Lambda returns at most 6 MB from a
//! synchronous invocation (the whole response JSON: the body escaped or base64-encoded,
//! and the headers), and an ALB takes at most 1 MB from its Lambda target.

use std::ops::Range;

use lambda_http::{Body, Response};

use crate::render::Document;
use crate::web::EscapedPart;

/// Lambda's limit on a synchronous invocation's response payload.
pub(super) const LAMBDA_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// An Application Load Balancer's limit on a Lambda target's response JSON.
pub(super) const ALB_RESPONSE_BYTES: usize = 1024 * 1024;
/// Room for the status, the envelope's field names and the headers.
pub(super) const ENVELOPE_BYTES: usize = 2048;

/// Whether a body of `len` bytes may need more than `limit` once escaped: escaping
/// makes a byte six at most, so smaller bodies are not scanned.
pub(super) fn may_exceed(len: usize, limit: usize) -> bool {
    len * 6 + ENVELOPE_BYTES > limit
}

/// `text`'s length as a JSON string's contents, escaped as the answer escapes it
/// (`encode::escape_into`).
pub(super) fn text_bytes(text: &[u8]) -> usize {
    text.iter().map(|&b| super::encode::escaped_len(b)).sum()
}

/// [`text_bytes`] of text whose `escaped` part is written escaped already.
fn held_bytes(text: &[u8], escaped: Option<&Range<usize>>) -> usize {
    match escaped.and_then(|range| Document::split(text, range)) {
        Some([before, part, after]) => text_bytes(before) + part.len() + text_bytes(after),
        None => text_bytes(text),
    }
}

/// A document's length as a JSON string's contents.
pub(super) fn document_bytes(document: &Document) -> usize {
    let (text, escaped) = (document.held(), document.escaped_part());
    held_bytes(text, escaped)
}

/// The size of `response` as the runtime sends it for the event source (an ALB's gets
/// its headers twice: single- and multi-value), or a bound on it, when that bound is
/// within `limit`.
pub(super) fn response_bytes(response: &Response<Body>, alb: bool, limit: usize) -> usize {
    let headers: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 8)
        .sum();
    let envelope = headers * if alb { 2 } else { 1 } + 256;
    let body = match response.body() {
        // A bound where it is within the limit, the exact size (one scan) where not.
        Body::Text(text) if text.len() * 6 + envelope <= limit => text.len() * 6,
        Body::Text(text) => held_bytes(
            text.as_bytes(),
            response
                .extensions()
                .get::<EscapedPart>()
                .map(|part| &part.0),
        ),
        Body::Binary(bytes) => bytes.len().div_ceil(3) * 4,
        _ => 0,
    };
    body + envelope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_lengths_are_serde_json_s() {
        for text in [
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\n\t",
            "\u{1}\u{1f}",
            "caf\u{e9}",
            "",
        ] {
            let escaped = serde_json::to_string(text).unwrap();
            assert_eq!(text_bytes(text.as_bytes()), escaped.len() - 2, "{text:?}");
        }
    }
}
