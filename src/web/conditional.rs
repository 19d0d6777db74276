//! Conditional GET: a strong `ETag` from the rendered document, and `If-None-Match`.

/// `"<hash>-<length>"` of the document: any change to the stored session that changes
/// the answer changes the tag. A compressed variant gets a `-gzip` / `-br` suffix, as
/// it is a different representation.
pub fn etag(body: &[u8], encoding: Option<&str>) -> String {
    let suffix = encoding.map(|e| format!("-{e}")).unwrap_or_default();
    format!("\"{:016x}-{:x}{suffix}\"", hash(body), body.len())
}

/// Whether `If-None-Match` names this document (any representation of it), or is `*`.
/// Weak comparison, as RFC 9110 prescribes for `If-None-Match`.
pub fn not_modified(if_none_match: &str, body: &[u8]) -> bool {
    let ours = etag(body, None);
    let ours = ours.trim_matches('"');
    if_none_match.split(',').map(str::trim).any(|tag| {
        if tag == "*" {
            return true;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        let base = tag
            .strip_suffix("-gzip")
            .or_else(|| tag.strip_suffix("-br"))
            .unwrap_or(tag);
        base == ours
    })
}

/// A fast 64-bit hash, 8 bytes at a time (not for security: ETags only tell versions
/// of one document apart).
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = K ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        h = (h ^ word).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    // splitmix64 finalizer: every input bit affects every output bit.
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_change_with_the_document() {
        let a = etag(b"{\"a\":1}", None);
        assert_ne!(a, etag(b"{\"a\":2}", None));
        assert_ne!(a, etag(b"{\"a\":1} ", None));
        assert_eq!(a, etag(b"{\"a\":1}", None));
        assert!(a.starts_with('"') && a.ends_with('"'));
        assert!(etag(b"x", Some("gzip")).ends_with("-gzip\""));
    }

    #[test]
    fn if_none_match_rules() {
        let body = b"{\"session_id\":\"s\"}";
        let tag = etag(body, None);
        assert!(not_modified(&tag, body));
        assert!(not_modified(&format!("W/{tag}"), body));
        assert!(not_modified(
            &format!("\"other\", {}", etag(body, Some("gzip"))),
            body
        ));
        assert!(not_modified("*", body));
        assert!(!not_modified("\"other\"", body));
        assert!(!not_modified(&etag(b"changed", None), body));
    }
}
