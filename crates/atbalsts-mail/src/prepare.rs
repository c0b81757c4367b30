//! What is done to the raw bytes before mail-parser sees them: the few repairs it does not
//! make itself, and the refusal of input that has no header line at all.

use std::borrow::Cow;

use crate::parse::ParseError;
use crate::repair::add_missing_boundary;

/// Longest field name taken for a header line when deciding whether the input is mail at all.
const MAX_FIELD_NAME: usize = 76;

/// Returns the bytes to parse, or why they are no message.
pub(crate) fn prepare(raw: &[u8]) -> Result<Cow<'_, [u8]>, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    // A leading blank line would end the header section before it starts.
    let start = raw
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(raw.len());
    let mut bytes: Cow<'_, [u8]> = Cow::Borrowed(&raw[start..]);

    // An mbox separator ("From sender date") is no header; mail saved from a mailbox has it.
    if bytes.starts_with(b"From ") {
        let rest = match bytes.iter().position(|&b| b == b'\n') {
            Some(lf) => bytes[lf + 1..].to_vec(),
            None => Vec::new(),
        };
        bytes = Cow::Owned(rest);
    }

    // Old Macintosh software ends lines with CR alone; without LF there are no lines at all.
    if !bytes.contains(&b'\n') && bytes.contains(&b'\r') {
        bytes = Cow::Owned(
            bytes
                .iter()
                .map(|&b| if b == b'\r' { b'\n' } else { b })
                .collect(),
        );
    }

    let header_end = header_section_end(&bytes);
    if !bytes[..header_end]
        .split(|&b| b == b'\n')
        .any(is_header_line)
    {
        return Err(ParseError::NoHeaders);
    }

    if let Some(fixed) = add_missing_boundary(&bytes, header_end) {
        bytes = Cow::Owned(fixed);
    }
    if std::str::from_utf8(&bytes[..header_section_end(&bytes)]).is_err() {
        let fixed = reencode_headers(&bytes, header_section_end(&bytes));
        bytes = Cow::Owned(fixed);
    }
    Ok(bytes)
}

/// Offset of the blank line that ends the header section (or the end of the input).
fn header_section_end(bytes: &[u8]) -> usize {
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            let line = &bytes[line_start..i];
            if line.is_empty() || line == b"\r" {
                return line_start;
            }
            line_start = i + 1;
        }
    }
    bytes.len()
}

/// `Name: value`, where the name is what real header fields use (letters, digits, '-', '_').
fn is_header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = line[..colon].trim_ascii_end();
    !name.is_empty()
        && name.len() <= MAX_FIELD_NAME
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Raw 8-bit header lines are legal nowhere but common in mail from old clients; mail-parser
/// reads them as UTF-8 and would turn every such letter into U+FFFD. They are re-encoded to
/// UTF-8 from the charset the message declares for its body (the sender's machine used
/// the same), else Windows-1257, which is what Latvian Windows machines write.
fn reencode_headers(bytes: &[u8], header_end: usize) -> Vec<u8> {
    let encoding = declared_charset(bytes)
        .filter(|e| *e != encoding_rs::UTF_8)
        .unwrap_or(encoding_rs::WINDOWS_1257);
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    for line in bytes[..header_end].split_inclusive(|&b| b == b'\n') {
        if std::str::from_utf8(line).is_ok() {
            out.extend_from_slice(line);
        } else {
            let (text, _, _) = encoding.decode(line);
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.extend_from_slice(&bytes[header_end..]);
    out
}

/// The first `charset=` anywhere in the message; good enough to guess what the sender's
/// software used for its 8-bit headers.
fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let window = &bytes[..bytes.len().min(64 * 1024)];
    let lower = window.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let label: Vec<u8> = lower[at..]
        .iter()
        .skip_while(|&&b| b == b'"')
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .copied()
        .collect();
    encoding_rs::Encoding::for_label(&label)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_has_no_header_line() {
        assert_eq!(prepare(b"").unwrap_err(), ParseError::Empty);
        assert_eq!(prepare(b" \r\n\t").unwrap_err(), ParseError::Empty);
        assert_eq!(
            prepare(b"\x00\x01\x02 junk without lines").unwrap_err(),
            ParseError::NoHeaders
        );
        assert_eq!(
            prepare(b"hello there\n\nbody").unwrap_err(),
            ParseError::NoHeaders
        );
    }

    #[test]
    fn drops_mbox_separator_and_fixes_cr_only_lines() {
        let out = prepare(b"From a@b.lv Mon Jan  1 00:00:00 2024\nSubject: x\n\nb").unwrap();
        assert!(out.starts_with(b"Subject: x"));
        let out = prepare(b"Subject: x\rFrom: a@b.lv\r\rbody").unwrap();
        assert_eq!(&out[..], b"Subject: x\nFrom: a@b.lv\n\nbody");
    }

    #[test]
    fn reencodes_8bit_headers_by_declared_charset() {
        // "šāčē" in ISO-8859-4, which differs from Windows-1257 in these letters.
        let raw = b"Subject: \xb9\xe0\xe8\xba\n\
            Content-Type: text/plain; charset=\"iso-8859-4\"\n\nx";
        let text = String::from_utf8(prepare(raw).unwrap().into_owned()).unwrap();
        assert!(text.starts_with("Subject: šāčē\n"), "{text}");
    }

    #[test]
    fn reencodes_8bit_headers_as_windows_1257_without_declaration() {
        let raw = b"Subject: \xf0\xe2\xe8\xe7\xec\xee\xed\xef\xf2\xfb\xfe\n\nx";
        let text = String::from_utf8(prepare(raw).unwrap().into_owned()).unwrap();
        assert_eq!(text, "Subject: šāčēģīķļņūž\n\nx");
    }
}
