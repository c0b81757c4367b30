//! Attachments as records. Their bytes are in object storage (put by the
//! caller before the write); the record is inserted in the transaction of
//! the message (or the new ticket) it belongs to, so a message and its files
//! appear together or not at all, and no record names a missing object.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::model::rfc3339;
use atbalsts_domain::Actor;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A file stored and described, waiting to be recorded with its message.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// The object's key in storage (already written).
    pub storage_key: String,
    /// Sanitised (`domain::attachment::file_name`).
    pub file_name: String,
    /// Sniffed from the bytes.
    pub content_type: String,
    /// What the sender claimed.
    pub declared_type: Option<String>,
    pub size: i64,
    /// Lower-case hex.
    pub sha256: String,
}

/// A file on a message, as the API and the pages show it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    /// The message it came with; absent for files given with the request itself.
    pub message_id: Option<i64>,
    pub file_name: String,
    /// The type sniffed from the bytes: what downloads are labelled with.
    pub content_type: String,
    /// The type the sender declared (kept for the record, never trusted).
    pub declared_type: Option<String>,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// `staff`, `requester` or `system`.
    pub uploaded_by_kind: String,
    pub uploaded_by_name: String,
    #[serde(skip)]
    #[sqlx(rename = "created_at")]
    pub created_micros: i64,
    #[sqlx(skip)]
    pub created_at: String,
    /// Where to download it (with `?access_token=` for a requester).
    #[sqlx(skip)]
    pub href: String,
    #[serde(skip)]
    pub storage_key: String,
}

impl Attachment {
    fn finish(mut self) -> Self {
        self.created_at = rfc3339(self.created_micros);
        self.href = format!("/api/v1/tickets/{}/attachments/{}", self.ticket_id, self.id);
        self
    }
}

const COLUMNS: &str = "a.id, a.ticket_id, a.message_id, a.file_name, a.content_type, a.declared_type, a.size, \
     a.sha256, a.uploaded_by_kind, a.uploaded_by_name, a.created_at, a.storage_key";

/// Insert `$files` of ticket `$ticket` (and message `$message`, an `Option<i64>`)
/// on the executor `$ex`, uploaded by `$by` = (kind, user id, name), at `$now`.
macro_rules! insert_attachments {
    ($ex:expr, $ticket:expr, $message:expr, $by:expr, $files:expr, $now:expr) => {{
        let (kind, user, name) = $by;
        for f in $files {
            sqlx::query(
                "INSERT INTO attachments (ticket_id, message_id, file_name, content_type, declared_type, size, \
                 sha256, storage_key, created_at, uploaded_by_kind, uploaded_by_user, uploaded_by_name) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind($ticket)
            .bind($message)
            .bind(&f.file_name)
            .bind(&f.content_type)
            .bind(&f.declared_type)
            .bind(f.size)
            .bind(&f.sha256)
            .bind(&f.storage_key)
            .bind($now)
            .bind(kind)
            .bind(user)
            .bind(name)
            .execute($ex)
            .await?;
        }
    }};
}
pub(crate) use insert_attachments;

impl Store {
    /// The files of a ticket that `actor` may see: staff in scope all of
    /// them, the requester those of the request and of public messages.
    pub async fn attachments(&self, actor: &Actor, ticket: i64) -> Result<Vec<Attachment>> {
        self.ticket(actor, ticket).await?;
        self.visible_attachments(ticket, matches!(actor, Actor::Staff(_)))
            .await
    }

    pub(crate) async fn visible_attachments(
        &self,
        ticket: i64,
        staff: bool,
    ) -> Result<Vec<Attachment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments a LEFT JOIN ticket_messages m ON m.id = a.message_id \
             WHERE a.ticket_id = $1 AND (a.message_id IS NULL OR m.internal = FALSE OR $2) ORDER BY a.id"
        );
        let rows: Vec<Attachment> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Attachment>(&sql)
                .bind(ticket)
                .bind(staff)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Attachment::finish).collect())
    }

    /// One file of a ticket, if `actor` may see it; an internal note's file
    /// is as unknown to the requester as a file that does not exist.
    pub async fn attachment(&self, actor: &Actor, ticket: i64, id: i64) -> Result<Attachment> {
        self.ticket(actor, ticket).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments a LEFT JOIN ticket_messages m ON m.id = a.message_id \
             WHERE a.ticket_id = $1 AND a.id = $2 AND (a.message_id IS NULL OR m.internal = FALSE OR $3)"
        );
        let staff = matches!(actor, Actor::Staff(_));
        let row: Option<Attachment> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Attachment>(&sql)
                .bind(ticket)
                .bind(id)
                .bind(staff)
                .fetch_optional(pool)
                .await?
        });
        row.map(Attachment::finish)
            .ok_or_else(|| StoreError::NotFound(format!("attachment {id}")))
    }

    /// The files of a public message (none for an internal note), for the
    /// e-mail that carries the message to the requester.
    pub async fn public_message_attachments(&self, message: i64) -> Result<Vec<Attachment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments a JOIN ticket_messages m ON m.id = a.message_id \
             WHERE a.message_id = $1 AND m.internal = FALSE ORDER BY a.id"
        );
        let rows: Vec<Attachment> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Attachment>(&sql)
                .bind(message)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Attachment::finish).collect())
    }

    /// Group a ticket's visible files by message (`None`: the request's own).
    pub(crate) async fn attachments_by_message(
        &self,
        ticket: i64,
        staff: bool,
    ) -> Result<HashMap<Option<i64>, Vec<Attachment>>> {
        let mut by: HashMap<Option<i64>, Vec<Attachment>> = HashMap::new();
        for a in self.visible_attachments(ticket, staff).await? {
            by.entry(a.message_id).or_default().push(a);
        }
        Ok(by)
    }
}
