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

/// A fast 64-bit hash (not for security: ETags only tell versions of one document
/// apart). Four independent lanes of 8 bytes: one lane's multiply chain was the whole
/// cost (a 300 KB document took ~2.5 % of a request's CPU), four overlap.
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, word: u64| (h ^ word).wrapping_mul(K).rotate_left(29);
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().unwrap_or_default());
    let mut lanes = [
        K ^ bytes.len() as u64,
        K,
        K.rotate_left(16),
        K.rotate_left(32),
    ];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, chunk) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = mix(*lane, word(chunk));
        }
    }
    let mut h = lanes.iter().fold(0, |h, &lane| mix(h, lane));
    let mut chunks = blocks.remainder().chunks_exact(8);
    for chunk in &mut chunks {
        h = mix(h, word(chunk));
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
    fn every_byte_counts() {
        // Across the 32-byte blocks, the 8-byte remainder and the tail.
        let doc: Vec<u8> = (0..77u8).collect();
        let tag = etag(&doc, None);
        for i in 0..doc.len() {
            let mut changed = doc.clone();
            changed[i] ^= 1;
            assert_ne!(etag(&changed, None), tag, "byte {i}");
        }
        // Swapping two words in different lanes changes the tag too.
        let mut swapped = doc.clone();
        swapped[..8].swap_with_slice(&mut doc.clone()[8..16]);
        swapped[8..16].copy_from_slice(&doc[..8]);
        assert_ne!(etag(&swapped, None), tag);
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
