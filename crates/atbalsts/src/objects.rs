//! Where the node keeps attachments: flags and settings to an [`Objects`].

use crate::settings::Settings;
use anyhow::Context;
use atbalsts_objects::{Objects, S3Config};
use clap::Args;
use std::path::Path;

/// Object storage flags shared by `serve` and `demo`. The S3 secret key has
/// no flag: a command line is visible to every user of the machine.
#[derive(Args, Clone, Default)]
pub struct ObjectArgs {
    /// Keep attachments in s3://bucket[/prefix] instead of DATA_DIR/objects; also ATBALSTS_OBJECT_STORE.
    #[arg(long, value_name = "URL")]
    pub object_store: Option<String>,
    /// The S3-compatible service's address (default: AWS); also ATBALSTS_S3_ENDPOINT.
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region [default: us-east-1]; also ATBALSTS_S3_REGION.
    #[arg(long, value_name = "REGION")]
    pub s3_region: Option<String>,
    /// Access key id; the secret comes from ATBALSTS_S3_SECRET_KEY or the settings file.
    #[arg(long, value_name = "KEY")]
    pub s3_access_key: Option<String>,
}

impl ObjectArgs {
    /// Flags over settings.
    pub fn apply(&self, settings: &mut Settings) {
        if let Some(v) = &self.object_store {
            settings.object_store = Some(v.clone());
        }
        if let Some(v) = &self.s3_endpoint {
            settings.s3_endpoint = Some(v.clone());
        }
        if let Some(v) = &self.s3_region {
            settings.s3_region = v.clone();
        }
        if let Some(v) = &self.s3_access_key {
            settings.s3_access_key = Some(v.clone());
        }
    }
}

/// The configured object storage; local under `data_dir/objects` by default
/// (also when the database is PostgreSQL: the data directory still exists).
pub fn open(settings: &Settings, data_dir: &Path) -> anyhow::Result<Objects> {
    match settings.object_store.as_deref().filter(|s| !s.is_empty()) {
        None => Objects::local(data_dir.join("objects"))
            .with_context(|| format!("the object directory in {}", data_dir.display())),
        Some(url) => {
            let mut config = S3Config::from_url(url)?;
            config.endpoint = settings.s3_endpoint.clone();
            config.region = settings.s3_region.clone();
            config.access_key = settings.s3_access_key.clone();
            config.secret_key = settings.s3_secret_key.clone();
            Objects::s3(&config).context("object_store")
        }
    }
}
