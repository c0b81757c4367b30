//! Repairs for damage mail-parser leaves as it finds it: encoded words that split a
//! letter between them, base64 with junk in it, and a multipart without its boundary.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;

/// Decodes RFC 2047 encoded words, joining the bytes of adjacent words in the same charset
/// before decoding them: senders split a multi-byte letter between two words, which
/// decoding word by word turns into U+FFFD.
pub(crate) fn decode_encoded_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut rest = value;
    while let Some((start, end, charset, bytes)) = next_word(rest) {
        let before = &rest[..start];
        // Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
        if !(pending.is_some() && before.trim().is_empty()) {
            flush(&mut out, pending.take());
            out.push_str(before);
        }
        match &mut pending {
            Some((c, b)) if *c == charset => b.extend_from_slice(&bytes),
            _ => {
                flush(&mut out, pending.take());
                pending = Some((charset, bytes));
            }
        }
        rest = &rest[end..];
    }
    flush(&mut out, pending);
    out.push_str(rest);
    out
}

fn flush(out: &mut String, pending: Option<(String, Vec<u8>)>) {
    if let Some((charset, bytes)) = pending {
        out.push_str(&decode_charset(&charset, &bytes));
    }
}

/// Text in a named charset; unknown charsets are read as UTF-8.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    match charset_decoder(charset.as_bytes()) {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The next `=?charset?X?text?=` in `s`: its span, charset (lower-case, without a language)
/// and decoded bytes.
fn next_word(s: &str) -> Option<(usize, usize, String, Vec<u8>)> {
    let mut from = 0;
    while let Some(off) = s[from..].find("=?") {
        let start = from + off;
        if let Some(found) = word_at(s, start) {
            return Some(found);
        }
        from = start + 2;
    }
    None
}

fn word_at(s: &str, start: usize) -> Option<(usize, usize, String, Vec<u8>)> {
    let inner = &s[start + 2..];
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let text_len = rest.find("?=")?;
    let text = &rest[..text_len];
    if charset.is_empty() || charset.contains(char::is_whitespace) || text.contains(' ') {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => lenient_base64(text.as_bytes()),
        "Q" | "q" => quoted_printable_decode(text.replace('_', " ").as_bytes())?,
        _ => return None,
    };
    let end = start + 2 + charset.len() + 1 + encoding.len() + 1 + text_len + 2;
    let charset = charset
        .split('*')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some((start, end, charset, bytes))
}

/// Base64 that decodes what can be decoded: characters outside the alphabet are
/// skipped and a broken last group is completed or dropped.
pub(crate) fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    let mut clean: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
        .collect();
    match clean.len() % 4 {
        1 => {
            clean.pop();
        }
        2 => clean.extend_from_slice(b"=="),
        3 => clean.push(b'='),
        _ => {}
    }
    base64_decode(&clean).unwrap_or_default()
}

/// For a top-level multipart Content-Type without a boundary parameter, the bytes with
/// the boundary the body's first `--delimiter` line shows; mail-parser would otherwise
/// give the whole body as one unreadable part.
pub(crate) fn add_missing_boundary(bytes: &[u8], header_end: usize) -> Option<Vec<u8>> {
    let headers = &bytes[..header_end];
    let (field_start, field_end) = content_type_field(headers)?;
    let field = headers[field_start..field_end].to_ascii_lowercase();
    if !contains(&field, b"multipart/") || contains(&field, b"boundary") {
        return None;
    }
    let boundary = bytes[header_end..]
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii_end)
        .find(|line| line.len() > 2 && line.starts_with(b"--"))?;
    let boundary = boundary[2..].strip_suffix(b"--").unwrap_or(&boundary[2..]);
    if boundary.iter().any(|&b| b == b'"' || b.is_ascii_control()) {
        return None;
    }
    let mut line_end = field_end;
    while line_end > field_start && matches!(bytes[line_end - 1], b'\r' | b'\n') {
        line_end -= 1;
    }
    let mut out = Vec::with_capacity(bytes.len() + boundary.len() + 16);
    out.extend_from_slice(&bytes[..line_end]);
    out.extend_from_slice(b"; boundary=\"");
    out.extend_from_slice(boundary);
    out.push(b'"');
    out.extend_from_slice(&bytes[line_end..]);
    Some(out)
}

/// Span of the Content-Type field, continuation lines included.
fn content_type_field(headers: &[u8]) -> Option<(usize, usize)> {
    let mut pos = 0;
    let mut start = None;
    for line in headers.split_inclusive(|&b| b == b'\n') {
        let next = pos + line.len();
        match start {
            None if line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"content-type:") => {
                start = Some(pos);
            }
            Some(s) if !line.starts_with(b" ") && !line.starts_with(b"\t") => {
                return Some((s, pos));
            }
            _ => {}
        }
        pos = next;
    }
    start.map(|s| (s, headers.len()))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_a_letter_split_between_words() {
        let raw =
            "=?UTF-8?Q?deklar=C4?= =?UTF-8?Q?=93=C5=A1anu?= =?ISO-8859-13?Q?_(=F0odien)?= beigas";
        assert_eq!(decode_encoded_words(raw), "deklarēšanu (šodien) beigas");
    }

    #[test]
    fn keeps_text_that_is_no_encoded_word() {
        assert_eq!(decode_encoded_words("a =?x b ?= c"), "a =?x b ?= c");
        assert_eq!(
            decode_encoded_words("Re: =?utf-8?B?xaBvZGllbg==?="),
            "Re: Šodien"
        );
    }

    #[test]
    fn base64_with_junk() {
        assert_eq!(lenient_base64(b"U3Zl!!*aWtp\nIQ"), b"Sveiki!");
    }

    #[test]
    fn finds_the_boundary_from_the_body() {
        let raw = b"Subject: x\r\nContent-Type: multipart/mixed\r\n\r\n--b1\r\n\r\nt\r\n--b1--\r\n";
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(0, |p| p + 2);
        let fixed = add_missing_boundary(raw, end).unwrap_or_default();
        assert!(fixed.starts_with(
            b"Subject: x\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1"
        ));
    }
}
