//! Files on messages: how many and how large a message may carry, and the
//! file name the desk keeps. The bytes' type is decided by sniffing (in
//! `atbalsts-objects`), never by what the sender declared.

use std::fmt;

/// Longest file name kept, in characters.
pub const MAX_FILE_NAME: usize = 200;

/// What one message may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: usize,
    pub max_files: usize,
    pub max_total_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 10 * 1024 * 1024,
            max_files: 10,
            max_total_bytes: 25 * 1024 * 1024,
        }
    }
}

/// Why the files of a message are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// One file is over the per-file limit.
    FileTooLarge {
        name: String,
        max: usize,
    },
    TooMany {
        max: usize,
    },
    /// Together they are over the per-message limit.
    TotalTooLarge {
        max: usize,
    },
}

impl Breach {
    /// Whether the breach is one of size (HTTP 413) rather than count.
    pub fn is_size(&self) -> bool {
        !matches!(self, Breach::TooMany { .. })
    }
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breach::FileTooLarge { name, max } => write!(
                f,
                "the file {name} is larger than {}; send a smaller file",
                size_text(*max as u64)
            ),
            Breach::TooMany { max } => write!(f, "a message can carry at most {max} files"),
            Breach::TotalTooLarge { max } => write!(
                f,
                "the files together are larger than {}; send fewer or smaller files",
                size_text(*max as u64)
            ),
        }
    }
}

impl Limits {
    /// Check one more file of `size` bytes after `count` files of `total` bytes.
    /// Called as files arrive, so an upload stops at the first breach.
    pub fn admit(&self, count: usize, total: usize, name: &str, size: usize) -> Result<(), Breach> {
        if count >= self.max_files {
            return Err(Breach::TooMany {
                max: self.max_files,
            });
        }
        if size > self.max_file_bytes {
            return Err(Breach::FileTooLarge {
                name: name.to_string(),
                max: self.max_file_bytes,
            });
        }
        if total.saturating_add(size) > self.max_total_bytes {
            return Err(Breach::TotalTooLarge {
                max: self.max_total_bytes,
            });
        }
        Ok(())
    }
}

/// The name a file is kept under: the last path segment of what was given
/// (browsers on Windows send `C:\…\name`), without control characters or
/// characters that mean something to file systems, trimmed, at most
/// [`MAX_FILE_NAME`] characters with the extension kept; `pielikums` when
/// nothing is left.
pub fn file_name(given: Option<&str>) -> String {
    let given = given.unwrap_or("");
    let last = given.rsplit(['/', '\\']).next().unwrap_or(given);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "pielikums".into();
    }
    if trimmed.chars().count() <= MAX_FILE_NAME {
        return trimmed.to_string();
    }
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => (s, Some(e)),
        _ => (trimmed, None),
    };
    let room = MAX_FILE_NAME - ext.map_or(0, |e| e.chars().count() + 1);
    let mut out: String = stem.chars().take(room).collect();
    if let Some(e) = ext {
        out.push('.');
        out.push_str(e);
    }
    out
}

/// A size as people read it: `812 B`, `14 KiB`, `3.2 MiB`.
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes < KIB {
        format!("{bytes} B")
    } else if bytes < MIB {
        format!("{} KiB", bytes.div_ceil(KIB))
    } else {
        let tenths = (bytes * 10).div_ceil(MIB);
        if tenths.is_multiple_of(10) {
            format!("{} MiB", tenths / 10)
        } else {
            format!("{}.{} MiB", tenths / 10, tenths % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(file_name(Some("C:\\Users\\anna\\izziņa.pdf")), "izziņa.pdf");
        assert_eq!(file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(file_name(Some("a\u{0}b\r\n.txt")), "ab.txt");
        assert_eq!(file_name(Some("..")), "pielikums");
        assert_eq!(file_name(Some(".htaccess")), "htaccess");
        assert_eq!(file_name(None), "pielikums");
        assert_eq!(file_name(Some("a\"b<c>.doc")), "abc.doc");
        let long = format!("{}.pdf", "ā".repeat(400));
        let kept = file_name(Some(&long));
        assert_eq!(kept.chars().count(), MAX_FILE_NAME);
        assert!(kept.ends_with(".pdf"));
    }

    #[test]
    fn limits_stop_at_the_first_breach() {
        let l = Limits {
            max_file_bytes: 10,
            max_files: 2,
            max_total_bytes: 15,
        };
        assert_eq!(l.admit(0, 0, "a", 10), Ok(()));
        assert!(matches!(
            l.admit(0, 0, "a", 11),
            Err(Breach::FileTooLarge { .. })
        ));
        assert!(matches!(
            l.admit(1, 10, "b", 6),
            Err(Breach::TotalTooLarge { .. })
        ));
        assert_eq!(l.admit(2, 12, "c", 1), Err(Breach::TooMany { max: 2 }));
        assert!(!Breach::TooMany { max: 2 }.is_size());
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(812), "812 B");
        assert_eq!(size_text(14 * 1024), "14 KiB");
        assert_eq!(size_text(10 * 1024 * 1024), "10 MiB");
        assert_eq!(size_text(3 * 1024 * 1024 + 200 * 1024), "3.2 MiB");
    }
}
