//! Object storage for what does not belong in the database: attachments'
//! bytes. Two backends behind one [`Objects`] value: a directory on local
//! disk (the default, `<data_dir>/objects`) and an S3-compatible service
//! (through the `object_store` crate, which signs the requests). Keys are
//! made here ([`new_key`]) and never come from users, so a key is also a
//! safe relative path.
//!
//! A put either leaves the whole object under its key or nothing: the local
//! backend writes a temporary file, flushes it to disk and renames it into
//! place; S3 makes an object visible only when its upload completes. The
//! database records an attachment only after its put returned, so a record
//! always has its object (an object without a record, after a failed
//! transaction, is harmless garbage).

mod local;
mod sniff;

pub use sniff::sniff;

use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

/// Why an object could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no object under key {0}")]
    NotFound(String),
    #[error("invalid object key {0:?}")]
    InvalidKey(String),
    #[error("object storage configuration: {0}")]
    Config(String),
    #[error("local object storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("object storage: {0}")]
    Remote(object_store::Error),
}

impl From<object_store::Error> for ObjectError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => ObjectError::NotFound(path),
            e => ObjectError::Remote(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, ObjectError>;

/// Where an S3-compatible bucket is and how to sign in to it.
#[derive(Clone, Default)]
pub struct S3Config {
    pub bucket: String,
    /// Keys are put under this prefix in the bucket (no leading or trailing `/`).
    pub prefix: String,
    /// e.g. `https://s3.eu-north-1.amazonaws.com` or `http://127.0.0.1:9000`;
    /// `None`: AWS's endpoint of the region.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
}

impl std::fmt::Debug for S3Config {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

impl S3Config {
    /// `s3://bucket` or `s3://bucket/prefix`, the rest from the other settings.
    pub fn from_url(url: &str) -> Result<S3Config> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            ObjectError::Config(format!(
                "object_store {url:?}: use s3://bucket[/prefix], or leave it out for the data directory"
            ))
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ObjectError::Config(format!(
                "object_store {url:?} names no bucket"
            )));
        }
        Ok(S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            region: "us-east-1".into(),
            ..S3Config::default()
        })
    }
}

/// A file just stored by [`Objects::put_new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    /// Sniffed from the bytes.
    pub content_type: String,
    pub size: usize,
    /// Lower-case hex.
    pub sha256: String,
}

#[derive(Clone)]
enum Backend {
    Local(local::Local),
    Remote {
        store: Arc<dyn ObjectStore>,
        prefix: String,
    },
}

/// The node's object storage. Cloning is cheap.
#[derive(Clone)]
pub struct Objects {
    backend: Backend,
    describe: String,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl Objects {
    /// Objects as files under `dir` (created when missing).
    pub fn local(dir: impl Into<PathBuf>) -> Result<Objects> {
        let dir = dir.into();
        let describe = format!("local directory {}", dir.display());
        Ok(Objects {
            backend: Backend::Local(local::Local::open(dir)?),
            describe,
        })
    }

    /// Objects in an S3-compatible bucket.
    pub fn s3(config: &S3Config) -> Result<Objects> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region);
        if let Some(endpoint) = &config.endpoint {
            // Self-hosted services (MinIO, Ceph, Garage) answer on paths, not bucket subdomains.
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(key) = &config.access_key {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &config.secret_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| ObjectError::Config(e.to_string()))?;
        Ok(Objects {
            backend: Backend::Remote {
                store: Arc::new(store),
                prefix: config.prefix.clone(),
            },
            describe: format!(
                "S3 bucket {} at {}",
                config.bucket,
                config.endpoint.as_deref().unwrap_or("AWS")
            ),
        })
    }

    /// Objects in this process's memory only: for tests and tools that keep nothing.
    pub fn memory() -> Objects {
        Objects {
            backend: Backend::Remote {
                store: Arc::new(object_store::memory::InMemory::new()),
                prefix: String::new(),
            },
            describe: "memory".into(),
        }
    }

    /// Store a new file under a fresh key and describe it: its key, the type
    /// its bytes show, its size and SHA-256.
    pub async fn put_new(&self, bytes: Bytes) -> Result<Stored> {
        let stored = Stored {
            key: new_key(),
            content_type: sniff(&bytes),
            size: bytes.len(),
            sha256: Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        };
        self.put(&stored.key, bytes).await?;
        Ok(stored)
    }

    /// Store `bytes` under `key`, whole or not at all.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        check_key(key)?;
        match &self.backend {
            Backend::Local(l) => l.put(key, bytes).await,
            Backend::Remote { store, prefix } => {
                store.put(&remote_path(prefix, key), bytes.into()).await?;
                Ok(())
            }
        }
    }

    /// The object's bytes.
    pub async fn get(&self, key: &str) -> Result<Bytes> {
        check_key(key)?;
        match &self.backend {
            Backend::Local(l) => l.get(key).await,
            Backend::Remote { store, prefix } => {
                Ok(store.get(&remote_path(prefix, key)).await?.bytes().await?)
            }
        }
    }

    /// Remove the object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        match &self.backend {
            Backend::Local(l) => l.delete(key).await,
            Backend::Remote { store, prefix } => {
                match store.delete(&remote_path(prefix, key)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }
}

fn remote_path(prefix: &str, key: &str) -> ObjectPath {
    if prefix.is_empty() {
        ObjectPath::from(key)
    } else {
        ObjectPath::from(format!("{prefix}/{key}"))
    }
}

/// A fresh key: random, so nothing about the file or the ticket shows in
/// storage, and spread over 256 directories so none grows too large.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("att/{}/{hex}", &hex[..2])
}

/// Keys are `segment/segment/…` of lower-case letters, digits, `-` and `_`:
/// what [`new_key`] makes. Anything else (`..`, absolute paths) is refused.
fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && key.split('/').all(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(ObjectError::InvalidKey(key.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_and_valid() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a, b);
        assert!(check_key(&a).is_ok(), "{a}");
        for bad in ["", "../x", "/abs", "a//b", "a/./b", "A/b", "a/b c"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn s3_urls_name_bucket_and_prefix() {
        let c = S3Config::from_url("s3://desk/att/").unwrap();
        assert_eq!((c.bucket.as_str(), c.prefix.as_str()), ("desk", "att"));
        assert!(S3Config::from_url("s3://").is_err());
        assert!(S3Config::from_url("file:///tmp").is_err());
    }
}
