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
    /// Tickets one client address may create per minute without signing in.
    pub public_creates_per_minute: u32,
    /// Questions one client address may ask the assistant per minute without signing in.
    pub assistant_questions_per_minute: u32,
    /// Institution (code) that takes assistant hand-overs when no service is known.
    pub handoff_institution: Option<String>,
    /// Mark cookies `Secure` (HTTPS only; browsers keep them on localhost too).
    pub secure_cookies: bool,
    /// Close resolved tickets this many days after resolution (the background
    /// job worker); 0 turns the auto-close off.
    pub auto_close_after_days: u32,
    /// Relay for outgoing mail: `smtp://host:port`, `?tls=starttls`, `smtps://`,
    /// `user:password@`; none: mail stays in the outbox.
    pub smtp_relay: Option<String>,
    /// The address the desk writes from.
    pub mail_from: String,
    /// Address of the built-in SMTP listener (off when absent), e.g. `0.0.0.0:2525`.
    pub smtp_listen: Option<String>,
    /// The public address of the site, for links in e-mail.
    pub public_url: Option<String>,
    /// Seconds between polls of the IMAP mailboxes (configured as data).
    pub imap_poll_seconds: u64,
    /// Let webhooks and connectors post to loopback and private networks (a closed
    /// network whose receivers have private addresses); off: public addresses only.
    pub outbound_allow_private: bool,
    /// Days the outbox keeps the bytes of the mail it wrote (private links in them).
    pub mail_keep_days: u32,
    /// A PEM file of certificates trusted besides the public roots for the SMTP relay
    /// and the IMAP mailboxes (an institution's own certificate authority).
    pub mail_ca_file: Option<PathBuf>,
    /// Where attachments are kept: absent for `<data_dir>/objects`, or
    /// `s3://bucket[/prefix]` for an S3-compatible service.
    pub object_store: Option<String>,
    /// The S3 service's address, e.g. `https://s3.example.lv` (absent: AWS).
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    pub s3_access_key: Option<String>,
    /// Best given as ATBALSTS_S3_SECRET_KEY or in the settings file, not as a flag.
    pub s3_secret_key: Option<String>,
    /// Where `atbalsts model fetch` puts the assistant's sentence model and the
    /// server looks for it; without it there the assistant is lexical only.
    pub model_dir: PathBuf,
}

pub const DEFAULT_CONFIG_FILE: &str = "atbalsts.toml";

/// The setting names; each is also read from `ATBALSTS_<NAME>`.
const KEYS: [&str; 23] = [
    "model_dir",
    "mail_ca_file",
    "mail_keep_days",
    "outbound_allow_private",
    "object_store",
    "s3_endpoint",
    "s3_region",
    "s3_access_key",
    "s3_secret_key",
    "imap_poll_seconds",
    "smtp_relay",
    "mail_from",
    "smtp_listen",
    "public_url",
    "listen",
    "data_dir",
    "database_url",
    "log",
    "public_creates_per_minute",
    "assistant_questions_per_minute",
    "handoff_institution",
    "secure_cookies",
    "auto_close_after_days",
];

impl Settings {
    /// Load defaults, then `file` (or `atbalsts.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut builder = config::Config::builder()
            .set_default("listen", "127.0.0.1:8080")?
            .set_default("data_dir", "./atbalsts-data")?
            .set_default("log", "info")?
            .set_default("public_creates_per_minute", 30)?
            .set_default("assistant_questions_per_minute", 300)?
            .set_default("secure_cookies", true)?
            .set_default("auto_close_after_days", 7)?
            .set_default("mail_from", "atbalsts@localhost")?
            .set_default("imap_poll_seconds", 60)?
            .set_default("outbound_allow_private", false)?
            .set_default("mail_keep_days", 30)?
            .set_default("s3_region", "us-east-1")?
            .set_default("model_dir", "./atbalsts-models")?;
        builder = match file {
            Some(path) => builder.add_source(config::File::from(path).required(true)),
            None => {
                builder.add_source(config::File::with_name(DEFAULT_CONFIG_FILE).required(false))
            }
        };
        // Only the settings' own variables: others share the prefix (ATBALSTS_TEST_…, ATBALSTS_BENCH_…).
        let env: config::Map<String, String> = std::env::vars()
            .filter(|(k, _)| {
                KEYS.iter()
                    .any(|key| k.strip_prefix("ATBALSTS_") == Some(&key.to_uppercase()))
            })
            .collect();
        builder
            .add_source(
                config::Environment::with_prefix("ATBALSTS")
                    .source(Some(env))
                    .try_parsing(true),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .context("reading settings (file and ATBALSTS_* environment)")
    }
}
