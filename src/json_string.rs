//! The contents of JSON strings, sixteen bytes at a time: finding the first byte that
//! does not stand for itself (a quote, a backslash or a control character). Both ends
//! of a request cross megabytes of such text: DynamoDB's answer holds each stored
//! document as a string to unescape, and Lambda's response the rendered one as a
//! string to escape.

mod scan;

pub(crate) use scan::is_special;
use scan::{first_special_16, specials_in};

/// Bytes gathered on the stack before they are appended to the output `Vec`: an 8-byte
/// store into a `Vec` pays for its length and capacity bookkeeping, which cost more than
/// the scan itself on JSON text inside a JSON string (an escape every 16 bytes or so).
const STAGE: usize = 256;

/// An output `Vec` with a stage in front of it; what is staged is appended when the
/// stage fills and when this is dropped.
pub(crate) struct Staged<'v> {
    out: &'v mut Vec<u8>,
    stage: [u8; STAGE],
    len: usize,
    /// At most how many more bytes are coming: once the output is long, it is grown to
    /// that at once instead of being copied at every doubling.
    bound: usize,
}

impl<'v> Staged<'v> {
    /// `bound`: at most how many bytes will be written (a string's unescaped contents
    /// are no longer than what is left of the text they are read from).
    pub(crate) fn new(out: &'v mut Vec<u8>, bound: usize) -> Self {
        Staged {
            out,
            stage: [0; STAGE],
            len: 0,
            bound,
        }
    }

    #[inline]
    fn room(&mut self, need: usize) {
        if self.len + need > STAGE {
            self.flush();
        }
    }

    #[cold]
    fn flush(&mut self) {
        let out = &mut *self.out;
        if out.capacity() - out.len() < self.len && out.len() >= 4096 {
            out.reserve(self.bound);
        }
        out.extend_from_slice(&self.stage[..self.len]);
        self.bound = self.bound.saturating_sub(self.len);
        self.len = 0;
    }

    #[inline]
    pub(crate) fn push(&mut self, b: u8) {
        self.room(1);
        self.stage[self.len] = b;
        self.len += 1;
    }

    /// Appends up to eight bytes.
    #[inline]
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.room(8);
        self.stage[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Appends `text[from..]` up to its first special byte, and answers that byte's
    /// index (`text.len()` when there is none).
    ///
    /// Sixteen bytes are staged at a time and the stage is then cut back to the special
    /// byte: one store per chunk instead of a copy call per run, which matters where
    /// runs are short.
    // Always inlined: it runs once per escape, and a call costs as much as the scan.
    #[inline(always)]
    pub(crate) fn copy_plain(&mut self, text: &[u8], from: usize) -> usize {
        let mut i = from;
        while let Some(chunk) = text.get(i..i + 16) {
            let chunk: &[u8; 16] = chunk.try_into().expect("sixteen bytes");
            self.room(16);
            self.stage[self.len..self.len + 16].copy_from_slice(chunk);
            if let Some(plain) = first_special_16(chunk) {
                self.len += plain;
                return i + plain;
            }
            self.len += 16;
            i += 16;
        }
        while let Some(chunk) = text.get(i..i + 8) {
            self.room(8);
            self.stage[self.len..self.len + 8].copy_from_slice(chunk);
            let specials = specials_in(chunk);
            if specials != 0 {
                let plain = (specials.trailing_zeros() / 8) as usize;
                self.len += plain;
                return i + plain;
            }
            self.len += 8;
            i += 8;
        }
        while let Some(&b) = text.get(i) {
            if is_special(b) {
                return i;
            }
            self.push(b);
            i += 1;
        }
        i
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        self.flush();
    }
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
            let stop = Staged::new(&mut out, 0).copy_plain(&text, from);
            let expected = text[from..].iter().position(|&b| is_special(b)).map_or(text.len(), |p| from + p);
            prop_assert_eq!(stop, expected);
            prop_assert_eq!(&out[1..], &text[from..stop]);
        }

        #[test]
        fn long_text_goes_through_the_stage_whole(
            text in proptest::collection::vec(
                prop_oneof![20 => 0x20u8..0x7f, 1 => Just(b'"'), 1 => Just(b'\\'), 1 => 0u8..0x20],
                0..3000,
            ),
        ) {
            let mut out = Vec::new();
            {
                let mut staged = Staged::new(&mut out, text.len());
                let mut i = 0;
                while i < text.len() {
                    i = staged.copy_plain(&text, i);
                    if let Some(&b) = text.get(i) {
                        staged.push(b);
                        i += 1;
                    }
                }
            }
            prop_assert_eq!(out, text);
        }
    }
}
