//! IMAP mailboxes as data: where the desk fetches mail, and for which group.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use atbalsts_domain::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A mailbox to poll, as configured.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewMailbox {
    /// The support group whose mail this is.
    pub group: String,
    pub host: String,
    /// 143 for plain/STARTTLS, 993 for implicit TLS.
    #[schema(minimum = 1, maximum = 65535)]
    pub port: u16,
    /// `none` (only on a private network), `starttls` or `implicit`.
    pub tls: String,
    pub username: String,
    /// The password; stored to present it to the server, never shown again.
    pub secret: String,
    /// e.g. `INBOX`.
    pub folder: String,
}

/// A mailbox as listed (without its secret).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Mailbox {
    pub id: i64,
    #[sqlx(rename = "group_code")]
    pub group: String,
    pub host: String,
    pub port: i64,
    pub tls: String,
    pub username: String,
    pub folder: String,
    pub active: bool,
    pub last_error: Option<String>,
    /// The group's institution (who administers the mailbox).
    pub institution: String,
}

/// What a poller needs: the listing plus the secret.
#[derive(Debug, Clone)]
pub struct MailboxAccess {
    pub mailbox: Mailbox,
    pub secret: String,
}

const COLUMNS: &str = "m.id, m.group_code, m.host, m.port, m.tls, m.username, m.folder, m.active, \
     m.last_error, g.institution";

fn check(m: &NewMailbox) -> Vec<FieldError> {
    let mut e = Vec::new();
    let host_ok = !m.host.trim().is_empty()
        && m.host.len() <= 253
        && m.host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if !host_ok {
        e.push(FieldError::new(
            "host",
            "give a host name or address such as imap.iestade.lv",
        ));
    }
    if m.port == 0 {
        e.push(FieldError::new("port", "a port between 1 and 65535"));
    }
    if !["none", "starttls", "implicit"].contains(&m.tls.as_str()) {
        e.push(FieldError::new("tls", "one of: none, starttls, implicit"));
    }
    for (field, value, max) in [
        ("username", &m.username, 320),
        ("secret", &m.secret, 1000),
        ("folder", &m.folder, 200),
    ] {
        if value.trim().is_empty() || value.len() > max || value.contains(['\0', '\r', '\n']) {
            e.push(FieldError::new(
                field,
                format!("must be given, one line, at most {max} characters"),
            ));
        }
    }
    e
}

impl Store {
    /// Add a mailbox to poll for a group.
    pub async fn add_mailbox(&self, m: &NewMailbox) -> Result<i64> {
        let mut errors = check(m);
        let institution: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT institution FROM support_groups WHERE code = $1")
                .bind(&m.group)
                .fetch_optional(pool)
                .await?
        });
        if institution.is_none() {
            errors.push(FieldError::new(
                "group",
                format!("no support group {}", m.group),
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::invalid(errors));
        }
        Ok(in_tx!(self, |tx| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO mail_mailboxes (group_code, host, port, tls, username, secret, folder, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&m.group)
            .bind(m.host.trim())
            .bind(i64::from(m.port))
            .bind(&m.tls)
            .bind(m.username.trim())
            .bind(&m.secret)
            .bind(m.folder.trim())
            .bind(now_micros())
            .fetch_one(&mut *tx)
            .await?
        }))
    }

    /// Every mailbox, of one institution or all.
    pub async fn mailboxes(&self, institution: Option<&str>) -> Result<Vec<Mailbox>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, Mailbox>(&format!(
                "SELECT {COLUMNS} FROM mail_mailboxes m JOIN support_groups g ON g.code = m.group_code \
                 WHERE ($1 IS NULL OR g.institution = $1) ORDER BY m.id"
            ))
            .bind(institution)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The active mailboxes with their secrets, for the poller.
    pub async fn mailboxes_to_poll(&self) -> Result<Vec<MailboxAccess>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, secret FROM mail_mailboxes WHERE active = TRUE ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        let all = self.mailboxes(None).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, secret)| {
                all.iter().find(|m| m.id == id).map(|m| MailboxAccess {
                    mailbox: m.clone(),
                    secret,
                })
            })
            .collect())
    }

    /// Remember how the last poll went.
    pub async fn mailbox_polled(&self, id: i64, error: Option<&str>) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE mail_mailboxes SET last_polled_at = $1, last_error = $2 WHERE id = $3",
            )
            .bind(now_micros())
            .bind(error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Stop polling a mailbox and forget it.
    pub async fn remove_mailbox(&self, id: i64) -> Result<()> {
        let n = in_tx!(self, |tx| {
            sqlx::query("DELETE FROM mail_mailboxes WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("no mailbox {id}")));
        }
        Ok(())
    }
}
