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
use atbalsts_domain::requester::{Recognition, recognise};
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
    /// The requester's e-mail address and phone number as recognition compares
    /// them (`domain::requester`), normalised before the write transaction.
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
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
    fn read_model(&self, id: i64, number: String, requester: Requester) -> Ticket {
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
            requester_id: requester.id,
            requester,
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

/// Find or make the requester of each fresh create (`domain::requester::recognise`):
/// the record that holds its normalised e-mail address, else the one that holds
/// its phone number, else a new record, shared by the creates of the batch with
/// the same address or number. A name never decides. Newly seen addresses and
/// numbers join the record. Another node may take the same new address at the
/// same moment: the unique address decides, and this batch's record for it is
/// folded into the one that won. Returns each create's requester id and the
/// requesters as the new tickets show them.
macro_rules! recognise {
    ($conn:expr, $fresh:expr, $ids:path, $ph:expr) => {{
        let conn = $conn;
        let fresh: &[&CreateJob] = $fresh;
        async move {
            #[derive(Clone, Copy)]
            enum Owner {
                Known(i64),
                Slot(usize),
            }
            type Found = (String, i64, String, Option<String>, Option<String>);
            let mut people: HashMap<i64, Requester> = HashMap::new();
            let mut email_owner: HashMap<String, i64> = HashMap::new();
            let mut phone_owner: HashMap<String, i64> = HashMap::new();
            for (table, column, keys) in [
                ("contact_emails", "address", fresh.iter().filter_map(|j| j.email_key.as_deref()).collect::<Vec<_>>()),
                ("contact_phones", "number", fresh.iter().filter_map(|j| j.phone_key.as_deref()).collect::<Vec<_>>()),
            ] {
                let mut keys = keys;
                keys.sort_unstable();
                keys.dedup();
                if keys.is_empty() {
                    continue;
                }
                let sql = format!(
                    "SELECT k.{column}, c.id, c.name, c.email, c.phone FROM {table} k JOIN contacts c ON c.id = k.contact_id \
                     WHERE k.{column} IN ({})",
                    placeholders($ph, 0, keys.len())
                );
                let mut q = sqlx::query_as::<_, Found>(&sql);
                for k in &keys {
                    q = q.bind(*k);
                }
                for (key, id, name, email, phone) in q.fetch_all(&mut *conn).await? {
                    if table == "contact_emails" { &mut email_owner } else { &mut phone_owner }.insert(key, id);
                    people.insert(id, Requester { id, name, email, phone });
                }
            }

            let mut owners: Vec<Owner> = Vec::with_capacity(fresh.len());
            let mut slots: Vec<&CreateJob> = Vec::new();
            let mut slot_of_email: HashMap<&str, usize> = HashMap::new();
            let mut slot_of_phone: HashMap<&str, usize> = HashMap::new();
            let mut add_emails: Vec<(&str, Owner, &'static str)> = Vec::new();
            let mut add_phones: Vec<(&str, Owner, &'static str)> = Vec::new();
            for job in fresh {
                let (e, p) = (job.email_key.as_deref(), job.phone_key.as_deref());
                let source = job.new.channel.as_str();
                let by_email = e.and_then(|e| email_owner.get(e).copied());
                let by_phone = p.and_then(|p| phone_owner.get(p).copied());
                let owner = match recognise(by_email, by_phone) {
                    Recognition::Known(id) => {
                        if let Some(e) = e.filter(|e| !email_owner.contains_key(*e)) {
                            email_owner.insert(e.to_string(), id);
                            add_emails.push((e, Owner::Known(id), source));
                        }
                        if let Some(p) = p.filter(|p| !phone_owner.contains_key(*p)) {
                            phone_owner.insert(p.to_string(), id);
                            add_phones.push((p, Owner::Known(id), source));
                        }
                        Owner::Known(id)
                    }
                    Recognition::New => {
                        let shared = e
                            .and_then(|e| slot_of_email.get(e))
                            .or_else(|| p.and_then(|p| slot_of_phone.get(p)))
                            .copied();
                        let slot = shared.unwrap_or_else(|| {
                            slots.push(job);
                            slots.len() - 1
                        });
                        if let Some(e) = e.filter(|e| !slot_of_email.contains_key(*e)) {
                            slot_of_email.insert(e, slot);
                            add_emails.push((e, Owner::Slot(slot), source));
                        }
                        if let Some(p) = p.filter(|p| !slot_of_phone.contains_key(*p)) {
                            slot_of_phone.insert(p, slot);
                            add_phones.push((p, Owner::Slot(slot), source));
                        }
                        Owner::Slot(slot)
                    }
                };
                owners.push(owner);
            }

            let contact_ids = $ids(&mut *conn, "contacts", slots.len()).await?;
            if contact_ids.len() != slots.len() {
                return Err(BatchError::Job(StoreError::Corrupt("id allocation came up short".into())));
            }
            if !slots.is_empty() {
                let sql = values_sql(
                    "INSERT INTO contacts (id, name, email, phone, personal_code, created_at, updated_at, search_text, language) VALUES ",
                    9,
                    slots.len(),
                    $ph,
                );
                let mut q = sqlx::query(&sql);
                for (job, id) in slots.iter().zip(&contact_ids) {
                    let r = &job.new.requester;
                    let email = job.email_key.clone().or_else(|| r.email.clone());
                    let phone = job.phone_key.clone().or_else(|| r.phone.clone());
                    q = q
                        .bind(*id)
                        .bind(&r.name)
                        .bind(email.clone())
                        .bind(phone.clone())
                        .bind(&r.personal_code)
                        .bind(job.now)
                        .bind(job.now)
                        .bind(fold(&r.name))
                        .bind(&job.new.language);
                    people.insert(*id, Requester { id: *id, name: r.name.clone(), email, phone });
                }
                q.execute(&mut *conn).await?;
            }
            let resolve = |o: Owner| match o {
                Owner::Known(id) => id,
                Owner::Slot(s) => contact_ids[s],
            };
            let now = fresh.first().map_or(0, |j| j.now);

            // Sorted, so that two batches meeting on several addresses take them in one order.
            add_emails.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let mut remap: HashMap<i64, i64> = HashMap::new();
            if !add_emails.is_empty() {
                let sql = values_sql("INSERT INTO contact_emails (address, contact_id, source, added_at) VALUES ", 4, add_emails.len(), $ph)
                    + " ON CONFLICT (address) DO NOTHING RETURNING address";
                let mut q = sqlx::query_scalar::<_, String>(&sql);
                for (address, owner, source) in &add_emails {
                    q = q.bind(*address).bind(resolve(*owner)).bind(*source).bind(now);
                }
                let taken: std::collections::HashSet<String> = q.fetch_all(&mut *conn).await?.into_iter().collect();
                let lost: Vec<(&str, Owner)> = add_emails
                    .iter()
                    .filter(|(a, _, _)| !taken.contains(*a))
                    .map(|(a, o, _)| (*a, *o))
                    .collect();
                if !lost.is_empty() {
                    let sql = format!(
                        "SELECT k.address, c.id, c.name, c.email, c.phone FROM contact_emails k JOIN contacts c ON c.id = k.contact_id \
                         WHERE k.address IN ({})",
                        placeholders($ph, 0, lost.len())
                    );
                    let mut q = sqlx::query_as::<_, Found>(&sql);
                    for (a, _) in &lost {
                        q = q.bind(*a);
                    }
                    for (address, id, name, email, phone) in q.fetch_all(&mut *conn).await? {
                        if let Some((_, Owner::Slot(s))) = lost.iter().find(|(a, _)| *a == address) {
                            remap.insert(contact_ids[*s], id);
                            people.insert(id, Requester { id, name, email, phone });
                        }
                    }
                }
                for (loser, winner) in &remap {
                    sqlx::query("UPDATE contact_emails SET contact_id = $1 WHERE contact_id = $2")
                        .bind(*winner)
                        .bind(*loser)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("DELETE FROM contacts WHERE id = $1").bind(*loser).execute(&mut *conn).await?;
                    people.remove(loser);
                }
            }
            let final_id = |o: Owner| {
                let id = resolve(o);
                remap.get(&id).copied().unwrap_or(id)
            };
            add_phones.sort_unstable_by(|a, b| a.0.cmp(b.0));
            if !add_phones.is_empty() {
                let sql = values_sql("INSERT INTO contact_phones (number, contact_id, source, added_at) VALUES ", 4, add_phones.len(), $ph)
                    + " ON CONFLICT (number) DO NOTHING";
                let mut q = sqlx::query(&sql);
                for (number, owner, source) in &add_phones {
                    q = q.bind(*number).bind(final_id(*owner)).bind(*source).bind(now);
                }
                q.execute(&mut *conn).await?;
            }
            // A known record without an address or number takes the first one it is given.
            for (key, owner, is_email) in add_emails
                .iter()
                .map(|(k, o, _)| (*k, *o, true))
                .chain(add_phones.iter().map(|(k, o, _)| (*k, *o, false)))
            {
                let Owner::Known(id) = owner else { continue };
                let Some(person) = people.get_mut(&id) else { continue };
                let empty = if is_email { &mut person.email } else { &mut person.phone };
                if empty.is_none() {
                    *empty = Some(key.to_string());
                    let sql = if is_email {
                        "UPDATE contacts SET email = $1, updated_at = $2 WHERE id = $3 AND email IS NULL"
                    } else {
                        "UPDATE contacts SET phone = $1, updated_at = $2 WHERE id = $3 AND phone IS NULL"
                    };
                    sqlx::query(sql).bind(key).bind(now).bind(id).execute(&mut *conn).await?;
                }
            }
            let requester_of: Vec<i64> = owners.into_iter().map(final_id).collect();
            Ok::<(Vec<i64>, HashMap<i64, Requester>), BatchError>((requester_of, people))
        }
    }};
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
            // Recognition: one lookup per kind of key for the batch (see `recognise!`).
            let (requester_of, people) = recognise!(&mut **tx, &fresh, $ids, $ph).await?;
            let ticket_ids = $ids(&mut **tx, "tickets", fresh.len()).await?;
            if ticket_ids.len() != fresh.len() {
                return Err(BatchError::Job(StoreError::Corrupt("id allocation came up short".into())));
            }

            let mut rows: Vec<Row> = Vec::with_capacity(fresh.len());
            for ((job, id), requester_id) in fresh.iter().zip(&ticket_ids).zip(&requester_of) {
                let Some(counter) = next.iter_mut().find(|(y, _)| *y == job.year) else {
                    return Err(BatchError::Job(StoreError::Corrupt("no number block for the year".into())));
                };
                let seq = counter.1;
                counter.1 += 1;
                let requester_id = *requester_id;
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

            let mut built = fresh.iter().zip(rows).map(|(job, row)| {
                let requester = people.get(&row.requester_id).cloned().unwrap_or_else(|| Requester {
                    id: row.requester_id,
                    name: job.new.requester.name.clone(),
                    email: job.new.requester.email.clone(),
                    phone: job.new.requester.phone.clone(),
                });
                Inserted::New { ticket: Box::new(job.read_model(row.id, row.number, requester)) }
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
