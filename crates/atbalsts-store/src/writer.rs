//! Group commit for new tickets.
//!
//! Creates are the write-heavy path. One task per store takes whatever creates
//! are waiting (up to [`MAX_BATCH`]) and writes them in one transaction, each
//! inside its own savepoint: a failing create rolls back alone, the others
//! commit together. Sharing one commit means sharing the pages it writes (the
//! right-most leaves of every index), which is what limits SQLite's single
//! writer; on PostgreSQL it shares one WAL flush.

use crate::error::{Result, StoreError};
use crate::tickets::{IdempotencyKey, NewTicket, token_hash};
use atbalsts_domain::validate::fold;
use atbalsts_domain::{Level, TicketNumber};
use serde_json::json;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

/// Most creates committed together.
pub const MAX_BATCH: usize = 64;

/// Everything one insert needs, prepared before the write transaction.
pub(crate) struct CreateJob {
    pub new: NewTicket,
    pub idem: Option<IdempotencyKey>,
    pub level: Level,
    pub year: i64,
    pub now: i64,
    pub access_token: Option<String>,
    pub known_contact: Option<i64>,
    pub created_by: Option<i64>,
    /// (kind, id, name) for the `created` event.
    pub actor: (&'static str, Option<i64>, String),
}

pub(crate) enum Inserted {
    New {
        id: i64,
        access_token: Option<String>,
    },
    /// An earlier create with the same idempotency key.
    Replay {
        id: i64,
        access_token: Option<String>,
    },
}

type Request = (CreateJob, oneshot::Sender<Result<Inserted>>);

#[derive(Clone)]
pub struct Writer {
    sender: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// Insert one ticket with its contact, number, event and idempotency record.
macro_rules! insert_ticket {
    ($tx:expr, $job:expr) => {{
        let job = $job;
        let tx = $tx;
        async move {
            if let Some(k) = &job.idem {
                let prior: Option<(String, i64, String)> = sqlx::query_as(
                    "SELECT request_hash, ticket_id, response FROM idempotency_keys WHERE actor = $1 AND key = $2",
                )
                .bind(&k.actor)
                .bind(&k.key)
                .fetch_optional(&mut **tx)
                .await?;
                if let Some((hash, ticket_id, response)) = prior {
                    if hash != k.request_hash {
                        return Err(StoreError::conflict(
                            "this Idempotency-Key was already used for a different request; use a new key",
                        ));
                    }
                    let access_token = serde_json::from_str::<serde_json::Value>(&response)
                        .ok()
                        .and_then(|v| v["access_token"].as_str().map(str::to_string));
                    return Ok(Inserted::Replay { id: ticket_id, access_token });
                }
            }
            let new = &job.new;
            let r = &new.requester;
            let requester_id: i64 = match job.known_contact {
                Some(id) => id,
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO contacts (name, email, phone, personal_code, created_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(&r.name)
                    .bind(&r.email)
                    .bind(&r.phone)
                    .bind(&r.personal_code)
                    .bind(job.now)
                    .fetch_one(&mut **tx)
                    .await?
                }
            };
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO ticket_counters (year, last) VALUES ($1, 1) \
                 ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last",
            )
            .bind(job.year)
            .fetch_one(&mut **tx)
            .await?;
            let number = TicketNumber { year: job.year as i16, seq }.to_string();
            let search_text = fold(&format!("{} {} {}", new.subject, new.description, r.name));
            let tags = serde_json::to_string(&new.tags).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tickets (number, requester_id, institution, origin_institution, service, resource, \
                 life_situation, channel, location, kind, level, priority, status, subject, description, tags, \
                 search_text, access_token_hash, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12, $13, $14, $15, $16, $17, $18, $18) \
                 RETURNING id",
            )
            .bind(&number)
            .bind(requester_id)
            .bind(&new.institution)
            .bind(&new.service)
            .bind(&new.resource)
            .bind(&new.life_situation)
            .bind(new.channel.as_str())
            .bind(&new.location)
            .bind(new.kind.as_str())
            .bind(i64::from(job.level.number()))
            .bind(new.priority.as_str())
            .bind(&new.subject)
            .bind(&new.description)
            .bind(&tags)
            .bind(&search_text)
            .bind(job.access_token.as_deref().map(token_hash))
            .bind(job.created_by)
            .bind(job.now)
            .fetch_one(&mut **tx)
            .await?;
            let (kind, actor_id, actor_name) = &job.actor;
            let data = json!({
                "number": number, "institution": new.institution, "service": new.service,
                "channel": new.channel, "kind": new.kind, "level": job.level, "priority": new.priority,
            });
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, $5, 'created', $6)",
            )
            .bind(id)
            .bind(job.now)
            .bind(*kind)
            .bind(*actor_id)
            .bind(actor_name)
            .bind(data.to_string())
            .execute(&mut **tx)
            .await?;
            if let Some(k) = &job.idem {
                sqlx::query(
                    "INSERT INTO idempotency_keys (actor, key, request_hash, ticket_id, response, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&k.actor)
                .bind(&k.key)
                .bind(&k.request_hash)
                .bind(id)
                .bind(json!({ "access_token": job.access_token }).to_string())
                .bind(job.now)
                .execute(&mut **tx)
                .await?;
            }
            Ok(Inserted::New { id, access_token: job.access_token })
        }
    }};
}

/// Take the waiting creates, write them in one transaction, answer each.
macro_rules! run_batches {
    ($rx:ident, $begin:expr) => {
        while let Some(first) = $rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match $rx.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            let mut tx = match $begin.await {
                Ok(tx) => tx,
                Err(e) => {
                    fail_all(batch, &e);
                    continue;
                }
            };
            let mut answers = Vec::with_capacity(batch.len());
            let mut broken: Option<sqlx::Error> = None;
            for (job, reply) in batch {
                if let Some(e) = &broken {
                    let _ = reply.send(Err(StoreError::Unavailable(e.to_string())));
                    continue;
                }
                if let Err(e) = sqlx::query("SAVEPOINT create_ticket")
                    .execute(&mut *tx)
                    .await
                {
                    let _ = reply.send(Err(StoreError::Unavailable(e.to_string())));
                    broken = Some(e);
                    continue;
                }
                let result: Result<Inserted> = insert_ticket!(&mut tx, job).await;
                let end = if result.is_ok() {
                    "RELEASE SAVEPOINT create_ticket"
                } else {
                    "ROLLBACK TO SAVEPOINT create_ticket"
                };
                if let Err(e) = sqlx::query(end).execute(&mut *tx).await {
                    broken = Some(e);
                }
                answers.push((result, reply));
            }
            if let Some(e) = broken {
                // The transaction is unusable: nothing of it commits.
                fail_all(
                    answers.into_iter().map(|(_, reply)| ((), reply)).collect(),
                    &e,
                );
                continue;
            }
            match tx.commit().await {
                Ok(()) => {
                    for (result, reply) in answers {
                        let _ = reply.send(result);
                    }
                }
                Err(e) => fail_all(
                    answers.into_iter().map(|(_, reply)| ((), reply)).collect(),
                    &e,
                ),
            }
        }
    };
}

fn fail_all<J>(batch: Vec<(J, oneshot::Sender<Result<Inserted>>)>, e: &sqlx::Error) {
    tracing::error!(error = %e, "writing new tickets failed");
    for (_, reply) in batch {
        let _ = reply.send(Err(StoreError::Unavailable(format!(
            "the database could not save the ticket: {e}"
        ))));
    }
}

impl Writer {
    pub(crate) fn sqlite(pool: SqlitePool) -> Writer {
        let (sender, mut rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(async move {
            run_batches!(rx, pool.begin_with("BEGIN IMMEDIATE"));
        });
        Writer { sender }
    }

    pub(crate) fn postgres(pool: PgPool) -> Writer {
        let (sender, mut rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(async move {
            run_batches!(rx, pool.begin());
        });
        Writer { sender }
    }

    pub(crate) async fn submit(&self, job: CreateJob) -> Result<Inserted> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((job, reply))
            .await
            .map_err(|_| StoreError::Unavailable("the ticket writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the ticket writer has stopped".into()))?
    }
}
