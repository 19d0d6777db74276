//! The scan for special bytes, with nothing but the standard library, so that
//! `scripts/test-arm64.sh` can build this file alone for arm64 (where Lambda runs) and
//! run its tests under an emulator.

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `chunk` that is a quote, a backslash or a control
/// character (and maybe of bytes above the first such one; the lowest bit set is always
/// exact).
#[inline]
pub(crate) fn specials_in(chunk: &[u8]) -> u64 {
    let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let controls = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    controls
        | zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
}

/// The index of the first special byte of a 16-byte chunk, if any, with the vector
/// instructions every CPU of the architecture has (SSE2 on x86-64, NEON on arm64,
/// where Lambda runs): three compares and a mask, where the word-wide arithmetic above
/// needs a dozen operations for half as many bytes.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn first_special_16(chunk: &[u8; 16]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: these are SSE2 instructions, which every x86-64 CPU has (the target
    // enables them); the load reads the 16 bytes of `chunk`, unaligned loads allowed.
    let mask = unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Unsigned `v <= 0x1f`: its minimum with 0x1f is itself.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
    };
    (mask != 0).then(|| mask.trailing_zeros() as usize)
}

#[cfg(target_arch = "aarch64")]
#[inline]
pub(crate) fn first_special_16(chunk: &[u8; 16]) -> Option<usize> {
    use std::arch::aarch64::{
        vceqq_u8, vcltq_u8, vdupq_n_u8, vget_lane_u64, vld1q_u8, vorrq_u8, vreinterpret_u64_u8,
        vreinterpretq_u16_u8, vshrn_n_u16,
    };
    // SAFETY: these are NEON instructions, which every arm64 CPU has (the target
    // enables them); the load reads the 16 bytes of `chunk`.
    let nibbles = unsafe {
        let v = vld1q_u8(chunk.as_ptr());
        let special = vorrq_u8(
            vorrq_u8(
                vceqq_u8(v, vdupq_n_u8(b'"')),
                vceqq_u8(v, vdupq_n_u8(b'\\')),
            ),
            vcltq_u8(v, vdupq_n_u8(0x20)),
        );
        // NEON has no byte mask: narrowing each 16-bit lane by 4 bits leaves four bits
        // per byte in one 64-bit word.
        vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
            special,
        ))))
    };
    (nibbles != 0).then(|| nibbles.trailing_zeros() as usize / 4)
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline]
pub(crate) fn first_special_16(chunk: &[u8; 16]) -> Option<usize> {
    first_special_16_words(chunk)
}

/// The word-wide version, for other architectures (and tested on every one).
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
#[inline]
fn first_special_16_words(chunk: &[u8; 16]) -> Option<usize> {
    let (low, high) = chunk.split_at(8);
    match (specials_in(low), specials_in(high)) {
        (0, 0) => None,
        (0, high) => Some(8 + (high.trailing_zeros() / 8) as usize),
        (low, _) => Some((low.trailing_zeros() / 8) as usize),
    }
}

/// Where the JSON string whose contents start at `from` ends (the index after its
/// closing quote), read 64 bytes at a time, when all its escapes are `\"` and `\\` and
/// it has no control character: how JSON text inside a JSON string is escaped. `None`
/// for any other string (or one not closed), to be read byte by byte. With the end:
/// whether the contents are ASCII.
///
/// Such text has an escape every few bytes; stopping at each one costs far more than
/// finding them all in a block at once.
pub(crate) fn quoted_end(bytes: &[u8], from: usize) -> Option<(usize, bool)> {
    let mut i = from;
    let mut high_bytes = 0u64;
    // Whether the next block's first byte is escaped by a backslash ending this one.
    let mut carry = 0u64;
    loop {
        let rest = bytes.len().checked_sub(i)?;
        let (masks, valid) = match bytes.get(i..i + 64) {
            Some(block) => (masks_64(block.try_into().expect("64 bytes")), u64::MAX),
            None => {
                let mut padded = [0u8; 64];
                padded[..rest].copy_from_slice(&bytes[i..]);
                (masks_64(&padded), (1u64 << rest) - 1)
            }
        };
        let [quote, backslash, control, high] = masks.map(|mask| mask & valid);
        let escaped = escaped_bytes(backslash, &mut carry);
        let ends = quote & !escaped;
        // The bytes before the closing quote, if it is in this block.
        let before = match ends {
            0 => valid,
            _ => (ends & ends.wrapping_neg()) - 1,
        };
        if (control | (escaped & !(quote | backslash))) & before != 0 {
            return None;
        }
        high_bytes |= high & before;
        if ends != 0 {
            return Some((i + ends.trailing_zeros() as usize + 1, high_bytes == 0));
        }
        if rest <= 64 {
            return None;
        }
        i += 64;
    }
}

/// The bytes of `bytes` from `from` that do not stand for themselves inside a JSON
/// string (a quote, a backslash, a control character), a bit each, for the next 64
/// bytes (those there are).
#[inline]
pub(crate) fn specials_from(bytes: &[u8], from: usize) -> u64 {
    match bytes.get(from..from + 64) {
        Some(block) => specials_64(block.try_into().expect("64 bytes")),
        None => {
            let rest = bytes.get(from..).unwrap_or_default();
            let mut padded = [b' '; 64];
            padded[..rest.len()].copy_from_slice(rest);
            specials_64(&padded)
        }
    }
}

/// A bit for each special byte of `block`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn specials_64(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2, which every x86-64 CPU has; each load reads 16 bytes of `block`.
    let [a, b, c, d] = [0, 16, 32, 48].map(|at| unsafe {
        let v = _mm_loadu_si128(block.as_ptr().add(at).cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        u64::from(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u16)
    });
    a | b << 16 | c << 32 | d << 48
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn specials_64(block: &[u8; 64]) -> u64 {
    let [quote, backslash, control, _] = masks_64(block);
    quote | backslash | control
}

/// simdjson's branchless escape finder: of a block's backslashes (a bit per byte), the
/// bytes they escape; `prev_escaped` carries whether the next block's first byte is.
#[inline]
fn escaped_bytes(backslash: u64, prev_escaped: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslash = backslash & !*prev_escaped;
    let follows_escape = backslash << 1 | *prev_escaped;
    let odd_sequence_starts = backslash & !EVEN & !follows_escape;
    let (starting_on_even_bits, overflow) = odd_sequence_starts.overflowing_add(backslash);
    *prev_escaped = u64::from(overflow);
    (EVEN ^ (starting_on_even_bits << 1)) & follows_escape
}

/// Bit `i` of each mask is set where byte `i` of `block` is a quote, a backslash, a
/// control character, not ASCII.
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks_64(block: &[u8; 64]) -> [u64; 4] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: SSE2, which every x86-64 CPU has; each load reads 16 bytes of `block`.
    unsafe {
        let v: [__m128i; 4] =
            [0, 16, 32, 48].map(|at| _mm_loadu_si128(block.as_ptr().add(at).cast()));
        let bits = |m: [__m128i; 4]| {
            let [a, b, c, d] = m.map(|m| u64::from(_mm_movemask_epi8(m) as u16));
            a | b << 16 | c << 32 | d << 48
        };
        let (quote, backslash) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8));
        [
            bits(v.map(|x| _mm_cmpeq_epi8(x, quote))),
            bits(v.map(|x| _mm_cmpeq_epi8(x, backslash))),
            bits(v.map(|x| _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x))),
            // The high bit of each byte is what the mask takes.
            bits(v),
        ]
    }
}

#[cfg(target_arch = "aarch64")]
#[inline]
fn masks_64(block: &[u8; 64]) -> [u64; 4] {
    use std::arch::aarch64::{
        uint8x16_t, vandq_u8, vceqq_u8, vcgeq_u8, vcltq_u8, vdupq_n_u8, vgetq_lane_u64, vld1q_u8,
        vpaddq_u8, vreinterpretq_u64_u8,
    };
    // SAFETY: NEON, which every arm64 CPU has; each load reads 16 bytes of `block`.
    unsafe {
        const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
        let weights = vld1q_u8(WEIGHTS.as_ptr());
        let v = [0, 16, 32, 48].map(|at| vld1q_u8(block.as_ptr().add(at)));
        // NEON has no byte mask: each lane keeps its bit's weight, and pairwise sums
        // gather them (simdjson's `to_bitmask`).
        let bits = |lanes: [uint8x16_t; 4]| {
            let [a, b, c, d] = lanes.map(|m| vandq_u8(m, weights));
            let sum = vpaddq_u8(vpaddq_u8(a, b), vpaddq_u8(c, d));
            vgetq_lane_u64::<0>(vreinterpretq_u64_u8(vpaddq_u8(sum, sum)))
        };
        [
            bits(v.map(|x| vceqq_u8(x, vdupq_n_u8(b'"')))),
            bits(v.map(|x| vceqq_u8(x, vdupq_n_u8(b'\\')))),
            bits(v.map(|x| vcltq_u8(x, vdupq_n_u8(0x20)))),
            bits(v.map(|x| vcgeq_u8(x, vdupq_n_u8(0x80)))),
        ]
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline]
fn masks_64(block: &[u8; 64]) -> [u64; 4] {
    masks_64_bytes(block)
}

/// A byte at a time: other architectures' masks, and the tests' reference.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
fn masks_64_bytes(block: &[u8; 64]) -> [u64; 4] {
    let mut masks = [0u64; 4];
    for (i, &b) in block.iter().enumerate() {
        masks[0] |= u64::from(b == b'"') << i;
        masks[1] |= u64::from(b == b'\\') << i;
        masks[2] |= u64::from(b < 0x20) << i;
        masks[3] |= u64::from(b >= 0x80) << i;
    }
    masks
}

/// Whether `b` does not stand for itself inside a JSON string.
#[inline]
pub(crate) fn is_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(chunk: &[u8]) -> Option<usize> {
        chunk.iter().position(|&b| is_special(b))
    }

    fn check(chunk: &[u8; 16]) {
        let want = expected(chunk);
        assert_eq!(first_special_16(chunk), want, "{chunk:?}");
        assert_eq!(first_special_16_words(chunk), want, "{chunk:?}");
        for half in [&chunk[..8], &chunk[8..]] {
            let specials = specials_in(half);
            let found = (specials != 0).then(|| (specials.trailing_zeros() / 8) as usize);
            assert_eq!(found, expected(half), "{half:?}");
        }
    }

    #[test]
    fn every_byte_at_every_position() {
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut chunk = [b'a'; 16];
                chunk[at] = b;
                check(&chunk);
                // Bytes around it that are high or special must not hide it.
                let mut chunk = [0xff; 16];
                chunk[at] = b;
                check(&chunk);
                for later in at + 1..16 {
                    let mut chunk = [b'a'; 16];
                    chunk[at] = b;
                    chunk[later] = b'"';
                    check(&chunk);
                }
            }
        }
    }

    /// [`quoted_end`] a byte at a time.
    fn quoted_end_bytes(bytes: &[u8], from: usize) -> Option<(usize, bool)> {
        let mut i = from;
        loop {
            match *bytes.get(i)? {
                b'"' => return Some((i + 1, bytes[from..i].is_ascii())),
                b'\\' => match *bytes.get(i + 1)? {
                    b'"' | b'\\' => i += 2,
                    _ => return None,
                },
                b if b < 0x20 => return None,
                _ => i += 1,
            }
        }
    }

    #[test]
    fn specials_of_the_next_64_bytes() {
        let mut text = vec![b'a'; 150];
        for (i, b) in [(3, b'"'), (64, b'\\'), (70, 0x1f), (149, b'"')] {
            text[i] = b;
        }
        assert_eq!(specials_from(&text, 0), 1 << 3);
        assert_eq!(specials_from(&text, 3), 1 | 1 << 61);
        assert_eq!(specials_from(&text, 64), 1 | 1 << 6);
        assert_eq!(specials_from(&text, 100), 1 << 49);
        assert_eq!(specials_from(&text, 150), 0);
        assert_eq!(specials_from(&text, 200), 0);
    }

    #[test]
    fn block_masks() {
        let mut block = [b'a'; 64];
        for (i, b) in [
            (0, b'"'),
            (17, b'\\'),
            (33, 0x1f),
            (63, b'"'),
            (40, 0x80),
            (41, 0x20),
        ] {
            block[i] = b;
        }
        assert_eq!(masks_64(&block), [1 | 1 << 63, 1 << 17, 1 << 33, 1 << 40]);
        assert_eq!(masks_64(&block), masks_64_bytes(&block));
    }

    #[test]
    fn quoted_ends_as_read_a_byte_at_a_time() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut ended = 0;
        for n in 0..100_000 {
            let len = (n % 300) as usize;
            let mut text = vec![0u8; len];
            for byte in &mut text {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Runs of backslashes across block edges, quotes, a few others.
                *byte = match state % 16 {
                    0..=5 => b'\\',
                    6..=8 => b'"',
                    9 => (state >> 8) as u8 & 0x1f,
                    10 => b'n',
                    11 => 0x80 | (state >> 8) as u8,
                    _ => b'a',
                };
            }
            for from in [0, 1, 63.min(len)] {
                let want = quoted_end_bytes(&text, from);
                assert_eq!(quoted_end(&text, from), want, "{text:?} from {from}");
                ended += usize::from(want.is_some());
            }
        }
        assert!(ended > 100_000, "{ended}");
        // JSON text inside a JSON string, long enough for many blocks.
        let inner = r#"{\"a\": \"q\\\"\\\\\"}"#.repeat(40);
        let text = format!("{inner}\" after");
        assert_eq!(
            quoted_end(text.as_bytes(), 0),
            Some((inner.len() + 1, true))
        );
    }

    #[test]
    fn random_chunks() {
        // xorshift64: no dependencies, so the arm64 run needs nothing but this file.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            let mut chunk = [0u8; 16];
            for byte in &mut chunk {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly plain text, with specials and high bytes now and then.
                *byte = match state % 40 {
                    0 => b'"',
                    1 => b'\\',
                    2 => (state >> 8) as u8 & 0x1f,
                    3 => 0x80 | (state >> 8) as u8,
                    _ => 0x20 + ((state >> 8) % 95) as u8,
                };
            }
            check(&chunk);
        }
    }
}
