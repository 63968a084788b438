//! A log as received, kept in text: bytes that are not text (invalid
//! UTF-8, NUL, which PostgreSQL cannot hold in text) are written as
//! characters of a private-use range, one per byte, so the exact bytes come
//! back for a download, and readers see each marked as `�`.
//!
//! The range is U+10FF00–U+10FFFF (the last 256 code points of plane 16,
//! private use): byte `b` is U+10FF00 + `b`. A character of that range
//! sent as text is itself written byte by byte, so every kept text decodes
//! to exactly what was sent.

use std::borrow::Cow;

/// The first character of the range that stands for bytes.
const BASE: u32 = 0x10_FF00;

/// The character standing for the byte `b`.
fn escaped(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).expect("U+10FF00..=U+10FFFF are characters")
}

/// The byte a character stands for, if it is one of the range.
fn byte_of(c: char) -> Option<u8> {
    u32::from(c)
        .checked_sub(BASE)
        .and_then(|b| u8::try_from(b).ok())
}

/// `bytes` as kept text: unchanged when they are text without NUL or
/// characters of the range (borrowed then), else with each such byte
/// written as its character.
pub fn keep(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(|c| c == '\0' || byte_of(c).is_some())
    {
        return Cow::Borrowed(text);
    }
    let mut kept = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\0' || byte_of(c).is_some() {
                let mut utf8 = [0; 4];
                kept.extend(c.encode_utf8(&mut utf8).bytes().map(escaped));
            } else {
                kept.push(c);
            }
        }
        kept.extend(chunk.invalid().iter().copied().map(escaped));
    }
    Cow::Owned(kept)
}

/// The bytes `text` was kept from.
pub fn as_received(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        match byte_of(c) {
            Some(b) => bytes.push(b),
            None => {
                let mut utf8 = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
    }
    bytes
}

/// Kept text for reading: each byte that was not text shown as `�`.
pub fn readable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| byte_of(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if byte_of(c).is_some() { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// The start of kept `text` that holds at most `limit` bytes as received,
/// ending on a character boundary.
pub fn cut(text: &str, limit: usize) -> &str {
    let mut received = 0;
    for (at, c) in text.char_indices() {
        received += if byte_of(c).is_some() {
            1
        } else {
            c.len_utf8()
        };
        if received > limit {
            return &text[..at];
        }
    }
    text
}

/// For `#[serde(serialize_with)]`: kept text as readers see it.
pub fn serialize_readable<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&readable(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_as_it_is() {
        let text = "Grüße, 世界 🎉\nline two\x01";
        assert!(matches!(keep(text.as_bytes()), Cow::Borrowed(t) if t == text));
        assert_eq!(as_received(text), text.as_bytes());
        assert_eq!(readable(text), text);
    }

    #[test]
    fn every_byte_string_comes_back_exactly() {
        let cases: [&[u8]; 6] = [
            b"a\0b\x01c \xff end",
            b"\xc3",                         // a character cut in two
            b"\xf4\x8f\xbc\x80 is U+10FF00", // the range itself, sent as text
            b"\xed\xa0\x80",                 // an encoded surrogate
            b"",
            &[0x80; 5],
        ];
        for bytes in cases {
            let kept = keep(bytes);
            assert!(!kept.contains('\0'), "{bytes:?}");
            assert_eq!(as_received(&kept), bytes, "{bytes:?} as {kept:?}");
        }
        let every: Vec<u8> = (0..=255).collect();
        assert_eq!(as_received(&keep(&every)), every);
    }

    #[test]
    fn bytes_that_are_not_text_read_as_marks() {
        assert_eq!(readable(&keep(b"a\0b \xff end")), "a\u{FFFD}b \u{FFFD} end");
        assert_eq!(
            readable(&keep("\u{10FF41}".as_bytes())),
            "\u{FFFD}".repeat(4),
            "a character of the range is four bytes kept as such"
        );
    }

    #[test]
    fn cuts_count_bytes_as_received() {
        let kept = keep(b"ab\xff\xfecd");
        assert_eq!(as_received(cut(&kept, 4)), b"ab\xff\xfe");
        assert_eq!(as_received(cut(&kept, 3)), b"ab\xff");
        assert_eq!(cut("ééé", 5), "éé", "5 bytes hold two 2-byte characters");
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("abc", 0), "");
    }
}
