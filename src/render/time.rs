//! Timestamps the way AgentOS renders them: pydantic's serialization of
//! `datetime.fromtimestamp(ts, tz=timezone.utc)`, and Python's
//! `datetime.fromisoformat(s).isoformat()` round trip for summary timestamps.

use crate::session::Epoch;

/// Seconds in the range Python's `datetime` accepts (years 1..=9999).
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;

/// `2025-09-05T16:02:09Z`, with `.ffffff` when there are microseconds.
/// `None` when outside the years Python's `datetime` can hold.
pub fn iso_utc(epoch: Epoch) -> Option<String> {
    let (secs, micros) = match epoch {
        Epoch::Int(secs) => (secs, 0),
        Epoch::Float(f) => split_float_seconds(f)?,
    };
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    // Written digit by digit: `format!` was most of a small document's time formatting.
    let mut out = String::with_capacity(28);
    let hms = [rem / 3600, rem % 3600 / 60, rem % 60];
    for (value, width, after) in [
        (y, 4, '-'),
        (i64::from(m), 2, '-'),
        (i64::from(d), 2, 'T'),
        (hms[0], 2, ':'),
        (hms[1], 2, ':'),
        (hms[2], 2, '.'),
    ] {
        push_digits(&mut out, value as u32, width);
        out.push(after);
    }
    if micros != 0 {
        push_digits(&mut out, micros, 6);
    } else {
        out.pop();
    }
    out.push('Z');
    Some(out)
}

/// `value` in decimal, zero-padded to `width` digits (the value has at most that many).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
    }
}

/// Whole seconds and microseconds, rounding half to even as CPython's `fromtimestamp`.
fn split_float_seconds(f: f64) -> Option<(i64, u32)> {
    if !f.is_finite() || f.abs() > 1e12 {
        return None;
    }
    let whole = f.trunc();
    let mut micros = (f.fract() * 1e6).round_ties_even() as i64;
    let mut secs = whole as i64;
    if micros >= 1_000_000 {
        secs += 1;
        micros -= 1_000_000;
    } else if micros < 0 {
        secs -= 1;
        micros += 1_000_000;
    }
    Some((secs, micros as u32))
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

/// `datetime.fromisoformat(s).isoformat()` for the extended ISO forms Agno writes and
/// people commonly store: `YYYY-MM-DD[(T| )HH[:MM[:SS[.f…]]]][Z|±HH[:MM[:SS]]]`.
/// `None` when `s` is not such a timestamp.
pub fn normalize_isoformat(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut out = format!("{year:04}-{month:02}-{day:02}T");
    if b.len() == 10 {
        out.push_str("00:00:00");
        return Some(out);
    }
    if !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let rest = &s[11..];
    let tz_at = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (time, tz) = rest.split_at(tz_at);
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let mut fields = clock.split(':');
    let hh = two_digits(fields.next()?)?;
    let mm = fields.next().map_or(Some(0), two_digits)?;
    let ss = fields.next().map_or(Some(0), two_digits)?;
    if fields.next().is_some() || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    out.push_str(&format!("{hh:02}:{mm:02}:{ss:02}"));
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|c| c.is_ascii_digit()) || clock.len() != 8
        {
            return None;
        }
        // Python keeps microseconds: digits beyond six are dropped, fewer are padded.
        let micros: String = fraction.chars().chain("000000".chars()).take(6).collect();
        if micros != "000000" {
            out.push('.');
            out.push_str(&micros);
        }
    }
    out.push_str(&normalize_offset(tz)?);
    Some(out)
}

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
}

fn normalize_offset(tz: &str) -> Option<String> {
    if tz.is_empty() {
        return Some(String::new());
    }
    if tz == "Z" {
        return Some("+00:00".into());
    }
    let (sign, body) = tz.split_at(1);
    let parts: Vec<&str> = body.split(':').collect();
    let (hh, mm, ss) = match parts.as_slice() {
        [hhmm] if hhmm.len() == 4 => {
            // `get` rather than slicing: the four bytes may hold a multi-byte character.
            (two_digits(hhmm.get(..2)?)?, two_digits(hhmm.get(2..)?)?, 0)
        }
        [hh] => (two_digits(hh)?, 0, 0),
        [hh, mm] => (two_digits(hh)?, two_digits(mm)?, 0),
        [hh, mm, ss] => (two_digits(hh)?, two_digits(mm)?, two_digits(ss)?),
        _ => return None,
    };
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let mut out = format!("{sign}{hh:02}:{mm:02}");
    if ss != 0 {
        out.push_str(&format!(":{ss:02}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_written_as_format_writes_them() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let micros = if seed.is_multiple_of(3) {
                0
            } else {
                (seed >> 40) as u32 % 1_000_000
            };
            // Floats hold microseconds exactly near 1970 only.
            let secs = match micros {
                0 => MIN_SECS + (seed % (MAX_SECS - MIN_SECS + 1) as u64) as i64,
                _ => (seed % 100_000_000) as i64,
            };
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            let mut expected = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            );
            if micros != 0 {
                expected.push_str(&format!(".{micros:06}"));
            }
            expected.push('Z');
            let epoch = if micros == 0 {
                Epoch::Int(secs)
            } else {
                Epoch::Float(secs as f64 + f64::from(micros) / 1e6)
            };
            // The rare float that does not round trip is left out.
            if let Epoch::Float(f) = epoch
                && split_float_seconds(f) != Some((secs, micros))
            {
                continue;
            }
            assert_eq!(iso_utc(epoch).unwrap(), expected);
        }
    }

    #[test]
    fn epoch_seconds_render_like_pydantic() {
        assert_eq!(
            iso_utc(Epoch::Int(1757088129)).unwrap(),
            "2025-09-05T16:02:09Z"
        );
        assert_eq!(iso_utc(Epoch::Int(0)).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(Epoch::Int(-1)).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(
            iso_utc(Epoch::Int(951782400)).unwrap(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            iso_utc(Epoch::Float(1757088129.5)).unwrap(),
            "2025-09-05T16:02:09.500000Z"
        );
        assert_eq!(
            iso_utc(Epoch::Float(-0.25)).unwrap(),
            "1969-12-31T23:59:59.750000Z"
        );
        assert_eq!(iso_utc(Epoch::Int(MAX_SECS + 1)), None);
    }

    #[test]
    fn isoformat_round_trip() {
        let cases = [
            ("2025-09-05T18:02:12.269392", "2025-09-05T18:02:12.269392"),
            ("2025-09-05T18:02:12", "2025-09-05T18:02:12"),
            ("2025-09-05T18:02:12.000", "2025-09-05T18:02:12"),
            ("2025-09-05T18:02:12.5", "2025-09-05T18:02:12.500000"),
            ("2025-09-05 18:02", "2025-09-05T18:02:00"),
            ("2025-09-05", "2025-09-05T00:00:00"),
            ("2025-09-05T18:02:12Z", "2025-09-05T18:02:12+00:00"),
            ("2025-09-05T18:02:12+0530", "2025-09-05T18:02:12+05:30"),
            ("2025-09-05T18:02:12-03:00", "2025-09-05T18:02:12-03:00"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_isoformat(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
        for bad in [
            "yesterday",
            "2025-02-30",
            "2025-09-05X18:00",
            "2025-09-05T25:00",
            // Four bytes, but not four digits: a multi-byte character inside.
            "2025-09-05T18:02:12+a\u{20ac}",
            "2025-09-05T18:02:12-\u{e9}\u{e9}",
        ] {
            assert_eq!(normalize_isoformat(bad), None, "{bad}");
        }
    }
}
