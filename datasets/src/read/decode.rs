//! Bytes to UTF-8 text. Files from real studies arrive gzipped or not, and clinical sheets saved
//! from Excel on Windows are often Windows-1252 (CPTAC's clinical.txt has such bytes); polars
//! needs UTF-8, so we decode before parsing and say which encoding was assumed.

use crate::error::{DatasetError, Result};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Largest inflated size [`decompress`] accepts: far above any real omics table, far below what a
/// small gzip bomb (deflate reaches ~1000:1) would make the reader allocate.
pub const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// Inflates gzip data (detected by its magic bytes, not the file name); other bytes pass through.
/// Output is capped at [`MAX_INFLATED_BYTES`].
pub fn decompress<'a>(path: &Path, bytes: Cow<'a, [u8]>) -> Result<Cow<'a, [u8]>> {
    decompress_capped(path, bytes, MAX_INFLATED_BYTES)
}

/// [`decompress`] with an explicit cap: inflating stops, with an error naming the file, once the
/// output would exceed `limit` bytes.
pub fn decompress_capped<'a>(
    path: &Path,
    bytes: Cow<'a, [u8]>,
    limit: u64,
) -> Result<Cow<'a, [u8]>> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity((bytes.len() * 4).min(usize::try_from(limit).unwrap_or(0)));
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| DatasetError::Parse {
            path: path.to_owned(),
            message: format!("gzip data is corrupt or truncated ({e}); download the file again"),
        })?;
    if out.len() as u64 > limit {
        return Err(DatasetError::Parse {
            path: path.to_owned(),
            message: format!(
                "gzip data inflates to more than {limit} bytes (from {} compressed); refusing it as a likely decompression bomb",
                bytes.len()
            ),
        });
    }
    Ok(Cow::Owned(out))
}

/// Text decoded to UTF-8, with a note when another encoding had to be assumed.
pub struct DecodedText {
    pub bytes: Vec<u8>,
    pub encoding_note: Option<String>,
}

/// Decodes UTF-8 (with or without BOM), UTF-16 with BOM, or else Windows-1252, which maps every
/// byte to a character and is what spreadsheet exports on Windows use.
pub fn decode_text(bytes: Cow<'_, [u8]>) -> DecodedText {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        if encoding == encoding_rs::UTF_8 {
            if std::str::from_utf8(&bytes[bom_len..]).is_ok() {
                return DecodedText {
                    bytes: bytes[bom_len..].to_vec(),
                    encoding_note: None,
                };
            }
        } else {
            let (text, _, had_errors) = encoding.decode(&bytes);
            return DecodedText {
                bytes: text.into_owned().into_bytes(),
                encoding_note: Some(format!(
                    "decoded as {}{}",
                    encoding.name(),
                    if had_errors {
                        " (some bytes were invalid)"
                    } else {
                        ""
                    }
                )),
            };
        }
    }
    match std::str::from_utf8(&bytes) {
        Ok(_) => DecodedText {
            bytes: bytes.into_owned(),
            encoding_note: None,
        },
        Err(err) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            DecodedText {
                bytes: text.into_owned().into_bytes(),
                encoding_note: Some(format!(
                    "not valid UTF-8 (first bad byte at offset {}); decoded as Windows-1252",
                    err.valid_up_to()
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_bytes_are_decoded() {
        let decoded = decode_text(Cow::Borrowed(b"a\tb\n1\tna\x96ve\n"));
        assert_eq!(
            std::str::from_utf8(&decoded.bytes).unwrap(),
            "a\tb\n1\tna\u{2013}ve\n"
        );
        assert!(decoded.encoding_note.unwrap().contains("Windows-1252"));
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let decoded = decode_text(Cow::Borrowed(b"\xef\xbb\xbfid\tx\n"));
        assert_eq!(decoded.bytes, b"id\tx\n");
        assert!(decoded.encoding_note.is_none());
    }

    #[test]
    fn gzip_is_detected_by_content() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b"hello").unwrap();
        let gz = enc.finish().unwrap();
        let out = decompress(Path::new("x"), Cow::Owned(gz)).unwrap();
        assert_eq!(&out[..], b"hello");
        let truncated = decompress(Path::new("x.gz"), Cow::Borrowed(&[0x1f, 0x8b, 8, 0][..]));
        assert!(truncated.is_err());
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_cap_and_a_file_under_it_inflates() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&vec![b'0'; 8 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        assert!(bomb.len() < 64 << 10, "8 MiB of zeros compress small");
        let err = decompress_capped(Path::new("bomb.tsv.gz"), Cow::Borrowed(&bomb), 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bomb.tsv.gz") && err.contains("more than 1048576 bytes"),
            "{err}"
        );
        let out = decompress_capped(Path::new("ok.tsv.gz"), Cow::Borrowed(&bomb), 8 << 20).unwrap();
        assert_eq!(out.len(), 8 << 20, "exactly at the cap is accepted");
    }
}
