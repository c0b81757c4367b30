//! Settings: defaults < TOML file < environment (`ATBALSTS_*`) < command-line flags.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// Directory of the embedded SQLite database.
    pub data_dir: PathBuf,
    /// `postgres://…` to run on PostgreSQL instead of embedded SQLite.
    pub database_url: Option<String>,
    /// Log filter, e.g. `info` or `atbalsts=debug`.
    pub log: String,
}

pub const DEFAULT_CONFIG_FILE: &str = "atbalsts.toml";

impl Settings {
    /// Load defaults, then `file` (or `atbalsts.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut builder = config::Config::builder()
            .set_default("listen", "127.0.0.1:8080")?
            .set_default("data_dir", "./atbalsts-data")?
            .set_default("log", "info")?;
        builder = match file {
            Some(path) => builder.add_source(config::File::from(path).required(true)),
            None => builder.add_source(config::File::with_name(DEFAULT_CONFIG_FILE).required(false)),
        };
        builder
            .add_source(config::Environment::with_prefix("ATBALSTS").try_parsing(false))
            .build()
            .and_then(config::Config::try_deserialize)
            .context("reading settings (file and ATBALSTS_* environment)")
    }
}
