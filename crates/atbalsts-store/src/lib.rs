//! Storage of Atbalsts on embedded SQLite or on PostgreSQL.
//!
//! One [`Store`] value hides the backend. Every query is written once and
//! instantiated for both pools by the macros in [`db`]; only the schema
//! migrations are per dialect (`migrations/sqlite`, `migrations/postgres`).
//! Writes that belong together (a change, its message, its event) commit in
//! one transaction.

#[macro_use]
mod db;
pub mod accounts;
pub mod assistant;
pub mod attachments;
pub mod calendars;
pub mod clocks;
pub mod connectors;
pub mod dispatch;
pub mod error;
pub mod groups;
pub mod jobs;
pub mod kb;
pub mod kb_feed;
pub mod mail;
pub mod model;
pub mod password_reset;
pub mod ratings;
pub mod registers;
pub mod requesters;
pub mod signin;
pub mod sla_jobs;
pub mod ticket_contacts;
pub mod tickets;
pub mod users;
pub mod webhooks;
mod writer;

pub use db::Store;
pub use error::StoreError;

/// Microseconds since the Unix epoch: the portable timestamp of the schema.
pub fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}
