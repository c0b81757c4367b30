//! Objects as files under one directory. A put writes `tmp/<random>`,
//! flushes it to disk, renames it to its key's path and flushes the
//! directory: after a crash an object is either whole under its name or
//! absent (a leftover temporary file is never read).

use crate::{ObjectError, Result};
use bytes::Bytes;
use std::io::ErrorKind;
use std::path::PathBuf;

#[derive(Clone)]
pub(crate) struct Local {
    root: PathBuf,
}

impl Local {
    pub(crate) fn open(root: PathBuf) -> Result<Local> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Local { root })
    }

    pub(crate) async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let root = self.root.clone();
        let key = key.to_string();
        blocking(move || {
            let target = root.join(&key);
            let dir = target
                .parent()
                .ok_or_else(|| ObjectError::InvalidKey(key.clone()))?;
            std::fs::create_dir_all(dir)?;
            let tmp = root.join("tmp").join(crate::new_key().replace('/', "-"));
            let written = (|| {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &target)?;
                // The rename itself is durable once its directory is.
                std::fs::File::open(dir)?.sync_all()
            })();
            if written.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            Ok(written?)
        })
        .await
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Bytes> {
        let path = self.root.join(key);
        match tokio::fs::read(&path).await {
            Ok(data) => Ok(Bytes::from(data)),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(ObjectError::NotFound(key.into())),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<()> {
        match tokio::fs::remove_file(self.root.join(key)).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ObjectError::Io(std::io::Error::other(e)))?
}
