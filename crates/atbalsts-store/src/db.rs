//! Connecting, migrating, and the macros that run one query text on either backend.

use crate::clocks::ClockCache;
use crate::error::{Result, StoreError};
use crate::writer::Writer;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The database, whichever it is. Cloning is cheap (pools are shared).
#[derive(Debug, Clone)]
pub enum Store {
    /// SQLite allows one writer at a time. Writes go through a one-connection
    /// pool, so they queue in the application instead of spinning in
    /// SQLite's busy handler; reads use their own pool in parallel (WAL).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        writer: Writer,
        clocks: ClockCache,
    },
    Postgres {
        pool: PgPool,
        writer: Writer,
        clocks: ClockCache,
    },
}

/// Run `$body` with `$pool` bound to the backend's read pool.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::db::Store::Sqlite { read: $pool, .. } => $body,
            $crate::db::Store::Postgres { pool: $pool, .. } => $body,
        }
    };
}

/// Run `$body` inside a write transaction bound to `$tx`, committing when it
/// completes; an early return with `?` drops the transaction, which rolls back.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match $store {
            $crate::db::Store::Sqlite { write, .. } => {
                // IMMEDIATE takes the write lock up front: a deferred read→write
                // upgrade could fail with SQLITE_BUSY halfway through.
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::db::Store::Postgres { pool, .. } => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

impl Store {
    /// Open (creating if needed) the embedded database in `dir`.
    pub async fn open_sqlite(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("atbalsts.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Batched inserts come in one statement text per batch size.
            .statement_cache_capacity(512);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        // Readers never write, so they never wait for the writer (WAL).
        let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2) as u32;
        let read = SqlitePoolOptions::new()
            .max_connections(readers.max(4))
            .connect_with(options)
            .await?;
        let writer = Writer::sqlite(write.clone());
        Ok(Store::Sqlite {
            read,
            write,
            writer,
            clocks: ClockCache::default(),
        })
    }

    pub async fn open_postgres(url: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?
            .statement_cache_capacity(512);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let writer = Writer::postgres(pool.clone());
        Ok(Store::Postgres {
            pool,
            writer,
            clocks: ClockCache::default(),
        })
    }

    /// `postgres://…` opens PostgreSQL; anything else is an error.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store> {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Store::open_postgres(url).await
            }
            Some(url) => Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use postgres://… or leave it out for embedded SQLite"
            ))),
            None => Store::open_sqlite(data_dir).await,
        }
    }

    pub(crate) fn clock_cache(&self) -> &ClockCache {
        match self {
            Store::Sqlite { clocks, .. } | Store::Postgres { clocks, .. } => clocks,
        }
    }

    pub(crate) fn writer(&self) -> &Writer {
        match self {
            Store::Sqlite { writer, .. } | Store::Postgres { writer, .. } => writer,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite { write, .. } => sqlx::migrate!("migrations/sqlite").run(write).await?,
            Store::Postgres { pool, .. } => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        self.backfill_requesters().await
    }

    /// A cheap query that proves the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Store::Postgres { pool, .. } => pool.close().await,
        }
    }
}
