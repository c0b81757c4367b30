//! Received messages. The raw bytes are written first, in the transaction that
//! also queues their intake job, and only then does the listener say 250: a
//! message the desk acknowledged is never lost, and every one ends with an
//! outcome an administrator can list.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use crate::now_micros;
use atbalsts_domain::admin::MailScope;
use serde::Serialize;
use utoipa::ToSchema;

/// The job kind that takes a received message in.
pub const INTAKE_JOB: &str = "mail.intake";

/// How a message arrived and for whom.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// `smtp` (the built-in listener), `deliver` (piped by an MTA), `imap` or `api`.
    pub source: &'static str,
    pub peer: Option<String>,
    /// `None` for the null sender (`<>`).
    pub envelope_from: Option<String>,
    pub envelope_to: Vec<String>,
    /// The group whose mailbox it came from (IMAP); otherwise the recipient decides.
    pub group: Option<String>,
}

/// Where a message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Stored, not yet taken in.
    Received,
    TicketCreated,
    Threaded,
    Quarantined,
    AutoIgnored,
    /// Deleted from quarantine by an administrator (the record stays).
    Deleted,
}

impl InboundStatus {
    pub const ALL: [InboundStatus; 6] = [
        Self::Received,
        Self::TicketCreated,
        Self::Threaded,
        Self::Quarantined,
        Self::AutoIgnored,
        Self::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::TicketCreated => "ticket_created",
            Self::Threaded => "threaded",
            Self::Quarantined => "quarantined",
            Self::AutoIgnored => "auto_ignored",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A received message as administrators list it (without its bytes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboundMail {
    pub id: i64,
    pub received_at: String,
    pub source: String,
    pub envelope_from: Option<String>,
    pub envelope_to: Vec<String>,
    pub size: i64,
    #[schema(value_type = String)]
    pub status: InboundStatus,
    /// Why it was quarantined or ignored.
    pub reason: Option<String>,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub group: Option<String>,
    pub ticket_id: Option<i64>,
    /// The institution the message went to: its ticket's, else its group's.
    pub institution: Option<String>,
}

#[derive(sqlx::FromRow)]
struct InboundRow {
    id: i64,
    received_at: i64,
    source: String,
    envelope_from: Option<String>,
    envelope_to: String,
    size: i64,
    status: String,
    reason: Option<String>,
    message_id: Option<String>,
    from_address: Option<String>,
    subject: Option<String>,
    group_code: Option<String>,
    ticket_id: Option<i64>,
    institution: Option<String>,
}

const COLUMNS: &str = "id, received_at, source, envelope_from, envelope_to, size, status, reason, \
     message_id, from_address, subject, group_code, ticket_id, \
     COALESCE((SELECT t.institution FROM tickets t WHERE t.id = mail_inbound.ticket_id), \
              (SELECT g.institution FROM support_groups g WHERE g.code = mail_inbound.group_code)) \
     AS institution";

/// The institution a message went to, as [`COLUMNS`] computes it.
const INSTITUTION: &str = "COALESCE((SELECT t.institution FROM tickets t WHERE t.id = mail_inbound.ticket_id), \
     (SELECT g.institution FROM support_groups g WHERE g.code = mail_inbound.group_code))";

impl InboundRow {
    fn into_mail(self) -> Result<InboundMail> {
        Ok(InboundMail {
            id: self.id,
            received_at: crate::model::rfc3339(self.received_at),
            source: self.source,
            envelope_from: self.envelope_from,
            envelope_to: serde_json::from_str(&self.envelope_to)
                .map_err(|e| StoreError::Corrupt(format!("envelope_to: {e}")))?,
            size: self.size,
            status: InboundStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("mail status {:?}", self.status)))?,
            reason: self.reason,
            message_id: self.message_id,
            from_address: self.from_address,
            subject: self.subject,
            group: self.group_code,
            ticket_id: self.ticket_id,
            institution: self.institution,
        })
    }
}

/// What intake decided about a message.
#[derive(Debug, Clone)]
pub struct Settled {
    pub status: InboundStatus,
    pub reason: Option<String>,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub group: Option<String>,
    pub ticket_id: Option<i64>,
}

/// A page of received messages, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboundPage {
    pub items: Vec<InboundMail>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}

impl Store {
    /// Store a received message and queue its intake, in one transaction.
    /// Returns the record's id once both are committed.
    pub async fn receive_mail(&self, arrival: &Arrival, raw: &[u8]) -> Result<i64> {
        let now = now_micros();
        let to = serde_json::to_string(&arrival.envelope_to)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
        Ok(in_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO mail_inbound (received_at, source, peer, envelope_from, envelope_to, raw, size, group_code) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(now)
            .bind(arrival.source)
            .bind(&arrival.peer)
            .bind(&arrival.envelope_from)
            .bind(&to)
            .bind(raw)
            .bind(size)
            .bind(&arrival.group)
            .fetch_one(&mut *tx)
            .await?;
            let job = NewJob::new(INTAKE_JOB, serde_json::json!({ "mail": id }), now)
                .dedupe(format!("{INTAKE_JOB}:{id}"));
            crate::enqueue_job!(&mut *tx, &job);
            id
        }))
    }

    /// A received message's record and raw bytes.
    pub async fn inbound_mail(&self, id: i64) -> Result<(InboundMail, Arrival, Vec<u8>)> {
        let row: Option<(Option<String>, Vec<u8>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT peer, raw FROM mail_inbound WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let (peer, raw) =
            row.ok_or_else(|| StoreError::NotFound(format!("no received message {id}")))?;
        let mail = self.inbound_record(id).await?;
        let arrival = Arrival {
            source: match mail.source.as_str() {
                "smtp" => "smtp",
                "deliver" => "deliver",
                "imap" => "imap",
                _ => "api",
            },
            peer,
            envelope_from: mail.envelope_from.clone(),
            envelope_to: mail.envelope_to.clone(),
            group: mail.group.clone(),
        };
        Ok((mail, arrival, raw))
    }

    /// A received message's record, without its bytes.
    pub async fn inbound_record(&self, id: i64) -> Result<InboundMail> {
        let row: Option<InboundRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM mail_inbound WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or_else(|| StoreError::NotFound(format!("no received message {id}")))?
            .into_mail()
    }

    /// Record intake's outcome. Only a message still `received` (or, on release,
    /// `quarantined`) changes, so a repeated intake job cannot settle it twice.
    pub async fn settle_mail(&self, id: i64, from: InboundStatus, s: &Settled) -> Result<bool> {
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE mail_inbound SET status = $1, reason = $2, message_id = COALESCE($3, message_id), \
                 from_address = COALESCE($4, from_address), subject = COALESCE($5, subject), \
                 group_code = COALESCE($6, group_code), ticket_id = COALESCE($7, ticket_id), processed_at = $8 \
                 WHERE id = $9 AND status = $10",
            )
            .bind(s.status.as_str())
            .bind(&s.reason)
            .bind(&s.message_id)
            .bind(&s.from_address)
            .bind(&s.subject)
            .bind(&s.group)
            .bind(s.ticket_id)
            .bind(now)
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// Received messages, newest first, optionally of one status (keyset paging by id).
    pub async fn list_inbound(
        &self,
        scope: &MailScope,
        status: Option<InboundStatus>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<InboundPage> {
        let limit = i64::from(limit.clamp(1, 200));
        let institutions: &[String] = match scope {
            MailScope::All => &[],
            MailScope::Institutions(own) if own.is_empty() => {
                return Ok(InboundPage {
                    items: Vec::new(),
                    next_after: None,
                });
            }
            MailScope::Institutions(own) => own,
        };
        let within = match scope {
            MailScope::All => String::new(),
            MailScope::Institutions(own) => {
                let marks: Vec<String> = (0..own.len()).map(|i| format!("${}", i + 4)).collect();
                format!(" AND {INSTITUTION} IN ({})", marks.join(", "))
            }
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_inbound WHERE ($1 IS NULL OR status = $1) \
             AND ($2 IS NULL OR id < $2){within} ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<InboundRow> = on_pool!(self, |pool| {
            let mut query = sqlx::query_as(&sql)
                .bind(status.map(InboundStatus::as_str))
                .bind(after)
                .bind(limit + 1);
            for institution in institutions {
                query = query.bind(institution);
            }
            query.fetch_all(pool).await?
        });
        let more = rows.len() as i64 > limit;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(InboundRow::into_mail)
            .collect::<Result<Vec<_>>>()?;
        let next_after = if more {
            items.last().map(|m| m.id)
        } else {
            None
        };
        Ok(InboundPage { items, next_after })
    }

    /// Claim `message_id` for the received message `id`. `None`: it is this
    /// message's (now or from an earlier attempt); `Some(other)`: another copy
    /// holds it, with that copy's ticket if it has one yet.
    pub async fn claim_message_id(&self, id: i64, message_id: &str) -> Result<Option<Option<i64>>> {
        let claimed = async {
            in_tx!(self, |tx| {
                sqlx::query(
                    "UPDATE mail_inbound SET claimed_message_id = $2 WHERE id = $1 AND claimed_message_id IS NULL",
                )
                .bind(id)
                .bind(message_id)
                .execute(&mut *tx)
                .await?;
            });
            Ok::<_, StoreError>(())
        }
        .await;
        match claimed {
            Ok(()) => {}
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {}
            Err(e) => return Err(e),
        }
        let holder: Option<(i64, Option<i64>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, ticket_id FROM mail_inbound WHERE claimed_message_id = $1")
                .bind(message_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(match holder {
            Some((holder, _)) if holder == id => None,
            Some((_, ticket)) => Some(ticket),
            // Deleted meanwhile: nothing to be a copy of.
            None => None,
        })
    }

    /// Messages taken in from `address` since `since` (microseconds): the flood check.
    pub async fn mail_from_since(&self, address: &str, since: i64) -> Result<i64> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_inbound WHERE from_address = $1 AND received_at >= $2",
            )
            .bind(address)
            .bind(since)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Put a quarantined message back to intake, to become a ticket after all.
    pub async fn release_mail(&self, id: i64) -> Result<()> {
        let now = now_micros();
        let changed = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE mail_inbound SET status = 'received', reason = 'released' WHERE id = $1 AND status = 'quarantined'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                let job = NewJob::new(
                    INTAKE_JOB,
                    serde_json::json!({ "mail": id, "release": true }),
                    now,
                )
                .dedupe(format!("{INTAKE_JOB}:{id}:release:{now}"));
                crate::enqueue_job!(&mut *tx, &job);
            }
            n == 1
        });
        self.quarantine_change(id, changed).await
    }

    /// Delete a quarantined message's bytes; its record stays, marked deleted.
    pub async fn delete_quarantined_mail(&self, id: i64) -> Result<()> {
        let changed = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE mail_inbound SET status = 'deleted', raw = $2 WHERE id = $1 AND status = 'quarantined'",
            )
            .bind(id)
            .bind(Vec::<u8>::new())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        });
        self.quarantine_change(id, changed).await
    }

    async fn quarantine_change(&self, id: i64, changed: bool) -> Result<()> {
        if changed {
            return Ok(());
        }
        let record = self.inbound_record(id).await?;
        Err(StoreError::conflict(
            atbalsts_domain::refusal::Code::MailNotQuarantined,
            format!(
                "message {id} is {}, not in quarantine",
                record.status.as_str()
            ),
        ))
    }
}
