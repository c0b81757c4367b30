//! No input makes the parser panic: random bytes, and the corpus with bytes changed,
//! cut off or repeated.

use atbalsts_mail::{classify, parse};
use proptest::prelude::*;

fn corpus() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn exercise(raw: &[u8]) {
    if let Ok(mail) = parse(raw) {
        let _ = classify(&mail, Some(""), &|_: &str| false, "x");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&raw);
    }

    #[test]
    fn header_like_lines(lines in proptest::collection::vec(
        "(Subject|From|To|Content-Type|Content-Transfer-Encoding|Message-ID|X-Loop|--b|begin 644 a)?[:; =?<>@\"a-zA-Z0-9/*%\\-]{0,60}", 0..30)) {
        exercise(lines.join("\r\n").as_bytes());
    }

    #[test]
    fn mutated_corpus(file in 0usize..64, edits in proptest::collection::vec((any::<u32>(), any::<u8>()), 1..40), cut in any::<u32>()) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let mut raw = corpus[file % corpus.len()].clone();
        for (pos, byte) in edits {
            if raw.is_empty() { break; }
            let at = pos as usize % raw.len();
            raw[at] = byte;
        }
        if !raw.is_empty() {
            raw.truncate(cut as usize % (raw.len() + 1));
        }
        exercise(&raw);
    }
}

#[test]
fn every_prefix_of_every_corpus_file() {
    for raw in corpus() {
        let step = (raw.len() / 200).max(1);
        for end in (0..=raw.len()).step_by(step) {
            exercise(&raw[..end]);
        }
    }
}

#[test]
fn pathological_html_and_nesting() {
    let deep_html = format!(
        "Subject: x\r\nContent-Type: text/html\r\n\r\n{}x{}",
        "<div><table><tr><td>".repeat(3000),
        "</td></tr></table></div>".repeat(3000)
    );
    exercise(deep_html.as_bytes());
    let mut nested = String::from("Subject: leaf\r\n\r\nbody\r\n");
    for _ in 0..60 {
        nested = format!("Subject: wrap\r\nContent-Type: message/rfc822\r\n\r\n{nested}");
    }
    exercise(nested.as_bytes());
    let mut multipart = String::from("leaf\r\n");
    for i in 0..200 {
        multipart = format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n{multipart}\r\n--b{i}--\r\n"
        );
    }
    exercise(format!("Subject: m\r\n{multipart}").as_bytes());
}
