//! Response compression, negotiated from `Accept-Encoding`: gzip, then brotli, for
//! bodies large enough to gain from it.

use std::io::Write;

/// Encodings offered (`COMPRESSION`), and from what size (`COMPRESSION_MIN_BYTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionSettings {
    /// Offer gzip.
    pub gzip: bool,
    /// Offer brotli.
    pub brotli: bool,
    /// Smaller bodies are sent as they are: compressing them costs more than it saves.
    pub min_bytes: usize,
}

impl Default for CompressionSettings {
    fn default() -> Self {
        CompressionSettings {
            gzip: true,
            brotli: true,
            min_bytes: 1024,
        }
    }
}

/// A content encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// Its `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The encoding to use for a body of `len` bytes, given the request's `Accept-Encoding`:
/// the highest-weighted one we offer, gzip before brotli on a tie (at the fast settings
/// used here gzip takes about half brotli's time for a similar size); `None` for identity.
pub fn negotiate(
    settings: &CompressionSettings,
    accept_encoding: Option<&str>,
    len: usize,
) -> Option<Encoding> {
    if len < settings.min_bytes {
        return None;
    }
    let accept = accept_encoding?;
    let weight = |token: &str| -> f32 {
        let mut wildcard = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let name = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            if name.eq_ignore_ascii_case(token) {
                return q;
            }
            if name == "*" {
                wildcard = Some(q);
            }
        }
        wildcard.unwrap_or(0.0)
    };
    let offered = [
        (settings.gzip, Encoding::Gzip),
        (settings.brotli, Encoding::Brotli),
    ];
    offered
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, encoding)| (weight(encoding.token()), encoding))
        .filter(|(q, _)| *q > 0.0)
        .fold(None, |best: Option<(f32, Encoding)>, (q, e)| match best {
            Some((bq, _)) if bq >= q => best,
            _ => Some((q, e)),
        })
        .map(|(_, encoding)| encoding)
}

/// Compresses `body`: fast settings, since the function's time is the latency (on a
/// 175 KB document: gzip level 1 0.8 ms for 2.9x, brotli quality 2 1.5 ms for 3.7x;
/// gzip level 3 would take 3 ms, see `examples/stage_costs.rs`).
pub fn compress(encoding: Encoding, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 4 + 64);
    match encoding {
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::new(1));
            encoder.write_all(body)?;
            out = encoder.finish()?;
        }
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 2,
                lgwin: 20,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const ON: CompressionSettings = CompressionSettings {
        gzip: true,
        brotli: true,
        min_bytes: 100,
    };

    #[test]
    fn negotiation() {
        assert_eq!(
            negotiate(&ON, Some("gzip, deflate, br"), 500),
            Some(Encoding::Gzip)
        );
        assert_eq!(negotiate(&ON, Some("br"), 500), Some(Encoding::Brotli));
        assert_eq!(negotiate(&ON, Some("gzip"), 500), Some(Encoding::Gzip));
        assert_eq!(
            negotiate(&ON, Some("br;q=0.5, gzip;q=0.8"), 500),
            Some(Encoding::Gzip)
        );
        assert_eq!(negotiate(&ON, Some("gzip;q=0, br;q=0"), 500), None);
        assert_eq!(negotiate(&ON, Some("*"), 500), Some(Encoding::Gzip));
        assert_eq!(negotiate(&ON, Some("identity"), 500), None);
        assert_eq!(negotiate(&ON, None, 500), None);
        assert_eq!(negotiate(&ON, Some("gzip"), 99), None);
        let gzip_only = CompressionSettings {
            brotli: false,
            ..ON
        };
        assert_eq!(
            negotiate(&gzip_only, Some("br, gzip"), 500),
            Some(Encoding::Gzip)
        );
    }

    #[test]
    fn round_trips() {
        let body = br#"{"chat_history":[{"role":"user","content":"hello"}]}"#.repeat(50);
        let gz = compress(Encoding::Gzip, &body).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        assert!(gz.len() < body.len() / 4);

        let br = compress(Encoding::Brotli, &body).unwrap();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, body);
    }
}
