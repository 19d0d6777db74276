//! The contents of JSON strings, sixteen bytes at a time: finding the first byte that
//! does not stand for itself (a quote, a backslash or a control character). Both ends
//! of a request cross megabytes of such text: DynamoDB's answer holds each stored
//! document as a string to unescape, and Lambda's response the rendered one as a
//! string to escape.

mod scan;

pub(crate) use scan::is_special;
pub(crate) use scan::specials_from;
use scan::{first_special_16, quoted_end, specials_in};

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

/// Where a JSON string is not what JSON allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub problem: &'static str,
    pub at: usize,
}

fn invalid<T>(problem: &'static str, at: usize) -> Result<T, Invalid> {
    Err(Invalid { problem, at })
}

/// Appends the unescaped contents of the JSON string whose contents start at `from`
/// (after its opening quote) to `out`, and answers the index after its closing quote.
/// Not `strict`, as `serde_json` passes over an ignored value: `\uXXXX` is not checked
/// for surrogates (and appends nothing).
pub(crate) fn unescape_into(
    bytes: &[u8],
    from: usize,
    out: &mut Vec<u8>,
    strict: bool,
) -> Result<usize, Invalid> {
    let mut i = from;
    loop {
        // A long string (a session's runs) gets room for the rest of the text, which
        // holds the rest of it, instead of being copied at every doubling.
        if out.capacity() - out.len() < 8 && out.len() >= 4096 {
            out.reserve(bytes.len() - i);
        }
        i = copy_plain(out, bytes, i);
        // The escapes of JSON text inside a JSON string, which are most of them.
        if let Some(&[b'\\', b @ (b'"' | b'\\')]) = bytes.get(i..i + 2) {
            out.push(b);
            i += 2;
            continue;
        }
        match bytes.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => {
                let simple = match bytes.get(i + 1) {
                    Some(b'/') => b'/',
                    Some(b'b') => 0x08,
                    Some(b'f') => 0x0c,
                    Some(b'n') => b'\n',
                    Some(b'r') => b'\r',
                    Some(b't') => b'\t',
                    Some(b'u') if !strict => {
                        hex4(bytes, i + 2)?;
                        i += 6;
                        continue;
                    }
                    Some(b'u') => {
                        let (c, next) = unicode(bytes, i + 2)?;
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        i = next;
                        continue;
                    }
                    _ => return invalid("invalid escape", i + 1),
                };
                out.push(simple);
                i += 2;
            }
            Some(_) => return invalid("control character in a string", i),
            None => return invalid("unterminated string", i),
        }
    }
}

/// The check of [`unescape_into`] (strict), without keeping its output: checks the JSON
/// string whose contents start at `from`, and answers the index after its closing quote,
/// and whether its contents are known to be ASCII (`false`: maybe not).
pub(crate) fn check(bytes: &[u8], from: usize) -> Result<(usize, bool), Invalid> {
    if let Some(checked) = quoted_end(bytes, from) {
        return Ok(checked);
    }
    // Other escapes are rare there: the strict unescape checks them, its output unused.
    unescape_into(bytes, from, &mut Vec::new(), true).map(|end| (end, false))
}

/// The contents of a JSON string, checked already (by [`check`]), unescaped.
pub(crate) fn unescape_checked(contents: &str) -> String {
    let mut out = Vec::with_capacity(contents.len());
    // Read to the end, where the closing quote would be (so it stops as "unterminated"
    // there). Checked text unescapes whole into UTF-8; anything else keeps what was read.
    let _ = unescape_into(contents.as_bytes(), 0, &mut out, true);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `\uXXXX` (a surrogate pair: `\uD8XX\uDCXX`), from the hex digits at `i`: the
/// character and the index after it.
fn unicode(bytes: &[u8], i: usize) -> Result<(char, usize), Invalid> {
    let first = hex4(bytes, i)?;
    let (code, next) = match first {
        0xD800..=0xDBFF => {
            if bytes.get(i + 4..i + 6) != Some(b"\\u") {
                return invalid("lone leading surrogate", i + 4);
            }
            let second = hex4(bytes, i + 6)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return invalid("lone leading surrogate", i + 10);
            }
            let code = 0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
            (code, i + 10)
        }
        0xDC00..=0xDFFF => return invalid("lone trailing surrogate", i + 4),
        _ => (u32::from(first), i + 4),
    };
    Ok((char::from_u32(code).expect("not a surrogate"), next))
}

fn hex4(bytes: &[u8], i: usize) -> Result<u16, Invalid> {
    let digits = bytes.get(i..i + 4).unwrap_or_default();
    let mut value = 0u16;
    for (n, &d) in digits.iter().enumerate() {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return invalid("invalid escape", i + n),
        };
        value = value << 4 | u16::from(v);
    }
    if digits.len() < 4 {
        return invalid("unterminated string", bytes.len());
    }
    Ok(value)
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

        /// `check` takes what the strict unescape takes, and the checked contents of
        /// any string unescape back to it.
        #[test]
        fn checked_strings_unescape_to_what_was_escaped(
            text in r#"[ -~"\\\n\t\u{0}-\u{1f}é\u{1f600}]{0,300}"#,
            cut in 0usize..400,
        ) {
            let quoted = serde_json::to_string(&text).unwrap();
            let contents = &quoted[1..quoted.len() - 1];
            prop_assert_eq!(check(quoted.as_bytes(), 1).map(|c| c.0), Ok(quoted.len()));
            prop_assert_eq!(&unescape_checked(contents), &text);
            // Cut anywhere (escapes broken up, the quote gone): both agree.
            let cut = &quoted.as_bytes()[..cut.min(quoted.len())];
            let unescaped = unescape_into(cut, 1.min(cut.len()), &mut Vec::new(), true);
            prop_assert_eq!(check(cut, 1.min(cut.len())).map(|c| c.0), unescaped);
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
