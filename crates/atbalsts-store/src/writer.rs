//! Group commit for new tickets.
//!
//! Creates are the write-heavy path. One task per store takes whatever creates
//! are waiting (up to [`MAX_BATCH`]) and writes them in one transaction, each
//! inside its own savepoint: a failing create rolls back alone, the others
//! commit together. Sharing one commit means sharing the pages it writes (the
//! right-most leaves of every index), which is what limits SQLite's single
//! writer; on PostgreSQL it shares one WAL flush.

use crate::clocks::{LegalView, SlaView, end_of_day, from_json};
use crate::error::{Result, StoreError};
use crate::model::{Requester, Ticket, rfc3339};
use crate::tickets::{IdempotencyKey, NewTicket, token_hash};
use atbalsts_domain::legal::LegalState;
use atbalsts_domain::refusal::Code;
use atbalsts_domain::sla::SlaState;
use atbalsts_domain::validate::fold;
use atbalsts_domain::{Level, Status, TicketNumber};
use serde_json::json;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// Most creates committed together.
pub const MAX_BATCH: usize = 64;

/// Idempotency keys answer repeats for a day, then are forgotten.
const IDEMPOTENCY_KEEP_MICROS: i64 = 24 * 3600 * 1_000_000;
/// How often (in batches) old keys are purged; also at the first batch after start.
const PURGE_EVERY: u64 = 1024;

/// Everything one insert needs, prepared before the write transaction.
pub(crate) struct CreateJob {
    pub new: NewTicket,
    pub idem: Option<IdempotencyKey>,
    pub level: Level,
    pub year: i64,
    pub now: i64,
    pub access_token: Option<String>,
    pub created_by: Option<i64>,
    /// The support group routing chose, if any, and why.
    pub group: Option<String>,
    pub routed: Option<serde_json::Value>,
    /// Clocks as `clocks::start` made them: SLA state, its earliest due, legal term.
    pub clocks: crate::clocks::StoredClocks,
    /// (kind, id, name) for the `created` event.
    pub actor: (&'static str, Option<i64>, String),
    /// The request's files, their objects already stored.
    pub files: Vec<crate::attachments::NewAttachment>,
}

pub(crate) enum Inserted {
    /// The new ticket as stored (built from what was written, not read back).
    New { ticket: Box<Ticket> },
    /// An earlier create with the same idempotency key.
    Replay {
        id: i64,
        access_token: Option<String>,
    },
}

impl CreateJob {
    /// The read model of the ticket this job creates.
    fn read_model(&self, id: i64, number: String, requester_id: i64) -> Ticket {
        let new = &self.new;
        let at = rfc3339(self.now);
        let now = jiff::Timestamp::now();
        // Written by `clocks::start` a moment ago, so they read back.
        let sla: Option<SlaState> = from_json("sla", self.clocks.sla.as_deref()).ok().flatten();
        let legal: Option<LegalState> = from_json("legal", self.clocks.legal.as_deref())
            .ok()
            .flatten();
        Ticket {
            id,
            number,
            institution: new.institution.clone(),
            origin_institution: new.institution.clone(),
            service: new.service.clone(),
            resource: new.resource.clone(),
            life_situation: new.life_situation.clone(),
            channel: new.channel,
            location: new.location.clone(),
            kind: new.kind,
            level: self.level,
            priority: new.priority,
            status: Status::New,
            assignee: None,
            group: self.group.clone(),
            subject: new.subject.clone(),
            description: new.description.clone(),
            tags: new.tags.clone(),
            requester: Requester {
                id: requester_id,
                name: new.requester.name.clone(),
                email: new.requester.email.clone(),
                phone: new.requester.phone.clone(),
            },
            language: new.language.clone(),
            resolution: None,
            created_at: at.clone(),
            updated_at: at,
            resolved_at: None,
            closed_at: None,
            sla: sla.map(|s| SlaView::of(&s, now)),
            legal_due: legal.as_ref().map(|l| end_of_day(l.due())),
            legal: legal.as_ref().map(|l| LegalView::of(l, now)),
            transfer_pending_from: None,
        }
    }
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

/// Write a batch of creates, all or nothing: idempotency lookups, one block of
/// ticket numbers per year, ids, then one multi-row insert per table.
macro_rules! write_batch {
    ($tx:expr, $jobs:expr, $ids:path, $ph:expr) => {{
        let tx = $tx;
        let jobs: &[&CreateJob] = $jobs;
        async move {
            let mut out: Vec<Option<Inserted>> = Vec::with_capacity(jobs.len());
            for job in jobs {
                let mut replay = None;
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
                            return Err(BatchError::Job(StoreError::conflict(Code::IdempotencyKeyReused, "this Idempotency-Key was already used for a different request; use a new key")));
                        }
                        let access_token = serde_json::from_str::<serde_json::Value>(&response)
                            .ok()
                            .and_then(|v| v["access_token"].as_str().map(str::to_string));
                        replay = Some(Inserted::Replay { id: ticket_id, access_token });
                    }
                }
                out.push(replay);
            }

            // One counter update per year hands out a block of consecutive numbers.
            let mut next: Vec<(i64, i64)> = Vec::new();
            let mut years: Vec<i64> = jobs.iter().zip(&out).filter(|(_, r)| r.is_none()).map(|(j, _)| j.year).collect();
            years.sort_unstable();
            years.dedup();
            for year in years {
                let n = jobs.iter().zip(&out).filter(|(j, r)| r.is_none() && j.year == year).count() as i64;
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO ticket_counters (year, last) VALUES ($1, $2) \
                     ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + $2 RETURNING last",
                )
                .bind(year)
                .bind(n)
                .fetch_one(&mut **tx)
                .await?;
                next.push((year, last - n + 1));
            }

            // Ids are handed out first, so that each table takes one multi-row insert.
            let fresh: Vec<&CreateJob> = jobs.iter().zip(&out).filter(|(_, r)| r.is_none()).map(|(j, _)| *j).collect();
            // Requesters known by e-mail keep their contact; one lookup for the batch.
            let mut emails: Vec<&str> = fresh.iter().filter_map(|j| j.new.requester.email.as_deref()).collect();
            emails.sort_unstable();
            emails.dedup();
            let mut contact_of: HashMap<String, i64> = HashMap::new();
            if !emails.is_empty() {
                let sql = format!(
                    "SELECT email, MIN(id) FROM contacts WHERE email IN ({}) GROUP BY email",
                    placeholders($ph, 0, emails.len())
                );
                let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
                for e in &emails {
                    q = q.bind(*e);
                }
                contact_of.extend(q.fetch_all(&mut **tx).await?);
            }
            // The rest get new contacts; two tickets of one new e-mail share one.
            let mut new_contacts: Vec<&CreateJob> = Vec::new();
            let mut new_contact_of: Vec<Option<usize>> = Vec::with_capacity(fresh.len());
            let mut pending: HashMap<&str, usize> = HashMap::new();
            for job in &fresh {
                let slot = match job.new.requester.email.as_deref() {
                    Some(e) if contact_of.contains_key(e) => None,
                    Some(e) => Some(*pending.entry(e).or_insert_with(|| {
                        new_contacts.push(job);
                        new_contacts.len() - 1
                    })),
                    None => {
                        new_contacts.push(job);
                        Some(new_contacts.len() - 1)
                    }
                };
                new_contact_of.push(slot);
            }
            let contact_ids = $ids(&mut **tx, "contacts", new_contacts.len()).await?;
            let ticket_ids = $ids(&mut **tx, "tickets", fresh.len()).await?;
            if contact_ids.len() != new_contacts.len() || ticket_ids.len() != fresh.len() {
                return Err(BatchError::Job(StoreError::Corrupt("id allocation came up short".into())));
            }
            if !new_contacts.is_empty() {
                let sql = values_sql(
                    "INSERT INTO contacts (id, name, email, phone, personal_code, created_at) VALUES ",
                    6,
                    new_contacts.len(),
                    $ph,
                );
                let mut q = sqlx::query(&sql);
                for (job, id) in new_contacts.iter().zip(&contact_ids) {
                    let r = &job.new.requester;
                    q = q.bind(*id).bind(&r.name).bind(&r.email).bind(&r.phone).bind(&r.personal_code).bind(job.now);
                }
                q.execute(&mut **tx).await?;
            }

            let mut rows: Vec<Row> = Vec::with_capacity(fresh.len());
            for ((job, id), new_contact) in fresh.iter().zip(&ticket_ids).zip(&new_contact_of) {
                let Some(counter) = next.iter_mut().find(|(y, _)| *y == job.year) else {
                    return Err(BatchError::Job(StoreError::Corrupt("no number block for the year".into())));
                };
                let seq = counter.1;
                counter.1 += 1;
                let known = job.new.requester.email.as_ref().and_then(|e| contact_of.get(e));
                let requester_id = match (new_contact, known) {
                    (Some(i), _) => contact_ids[*i],
                    (None, Some(c)) => *c,
                    (None, None) => return Err(BatchError::Job(StoreError::Corrupt("requester without contact".into()))),
                };
                let new = &job.new;
                let number = TicketNumber { year: job.year as i16, seq }.to_string();
                let event = json!({
                    "number": number, "institution": new.institution, "service": new.service,
                    "channel": new.channel, "kind": new.kind, "level": job.level, "priority": new.priority, "group": job.group, "routed": job.routed,
                });
                rows.push(Row {
                    id: *id,
                    requester_id,
                    search_text: fold(&format!("{} {} {}", new.subject, new.description, new.requester.name)),
                    tags: serde_json::to_string(&new.tags).map_err(|e| BatchError::Job(StoreError::Corrupt(e.to_string())))?,
                    token_hash: job.access_token.as_deref().map(token_hash),
                    event: event.to_string(),
                    number,
                });
            }

            if !rows.is_empty() {
                let sql = values_sql(
                    "INSERT INTO tickets (id, number, requester_id, institution, origin_institution, service, resource, \
                     life_situation, channel, location, kind, level, priority, status, subject, description, tags, \
                     search_text, access_token_hash, created_by, created_at, updated_at, group_code, sla, sla_due, legal, sla_mark, language) VALUES ",
                    28,
                    rows.len(),
                    $ph,
                );
                let mut q = sqlx::query(&sql);
                for (job, row) in fresh.iter().zip(&rows) {
                    let new = &job.new;
                    q = q
                        .bind(row.id)
                        .bind(&row.number)
                        .bind(row.requester_id)
                        .bind(&new.institution)
                        .bind(&new.institution)
                        .bind(&new.service)
                        .bind(&new.resource)
                        .bind(&new.life_situation)
                        .bind(new.channel.as_str())
                        .bind(&new.location)
                        .bind(new.kind.as_str())
                        .bind(i64::from(job.level.number()))
                        .bind(new.priority.as_str())
                        .bind(Status::New.as_str())
                        .bind(&new.subject)
                        .bind(&new.description)
                        .bind(&row.tags)
                        .bind(&row.search_text)
                        .bind(&row.token_hash)
                        .bind(job.created_by)
                        .bind(job.now)
                        .bind(job.now)
                        .bind(&job.group)
                        .bind(&job.clocks.sla)
                        .bind(job.clocks.due)
                        .bind(&job.clocks.legal)
                        .bind(job.clocks.mark)
                        .bind(&new.language);
                }
                q.execute(&mut **tx).await?;

                let sql = values_sql(
                    "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) VALUES ",
                    7,
                    rows.len(),
                    $ph,
                );
                let mut q = sqlx::query(&sql);
                for (job, row) in fresh.iter().zip(&rows) {
                    let (kind, actor_id, actor_name) = &job.actor;
                    q = q.bind(row.id).bind(job.now).bind(*kind).bind(*actor_id).bind(actor_name).bind("created").bind(&row.event);
                }
                q.execute(&mut **tx).await?;

            }

            for (job, row) in fresh.iter().zip(&rows) {
                if let Some(k) = &job.idem {
                    sqlx::query(
                        "INSERT INTO idempotency_keys (actor, key, request_hash, ticket_id, response, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&k.actor)
                    .bind(&k.key)
                    .bind(&k.request_hash)
                    .bind(row.id)
                    .bind(json!({ "access_token": job.access_token }).to_string())
                    .bind(job.now)
                    .execute(&mut **tx)
                    .await?;
                }
            }

            for (job, row) in fresh.iter().zip(&rows) {
                if !job.files.is_empty() {
                    let (kind, actor_id, actor_name) = &job.actor;
                    crate::attachments::insert_attachments!(
                        &mut **tx,
                        row.id,
                        None::<i64>,
                        (*kind, *actor_id, actor_name),
                        &job.files,
                        job.now
                    );
                }
            }

            let mut built = fresh.iter().zip(rows).map(|(job, row)| Inserted::New {
                ticket: Box::new(job.read_model(row.id, row.number, row.requester_id)),
            });
            for slot in out.iter_mut().filter(|s| s.is_none()) {
                *slot = built.next();
            }
            Ok::<Vec<Inserted>, BatchError>(out.into_iter().flatten().collect())
        }
    }};
}

/// What a new ticket row needs beyond its job.
struct Row {
    id: i64,
    number: String,
    requester_id: i64,
    search_text: String,
    tags: String,
    token_hash: Option<String>,
    event: String,
}

/// How a backend spells bind parameters in generated SQL. SQLite resolves
/// each named parameter by a linear search, which makes `$n` quadratic in a
/// statement with a thousand of them; plain `?` is positional and free.
#[derive(Clone, Copy)]
enum Placeholders {
    Positional,
    Numbered,
}

/// `count` placeholders after the first `before` ones, comma-separated.
fn placeholders(style: Placeholders, before: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        match style {
            Placeholders::Positional => out.push('?'),
            Placeholders::Numbered => out.push_str(&format!("${}", before + i + 1)),
        }
    }
    out
}

/// `prefix` followed by `rows` groups of `cols` placeholders.
fn values_sql(prefix: &str, cols: usize, rows: usize, style: Placeholders) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * cols * 5);
    sql.push_str(prefix);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        sql.push_str(&placeholders(style, r * cols, cols));
        sql.push(')');
    }
    sql
}

/// The next `n` ids of `table`. The single SQLite writer holds the write lock,
/// so nobody else can take them in between.
async fn ids_sqlite(
    conn: &mut sqlx::SqliteConnection,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let max: i64 = sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(conn)
        .await?;
    Ok((max + 1..=max + n as i64).collect())
}

/// The next `n` values of the table's identity sequence (safe across nodes).
async fn ids_postgres(
    conn: &mut sqlx::PgConnection,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(&format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
    ))
    .bind(n as i64)
    .fetch_all(conn)
    .await
}

/// Why a batch failed: a rule about one create, or the database.
enum BatchError {
    Job(StoreError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for BatchError {
    fn from(e: sqlx::Error) -> Self {
        BatchError::Db(e)
    }
}

impl BatchError {
    fn into_store(self) -> StoreError {
        match self {
            BatchError::Job(e) => e,
            BatchError::Db(e) => StoreError::Database(e),
        }
    }
}

/// Take the waiting creates and write them in one transaction. The common case
/// (nothing wrong) costs one commit for the lot; if anything fails, each create
/// is retried alone so only the faulty one gets the error.
macro_rules! run_batches {
    ($rx:ident, $begin:expr, $ids:path, $ph:expr) => {
        let mut batches: u64 = 0;
        while let Some(first) = $rx.recv().await {
            if batches % PURGE_EVERY == 0 {
                let purged: Result<u64, sqlx::Error> = async {
                    let mut tx = $begin.await?;
                    let n = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                        .bind(crate::now_micros() - IDEMPOTENCY_KEEP_MICROS)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(n)
                }
                .await;
                if let Err(e) = purged {
                    tracing::warn!(error = %e, "purging old idempotency keys failed");
                }
            }
            batches += 1;
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match $rx.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            let jobs: Vec<&CreateJob> = batch.iter().map(|(j, _)| j).collect();
            let together: Result<Vec<Inserted>, BatchError> = async {
                let mut tx = $begin.await?;
                let inserted = write_batch!(&mut tx, &jobs, $ids, $ph).await?;
                tx.commit().await?;
                Ok(inserted)
            }
            .await;
            match together {
                Ok(inserted) => {
                    for ((_, reply), result) in batch.into_iter().zip(inserted) {
                        let _ = reply.send(Ok(result));
                    }
                }
                Err(first_error) => {
                    if batch.len() == 1 {
                        if let Some((_, reply)) = batch.pop() {
                            let _ = reply.send(Err(first_error.into_store()));
                        }
                        continue;
                    }
                    for (job, reply) in batch {
                        let alone: Result<Inserted, BatchError> = async {
                            let mut tx = $begin.await?;
                            let one = [&job];
                            let mut inserted = write_batch!(&mut tx, &one, $ids, $ph).await?;
                            tx.commit().await?;
                            inserted.pop().ok_or_else(|| {
                                BatchError::Job(StoreError::Corrupt("empty batch".into()))
                            })
                        }
                        .await;
                        let _ = reply.send(alone.map_err(BatchError::into_store));
                    }
                }
            }
        }
    };
}

impl Writer {
    pub(crate) fn sqlite(pool: SqlitePool) -> Writer {
        let (sender, mut rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(async move {
            run_batches!(
                rx,
                pool.begin_with("BEGIN IMMEDIATE"),
                ids_sqlite,
                Placeholders::Positional
            );
        });
        Writer { sender }
    }

    pub(crate) fn postgres(pool: PgPool) -> Writer {
        let (sender, mut rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(async move {
            run_batches!(rx, pool.begin(), ids_postgres, Placeholders::Numbered);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_placeholders() {
        assert_eq!(
            values_sql("V ", 2, 2, Placeholders::Numbered),
            "V ($1, $2), ($3, $4)"
        );
        assert_eq!(
            values_sql("V ", 2, 2, Placeholders::Positional),
            "V (?, ?), (?, ?)"
        );
        assert_eq!(placeholders(Placeholders::Numbered, 0, 3), "$1, $2, $3");
    }
}
