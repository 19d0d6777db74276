//! Python's text forms of JSON values, where AgentOS puts them into a string:
//! `json.dumps(value)` (default separators, `ensure_ascii=True`) and `str(value)`.

use std::borrow::Cow;
use std::fmt::Write;

use serde_json::value::RawValue;

/// Containers nested deeper than this are not dumped: serde_json's own limit for the
/// documents read here, below Python's (its recursion limit, about 1000).
pub const MAX_DEPTH: usize = 128;

/// Why a value could not be written as Python would.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// `json.dumps(value)` of a decoded JSON value.
pub fn json_dumps(raw: &RawValue) -> Result<String, DumpError> {
    let mut out = String::with_capacity(raw.get().len() + 16);
    dump(raw.get(), Style::default(), &mut out)?;
    Ok(out)
}

/// `json.dumps(value, indent=2)`.
pub fn json_dumps_indented(raw: &RawValue) -> Result<String, DumpError> {
    let mut out = String::with_capacity(raw.get().len() * 2 + 16);
    let style = Style {
        indent: Some(2),
        ..Style::default()
    };
    dump(raw.get(), style, &mut out)?;
    Ok(out)
}

/// `json.dumps(value, ensure_ascii=False)`.
pub fn json_dumps_unicode(raw: &RawValue) -> Result<String, DumpError> {
    let mut out = String::with_capacity(raw.get().len() + 16);
    let style = Style {
        unicode: true,
        ..Style::default()
    };
    dump(raw.get(), style, &mut out)?;
    Ok(out)
}

/// `json.dumps` options.
#[derive(Clone, Copy, Default)]
struct Style {
    indent: Option<usize>,
    /// `ensure_ascii=False`.
    unicode: bool,
}

fn newline(out: &mut String, indent: usize, depth: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent * depth));
}

/// Rewrites valid JSON text token by token, in one pass: Python's separators (or its
/// `indent=` layout), its string escapes and number forms. (Reading it level by level
/// would scan a deeply nested value once per level.)
fn dump(text: &str, style: Style, out: &mut String) -> Result<(), DumpError> {
    let indent = style.indent;
    let bytes = text.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < bytes.len() {
        let rest = &bytes[i..];
        let token_end =
            |pred: fn(&u8) -> bool| i + rest.iter().position(|b| !pred(b)).unwrap_or(rest.len());
        match bytes[i] {
            open @ (b'{' | b'[') => {
                depth += 1;
                if depth > MAX_DEPTH + 1 {
                    return Err(DumpError::TooDeep);
                }
                out.push(char::from(open));
                i += 1;
                if let Some(indent) = indent {
                    // Python writes empty containers as `{}` / `[]` even when indenting.
                    let next = bytes[i..].iter().position(|b| !b.is_ascii_whitespace());
                    match next.map(|n| bytes[i + n]) {
                        Some(b'}' | b']') => {}
                        _ => newline(out, indent, depth),
                    }
                }
            }
            close @ (b'}' | b']') => {
                depth = depth.saturating_sub(1);
                if let Some(indent) = indent
                    && !matches!(out.as_bytes().last(), Some(b'{' | b'['))
                {
                    newline(out, indent, depth);
                }
                out.push(char::from(close));
                i += 1;
            }
            b',' => {
                match indent {
                    Some(indent) => {
                        out.push(',');
                        newline(out, indent, depth);
                    }
                    None => out.push_str(", "),
                }
                i += 1;
            }
            b':' => {
                out.push_str(": ");
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i);
                quote(
                    &serde_json::from_str::<Cow<str>>(&text[i..end])?,
                    style.unicode,
                    out,
                );
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let end =
                    token_end(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'));
                out.push_str(&number(&text[i..end]));
                i = end;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                // true, false, null
                let end = token_end(u8::is_ascii_alphabetic).max(i + 1);
                out.push_str(&text[i..end]);
                i = end;
            }
        }
    }
    Ok(())
}

/// Where the string literal starting at `start` (its opening quote) ends.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Python's text for a JSON number: integers as written, floats as `repr(float)`.
fn number(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Cow::Borrowed(text);
    }
    match text.parse::<f64>() {
        Ok(f) => Cow::Owned(float_repr(f)),
        Err(_) => Cow::Borrowed(text),
    }
}

/// `repr(f)`: shortest round-trip digits; positional for 1e-4 <= |f| < 1e16,
/// otherwise exponent form with a sign and at least two exponent digits.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e2", "-1e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::from(sign);
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// A JSON string literal with `ensure_ascii=True` escaping (or, `unicode`, only the
/// escapes `ensure_ascii=False` keeps: quotes, backslashes and control characters).
fn quote(s: &str, unicode: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Python escapes everything outside ' '..='~' (DEL included).
            ' '..='~' => out.push(c),
            c if unicode && c >= ' ' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// `str(value)` for a scalar JSON value (as an f-string would format it); containers
/// fall back to `json.dumps`, which matches `str()` for the common cases of strings and
/// numbers inside.
pub fn str_of(raw: &RawValue) -> Result<String, DumpError> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)?,
        Some(b't') => "True".into(),
        Some(b'f') => "False".into(),
        Some(b'n') => "None".into(),
        Some(b'-' | b'0'..=b'9') => number(text).into_owned(),
        _ => json_dumps(raw)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(text: &str) -> String {
        json_dumps(serde_json::from_str(text).unwrap()).unwrap()
    }

    #[test]
    fn dumps_like_python() {
        assert_eq!(
            dumps(r#"{"b":1,"a":[1.0,"x",null,true],"c":{}}"#),
            r#"{"b": 1, "a": [1.0, "x", null, true], "c": {}}"#
        );
        assert_eq!(
            dumps(r#"{"k":"café 😀 \n"}"#),
            r#"{"k": "caf\u00e9 \ud83d\ude00 \n"}"#
        );
        assert_eq!(
            dumps(r#"{"big":123456789012345678901234567890}"#),
            r#"{"big": 123456789012345678901234567890}"#
        );
        assert_eq!(dumps(r#""\u0001\u007f~""#), r#""\u0001\u007f~""#);
    }

    #[test]
    fn dumps_indented_like_python() {
        let indented =
            |text: &str| json_dumps_indented(serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(
            indented(r#"{"input_content": "hi", "l": [1, {}], "e": [], "n": {"k": null}}"#),
            "{\n  \"input_content\": \"hi\",\n  \"l\": [\n    1,\n    {}\n  ],\n  \"e\": [],\n  \"n\": {\n    \"k\": null\n  }\n}"
        );
        assert_eq!(indented("{}"), "{}");
        assert_eq!(indented(r#""x""#), r#""x""#);
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed_into() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        assert!(json_dumps(serde_json::from_str(&nested(MAX_DEPTH)).unwrap()).is_ok());
        // Deeper than serde_json reads into a value, but fine as raw text.
        let text = nested(100_000);
        let deep: &RawValue = serde_json::from_str(&text).unwrap();
        assert!(matches!(json_dumps(deep), Err(DumpError::TooDeep)));
    }

    #[test]
    fn float_repr_like_python() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (-2.5, "-2.5"),
            (123.456, "123.456"),
            (1e300, "1e+300"),
            (-0.0, "-0.0"),
        ];
        for (f, expected) in cases {
            assert_eq!(float_repr(f), expected, "{f}");
        }
    }

    #[test]
    fn str_of_scalars() {
        let s = |t: &str| str_of(serde_json::from_str(t).unwrap()).unwrap();
        assert_eq!(s(r#""Pipeline""#), "Pipeline");
        assert_eq!(s("3"), "3");
        assert_eq!(s("true"), "True");
        assert_eq!(s("2.50"), "2.5");
    }

    #[test]
    fn deep_and_wide_values_dump_in_one_pass() {
        let depth = 50; // 100 containers: an object and an array a level
        let text = format!(
            "{}{}{}",
            "{\"k\": [".repeat(depth),
            (0..500)
                .map(|i| format!("{i}.5"))
                .collect::<Vec<_>>()
                .join(","),
            "]}".repeat(depth)
        );
        let dumped = dumps(&text);
        assert!(
            dumped.starts_with(&"{\"k\": [".repeat(depth)),
            "{:.80}",
            dumped
        );
        assert!(dumped.contains("0.5, 1.5, 2.5"), "{:.80}", dumped);
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        let raw: Box<RawValue> = RawValue::from_string(too_deep).unwrap();
        assert!(matches!(json_dumps(&raw), Err(DumpError::TooDeep)));
    }
}
