//! The contents of JSON strings, sixteen bytes at a time: finding the first byte that
//! does not stand for itself (a quote, a backslash or a control character). Both ends
//! of a request cross megabytes of such text: DynamoDB's answer holds each stored
//! document as a string to unescape, and Lambda's response the rendered one as a
//! string to escape.

mod scan;

pub(crate) use scan::is_special;
use scan::{first_special_16, specials_in};

/// Appends `text[from..]` to `out` up to its first special byte, and answers that
/// byte's index (`text.len()` when there is none).
///
/// Sixteen bytes are copied at a time, then `out` is cut back to the special byte: one
/// store per chunk instead of a copy call per run, which matters where runs are short
/// (JSON text inside a JSON string has a backslash every few bytes).
// Always inlined: it runs once per escape, and a call costs about as much as the scan.
#[inline(always)]
pub(crate) fn copy_plain(out: &mut Vec<u8>, text: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = text.get(i..i + 16) {
        let chunk: &[u8; 16] = chunk.try_into().expect("sixteen bytes");
        out.extend_from_slice(chunk);
        if let Some(plain) = first_special_16(chunk) {
            out.truncate(out.len() - 16 + plain);
            return i + plain;
        }
        i += 16;
    }
    while let Some(chunk) = text.get(i..i + 8) {
        out.extend_from_slice(chunk);
        let specials = specials_in(chunk);
        if specials != 0 {
            let plain = (specials.trailing_zeros() / 8) as usize;
            out.truncate(out.len() - 8 + plain);
            return i + plain;
        }
        i += 8;
    }
    while let Some(&b) = text.get(i) {
        if is_special(b) {
            return i;
        }
        out.push(b);
        i += 1;
    }
    i
}

/// The index of the first special byte of `text` at or after `from` (`text.len()`
/// when there is none): [`copy_plain`] without the copy, for text that is only read.
#[inline(always)]
pub(crate) fn skip_plain(text: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = text.get(i..i + 16) {
        if let Some(plain) = first_special_16(chunk.try_into().expect("sixteen bytes")) {
            return i + plain;
        }
        i += 16;
    }
    while let Some(&b) = text.get(i) {
        if is_special(b) {
            return i;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn copies_up_to_the_first_special_byte(
            text in proptest::collection::vec(any::<u8>(), 0..40),
            from in 0usize..40,
        ) {
            let from = from.min(text.len());
            let mut out = b"x".to_vec();
            let stop = copy_plain(&mut out, &text, from);
            let expected = text[from..].iter().position(|&b| is_special(b)).map_or(text.len(), |p| from + p);
            prop_assert_eq!(stop, expected);
            prop_assert_eq!(&out[1..], &text[from..stop]);
            prop_assert_eq!(skip_plain(&text, from), stop);
        }

        #[test]
        fn long_text_is_copied_whole_between_specials(
            text in proptest::collection::vec(
                prop_oneof![20 => 0x20u8..0x7f, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20],
                0..600,
            ),
        ) {
            let mut out = Vec::new();
            let mut i = 0;
            while i < text.len() {
                i = copy_plain(&mut out, &text, i);
                if let Some(&b) = text.get(i) {
                    prop_assert!(is_special(b));
                    out.push(b);
                    i += 1;
                }
            }
            prop_assert_eq!(out, text);
        }
    }
}
