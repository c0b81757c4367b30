//! Passage vectors kept on disk beside the node's search index, so a restart
//! or a rebuild embeds only what changed (embedding a passage takes tens of
//! milliseconds; a knowledge base of ten thousand articles has ~60,000).
//! Keyed by the model and the exact passage text, so an edit or another
//! model never reads a stale vector.

use atbalsts_search::semantic::{Embed, EmbedError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The directory beside the search index that keeps the vectors.
pub const VECTORS_DIR: &str = "vectors";

pub struct CachedEmbed {
    inner: Arc<dyn Embed>,
    dir: PathBuf,
}

impl CachedEmbed {
    pub fn new(inner: Arc<dyn Embed>, dir: &Path) -> CachedEmbed {
        CachedEmbed {
            inner,
            dir: dir.to_path_buf(),
        }
    }

    fn path(&self, text: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.inner.model().as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        let key = hex::encode(h.finalize());
        self.dir.join(&key[..2]).join(&key[2..])
    }

    fn read(&self, text: &str) -> Option<Vec<f32>> {
        let bytes = std::fs::read(self.path(text)).ok()?;
        if bytes.is_empty() || bytes.len() % 4 != 0 {
            return None;
        }
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    /// Best effort: a vector that cannot be kept is computed again next time.
    fn write(&self, text: &str, vector: &[f32]) {
        let path = self.path(text);
        let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
        let tmp = path.with_extension("tmp");
        let done = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&tmp, &bytes))
            .and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(e) = done {
            tracing::debug!(error = %e, "keeping a passage vector failed");
        }
    }
}

impl Embed for CachedEmbed {
    fn model(&self) -> &str {
        self.inner.model()
    }

    fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        self.inner.query(text)
    }

    fn passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out: Vec<Option<Vec<f32>>> = texts.iter().map(|t| self.read(t)).collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|i| out[*i].is_none()).collect();
        if !missing.is_empty() {
            let todo: Vec<&str> = missing.iter().map(|i| texts[*i]).collect();
            let computed = self.inner.passages(&todo)?;
            for (i, v) in missing.into_iter().zip(computed) {
                self.write(texts[i], &v);
                out[i] = Some(v);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the passages it is asked to embed.
    struct Counting(AtomicUsize);

    impl Embed for Counting {
        fn model(&self) -> &str {
            "counting"
        }
        fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
            Ok(vec![text.len() as f32])
        }
        fn passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
            self.0.fetch_add(texts.len(), Ordering::SeqCst);
            Ok(texts.iter().map(|t| vec![t.len() as f32, 1.0]).collect())
        }
    }

    #[test]
    fn kept_vectors_are_not_embedded_again() {
        let dir = std::env::temp_dir().join(format!("atbalsts-vectors-{}", std::process::id()));
        let inner = Arc::new(Counting(AtomicUsize::new(0)));
        let cache = CachedEmbed::new(inner.clone(), &dir);
        let first = cache.passages(&["viens", "divi"]);
        assert_eq!(inner.0.load(Ordering::SeqCst), 2);
        let again = cache.passages(&["divi", "trīs", "viens"]);
        assert_eq!(inner.0.load(Ordering::SeqCst), 3, "only the new passage");
        let (first, again) = (first.ok(), again.ok());
        assert_eq!(first, Some(vec![vec![5.0, 1.0], vec![4.0, 1.0]]));
        assert_eq!(
            again,
            Some(vec![vec![4.0, 1.0], vec![5.0, 1.0], vec![5.0, 1.0]])
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
