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
