//! The contents of JSON strings, eight bytes at a time: finding the first byte that
//! does not stand for itself (a quote, a backslash or a control character). Both ends
//! of a request cross megabytes of such text: DynamoDB's answer holds each stored
//! document as a string to unescape, and Lambda's response the rendered one as a
//! string to escape.

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `chunk` that is a quote, a backslash or a control
/// character (and maybe of bytes above the first such one; the lowest bit set is always
/// exact).
#[inline]
fn specials_in(chunk: &[u8]) -> u64 {
    let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let controls = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    controls
        | zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
}

/// Whether `b` does not stand for itself inside a JSON string.
#[inline]
pub(crate) fn is_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Appends `text[from..]` to `out` up to its first special byte, and answers that
/// byte's index (`text.len()` when there is none).
///
/// Eight bytes are copied at a time, then `out` is cut back to the special byte: one
/// store per word instead of a copy call per run, which matters where runs are short
/// (JSON text inside a JSON string has a backslash every few bytes).
#[inline]
pub(crate) fn copy_plain(out: &mut Vec<u8>, text: &[u8], from: usize) -> usize {
    let mut i = from;
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
        }
    }
}
