//! Turning bodies into text a specialist reads: HTML to plain text, and uuencoded files
//! taken out of plain text.

use crate::parse::Attachment;

/// Width given to the HTML renderer; wide so that it does not wrap paragraphs into lines
/// the sender never wrote (the reader's screen wraps them).
const HTML_WIDTH: usize = 400;

/// HTML to readable text: no tags, scripts or styles; paragraphs and line breaks kept;
/// a link shows its text.
pub(crate) fn html_to_text(html: &str) -> String {
    // The trivial decorator writes a link as its text alone, without brackets or footnotes.
    let rendered = html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
        .allow_width_overflow()
        .no_table_borders()
        .string_from_read(html.as_bytes(), HTML_WIDTH)
        // The renderer refuses some pathological documents; mail-parser's simpler
        // converter still gives the words.
        .unwrap_or_else(|_| mail_parser::decoders::html::html_to_text(html));
    tidy(&rendered)
}

/// Line endings as LF, no trailing spaces on lines, at most one blank line in a row, no
/// trailing blank lines.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().trim_start_matches('\n').to_string()
}

/// Takes uuencoded files (`begin 644 name` … `end`) out of a plain-text body: they come
/// back as attachments and the text keeps a short note in their place. A block that is
/// not well formed stays in the text as it was.
pub(crate) fn extract_uuencoded(text: &str) -> (String, Vec<Attachment>) {
    if !text.contains("begin ") {
        return (text.to_string(), Vec::new());
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(name) = uu_begin(lines[i])
            && let Some((data, used)) = uu_block(&lines[i + 1..])
        {
            out.push_str(&format!("[attachment: {name}]\n"));
            files.push(Attachment {
                filename: Some(name),
                content_type: "application/octet-stream".to_string(),
                data,
            });
            i += 1 + used;
            continue;
        }
        out.push_str(lines[i]);
        i += 1;
    }
    (out, files)
}

/// The file name of a `begin <mode> <name>` line.
fn uu_begin(line: &str) -> Option<String> {
    let rest = line.trim_end().strip_prefix("begin ")?;
    let (mode, name) = rest.split_once(' ')?;
    let mode_ok = (3..=4).contains(&mode.len()) && mode.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let name = name.trim();
    (mode_ok && !name.is_empty()).then(|| name.to_string())
}

/// Decodes the lines after `begin` up to `end`; returns the data and how many lines it used.
fn uu_block(lines: &[&str]) -> Option<(Vec<u8>, usize)> {
    let mut data = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches(['\r', '\n']);
        if line == "end" {
            return Some((data, n + 1));
        }
        let bytes = line.as_bytes();
        let Some((&len_char, body)) = bytes.split_first() else {
            // Some encoders leave the zero-length line empty instead of writing '`'.
            continue;
        };
        let len = uu_value(len_char)? as usize;
        let mut decoded = Vec::with_capacity(len + 2);
        for group in body.chunks(4) {
            let mut v = [0u8; 4];
            for (slot, &c) in v.iter_mut().zip(group) {
                *slot = uu_value(c)?;
            }
            decoded.push((v[0] << 2) | (v[1] >> 4));
            decoded.push((v[1] << 4) | (v[2] >> 2));
            decoded.push((v[2] << 6) | v[3]);
        }
        if decoded.len() < len {
            return None;
        }
        data.extend_from_slice(&decoded[..len]);
    }
    None
}

/// A uuencoded character's six bits ('`' stands for zero, as does ' ').
fn uu_value(c: u8) -> Option<u8> {
    (b' '..=b'`').contains(&c).then(|| (c - b' ') & 0x3f)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_words_links_and_breaks_but_not_scripts() {
        let html = "<html><head><style>p{color:red}</style><script>alert(1)</script></head>\
            <body><p>Labdien!</p><p>Lūdzu, skatiet <a href=\"https://x.lv\">šo saiti</a>.<br>\
            Paldies</p></body></html>";
        let text = html_to_text(html);
        assert!(text.contains("Labdien!\n"), "{text}");
        assert!(text.contains("Lūdzu, skatiet šo saiti."), "{text}");
        assert!(text.contains("\nPaldies"), "{text}");
        assert!(!text.contains("alert") && !text.contains("color"), "{text}");
    }

    #[test]
    fn uudecode_round() {
        // "Cat" uuencoded is "#0V%T".
        let text = "Sveiki\nbegin 644 cat.txt\n#0V%T\n`\nend\nAtā\n";
        let (rest, files) = extract_uuencoded(text);
        assert_eq!(rest, "Sveiki\n[attachment: cat.txt]\nAtā\n");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename.as_deref(), Some("cat.txt"));
        assert_eq!(files[0].data, b"Cat");
    }

    #[test]
    fn broken_uu_block_stays_text() {
        let text = "begin 644 a.bin\n#0V%T\nno end here\n";
        let (rest, files) = extract_uuencoded(text);
        assert_eq!(rest, text);
        assert!(files.is_empty());
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("a  \r\n\r\n\r\n\nb\n\n"), "a\n\nb");
    }
}
