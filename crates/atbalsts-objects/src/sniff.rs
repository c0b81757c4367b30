//! The content type of a file as its bytes show it. What a browser or a
//! mail client declared is not trusted: an executable named `report.pdf`
//! stays an executable.

/// The media type of `bytes`: a recognised signature (PDF, images, office
/// documents, archives, executables, …), else `text/plain` for valid UTF-8
/// without control characters other than whitespace, else
/// `application/octet-stream`.
pub fn sniff(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    match std::str::from_utf8(bytes) {
        Ok(text)
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) =>
        {
            "text/plain".into()
        }
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn the_bytes_decide() {
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj\n"), "application/pdf");
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"),
            "image/png"
        );
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec();
        elf.resize(64, 0);
        assert_eq!(sniff(&elf), "application/x-executable");
        let mut pe = b"MZ\x90\0".to_vec();
        pe.resize(64, 0);
        assert_eq!(sniff(&pe), "application/vnd.microsoft.portable-executable");
        assert_eq!(
            sniff("Labdien, pielikumā izziņa.\n".as_bytes()),
            "text/plain"
        );
        assert_eq!(sniff(b"\0\x01\x02binary"), "application/octet-stream");
        assert_eq!(sniff(b""), "text/plain");
    }
}
