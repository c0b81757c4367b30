//! Tickets: create, read, list, and every change, each in one transaction
//! together with its message and its audit event.

use crate::attachments::{NewAttachment, insert_attachments};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::{
    Event, EventRow, Message, SUMMARY_COLUMNS, SummaryRow, TICKET_COLUMNS, Ticket, TicketRow,
    TicketSummary, rfc3339,
};
use crate::now_micros;
use crate::writer::{CreateJob, Inserted};
use atbalsts_domain::access::{Action, authorize, authorize_create};
use atbalsts_domain::change::{self, Assignee, Change, Group};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::validate::fold;
use atbalsts_domain::{Actor, Channel, DomainError, FieldError, Kind, Level, Priority, Status};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A validated request to create a ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub institution: String,
    pub service: Option<String>,
    pub resource: Option<String>,
    pub life_situation: Option<String>,
    pub channel: Channel,
    pub location: Option<String>,
    pub kind: Kind,
    pub priority: Priority,
    pub level: Level,
    pub subject: String,
    pub description: String,
    pub tags: Vec<String>,
    pub requester: NewRequester,
    /// The requester's language, ISO 639-1 (`lv` when nothing says otherwise).
    pub language: String,
    /// The support group the request was addressed to (an e-mail address of
    /// one); `None`: routing picks.
    pub group: Option<String>,
}

/// The register codes a new ticket refers to.
#[derive(Debug, Clone)]
struct References {
    institution: String,
    service: Option<String>,
    resource: Option<String>,
    life_situation: Option<String>,
    location: Option<String>,
}

impl References {
    fn of(t: &NewTicket) -> Self {
        Self {
            institution: t.institution.clone(),
            service: t.service.clone(),
            resource: t.resource.clone(),
            life_situation: t.life_situation.clone(),
            location: t.location.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewRequester {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub personal_code: Option<String>,
}

/// An `Idempotency-Key` with the identity of who sent it and a digest of the body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub actor: String,
    pub key: String,
    pub request_hash: String,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub ticket: Ticket,
    /// The requester's secret, returned once (and again on an idempotent replay).
    pub access_token: Option<String>,
    /// True when this answers a repeated request with the same idempotency key.
    pub replayed: bool,
}

/// A change as the API asks for it, before the store has loaded what it refers to.
#[derive(Debug, Clone)]
pub enum ChangeRequest {
    Reply {
        body: String,
        await_requester: bool,
    },
    Note {
        body: String,
    },
    Assign {
        assignee: Option<i64>,
        group: Option<String>,
    },
    ChangeLevel {
        to: Level,
        reason: String,
        group: Option<String>,
    },
    Transfer {
        institution: String,
        reason: String,
    },
    Resolve {
        resolution: String,
    },
    Reopen {
        reason: Option<String>,
    },
    Close,
    /// Take in a transferred case; `notice` tells the requester who handles it now.
    AcceptTransfer {
        notice: String,
    },
    /// Send a transferred case back to where it came from.
    ReturnTransfer {
        reason: String,
    },
    /// Extend a written submission's legal term; `notice` is the message that tells the requester.
    ExtendLegalTerm {
        until: jiff::civil::Date,
        reason: String,
        notice: String,
    },
}

#[derive(Debug, Clone, Default)]
pub enum AssigneeFilter {
    #[default]
    Any,
    Unassigned,
    User(i64),
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub institution: Option<String>,
    pub group: Option<String>,
    pub level: Option<Level>,
    pub status: Option<Status>,
    pub assignee: AssigneeFilter,
    pub service: Option<String>,
    pub channel: Option<Channel>,
    pub text: Option<String>,
    /// Only tickets in the groups this staff member belongs to.
    pub member_of_groups: Option<i64>,
    /// Only tickets of this requester (contact id).
    pub requester: Option<i64>,
    /// Only tickets still being worked (not resolved or closed).
    pub open_only: bool,
    /// Only cases transferred here and not yet accepted or returned.
    pub incoming_transfers: bool,
    pub sort: Sort,
    /// Continue after this ticket id (keyset pagination, newest first).
    pub after: Option<i64>,
    /// Continue after this (updated_at, id) when sorted by [`Sort::RecentlyUpdated`].
    pub after_updated: Option<(i64, i64)>,
    pub limit: u32,
}

/// The order of a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest ticket first.
    #[default]
    Newest,
    /// Most recently changed first.
    RecentlyUpdated,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<TicketSummary>,
    /// The id to continue after, when there are more.
    pub next_after: Option<i64>,
    /// The (updated_at, id) to continue after, when sorted by update and there are more.
    pub next_updated: Option<(i64, i64)>,
}

/// SHA-256 of a high-entropy secret. (Passwords would need a slow hash; a
/// 256-bit random token does not, and a fast hash keeps lookups indexed.)
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh 256-bit secret, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

enum Arg {
    Text(String),
    Int(i64),
}

/// Bind the collected arguments in order (instantiated per backend by the callers' macros).
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q
    }};
}

macro_rules! fetch_ticket_row {
    ($ex:expr, $id:expr) => {
        sqlx::query_as::<_, TicketRow>(&format!("SELECT {TICKET_COLUMNS} WHERE t.id = $1"))
            .bind($id)
            .fetch_optional($ex)
            .await?
    };
}

macro_rules! exists {
    ($ex:expr, $table:literal, $key:literal, $value:expr) => {
        sqlx::query_scalar::<_, i64>(concat!(
            "SELECT COUNT(*) FROM ",
            $table,
            " WHERE ",
            $key,
            " = $1"
        ))
        .bind($value)
        .fetch_one($ex)
        .await?
            > 0
    };
}

/// Load a support group by code, or fail with a field error.
macro_rules! load_group {
    ($ex:expr, $code:expr) => {{
        let institution: Option<String> =
            sqlx::query_scalar("SELECT institution FROM support_groups WHERE code = $1")
                .bind(&$code)
                .fetch_optional($ex)
                .await?;
        match institution {
            Some(institution) => Group {
                code: $code,
                institution,
            },
            None => {
                return Err(StoreError::invalid(vec![FieldError::new(
                    "group",
                    format!("no support group {}", $code),
                )]));
            }
        }
    }};
}

/// (kind, id, name) of whoever acts, for messages and events.
pub(crate) fn actor_ref(
    actor: &Actor,
    requester_name: &str,
) -> (&'static str, Option<i64>, String) {
    match actor {
        Actor::Staff(s) => ("staff", Some(s.user_id), s.name.clone()),
        Actor::Requester { .. } => ("requester", None, requester_name.to_string()),
        Actor::Anonymous => ("requester", None, requester_name.to_string()),
    }
}

impl Store {
    /// Register a new ticket, by a requester (`Actor::Anonymous`) or by staff on their behalf.
    pub async fn create_ticket(
        &self,
        actor: &Actor,
        new: NewTicket,
        idem: Option<IdempotencyKey>,
    ) -> Result<Created> {
        self.create_ticket_with(actor, new, idem, Vec::new()).await
    }

    /// [`Store::create_ticket`] with the request's files (their objects
    /// already stored), recorded in the ticket's transaction.
    pub async fn create_ticket_with(
        &self,
        actor: &Actor,
        new: NewTicket,
        idem: Option<IdempotencyKey>,
        files: Vec<NewAttachment>,
    ) -> Result<Created> {
        if let Actor::Staff(staff) = actor {
            authorize_create(staff, &new.institution, new.service.as_deref())?;
        }
        let now = now_micros();
        let by_requester = !matches!(actor, Actor::Staff(_));
        // The number's year is the year in Latvia, not in UTC.
        let year = i64::from(
            jiff::Timestamp::now()
                .to_zoned(atbalsts_domain::hours::riga())
                .year(),
        );
        let access_token = by_requester.then(new_secret);
        let level = if by_requester {
            Level::Specialist
        } else {
            new.level
        };
        let routed = self.route_new_ticket(&new, level).await?;

        let mut job = CreateJob {
            email_key: new
                .requester
                .email
                .as_deref()
                .and_then(atbalsts_domain::requester::normalize_email),
            phone_key: new
                .requester
                .phone
                .as_deref()
                .and_then(atbalsts_domain::requester::normalize_phone),
            created_by: match actor {
                Actor::Staff(s) => Some(s.user_id),
                _ => None,
            },
            actor: actor_ref(actor, &new.requester.name),
            group: routed.as_ref().map(|r| r.group.clone()),
            routed: routed.as_ref().map(|r| r.reason.clone()),
            new,
            idem,
            level,
            year,
            now,
            access_token,
            clocks: crate::clocks::StoredClocks::default(),
            files,
        };
        job.clocks = self.new_clocks(&job).await?;
        let references = References::of(&job.new);
        let returned_token = job.access_token.clone();
        match self.writer().submit(job).await {
            Ok(Inserted::New { mut ticket }) => {
                if let Some(r) = &routed {
                    self.assign_new_ticket(r, &mut ticket).await;
                }
                Ok(Created {
                    access_token: returned_token,
                    ticket: *ticket,
                    replayed: false,
                })
            }
            Ok(Inserted::Replay { id, access_token }) => {
                let ticket = self
                    .ticket_by_id(id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("ticket {id}")))?;
                Ok(Created {
                    ticket,
                    access_token,
                    replayed: true,
                })
            }
            // References are checked by the foreign keys; only when one fails do we
            // look up which, to name the fields.
            Err(StoreError::Database(e)) if is_foreign_key_violation(&e) => {
                self.check_references(&references).await?;
                Err(StoreError::Database(e))
            }
            Err(e) => Err(e),
        }
    }

    /// Every code the new ticket names must exist; all missing ones are reported together.
    async fn check_references(&self, new: &References) -> Result<()> {
        let found: (i64, i64, i64, i64, i64) = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM institutions WHERE code = $1), \
                 (SELECT COUNT(*) FROM services WHERE code = $2), (SELECT COUNT(*) FROM resources WHERE id = $3), \
                 (SELECT COUNT(*) FROM life_situations WHERE id = $4), (SELECT COUNT(*) FROM locations WHERE id = $5)",
            )
            .bind(&new.institution)
            .bind(&new.service)
            .bind(&new.resource)
            .bind(&new.life_situation)
            .bind(&new.location)
            .fetch_one(pool)
            .await?
        });
        let mut missing = Vec::new();
        let mut check = |field: &str, what: &str, value: Option<&String>, count: i64| {
            if let Some(v) = value
                && count == 0
            {
                missing.push(FieldError::new(field, format!("no {what} {v}")));
            }
        };
        check(
            "institution",
            "institution with code",
            Some(&new.institution),
            found.0,
        );
        check(
            "service",
            "service with code",
            new.service.as_ref(),
            found.1,
        );
        check(
            "resource",
            "resource with id",
            new.resource.as_ref(),
            found.2,
        );
        check(
            "life_situation",
            "life situation with id",
            new.life_situation.as_ref(),
            found.3,
        );
        check(
            "location",
            "location with id",
            new.location.as_ref(),
            found.4,
        );
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StoreError::invalid(missing))
        }
    }

    pub(crate) async fn ticket_by_id(&self, id: i64) -> Result<Option<Ticket>> {
        let row = on_pool!(self, |pool| fetch_ticket_row!(pool, id));
        row.map(TicketRow::into_ticket).transpose()
    }

    /// The ticket, if `actor` may see it. Out of scope answers like a missing
    /// ticket, so that ticket ids of other institutions reveal nothing.
    pub async fn ticket(&self, actor: &Actor, id: i64) -> Result<Ticket> {
        let ticket = self.ticket_by_id(id).await?.ok_or_else(|| not_found(id))?;
        let facts = atbalsts_domain::access::TicketFacts {
            id,
            institution: &ticket.institution,
            service: ticket.service.as_deref(),
        };
        authorize(actor, Action::View, facts).map_err(|_| not_found(id))?;
        Ok(ticket)
    }

    /// The ticket whose access token this is, if any.
    pub async fn ticket_id_by_access_token(&self, token: &str) -> Result<Option<i64>> {
        let hash = token_hash(token);
        Ok(on_pool!(self, |pool| {
            // The link given at creation, or one the desk sent later (in an e-mail).
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM tickets WHERE access_token_hash = $1 \
                 UNION ALL SELECT ticket_id FROM ticket_access_links WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The id of the ticket numbered `number` (e.g. `2026-000123`) with its requester's e-mail.
    pub async fn ticket_by_number(&self, number: &str) -> Result<Option<(i64, Option<String>)>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, Option<String>)>(
                "SELECT t.id, c.email FROM tickets t JOIN contacts c ON c.id = t.requester_id WHERE t.number = $1",
            )
            .bind(number)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A new private link to `ticket` for its requester (an e-mail carries it:
    /// the secret of the creation was shown once and is not kept).
    pub async fn issue_access_link(&self, ticket: i64) -> Result<String> {
        let token = new_secret();
        let now = now_micros();
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO ticket_access_links (token_hash, ticket_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash(&token))
            .bind(ticket)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(token)
    }

    /// A queue: tickets matching `filter` that `actor` may see, newest first
    /// (or most recently updated first).
    pub async fn list_tickets(&self, actor: &Actor, filter: &TicketFilter) -> Result<Page> {
        let Some((mut sql, mut args)) = filter_sql(actor, filter)? else {
            return Ok(Page {
                items: Vec::new(),
                next_after: None,
                next_updated: None,
            });
        };
        let mut push = |sql: &mut String, clause: &str, arg: Arg| {
            args.push(arg);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        let limit = filter.limit.clamp(1, 200);
        match filter.sort {
            Sort::Newest => {
                if let Some(after) = filter.after {
                    push(&mut sql, " AND t.id < $?", Arg::Int(after));
                }
                sql.push_str(" ORDER BY t.id DESC");
            }
            Sort::RecentlyUpdated => {
                if let Some((at, id)) = filter.after_updated {
                    push(&mut sql, " AND (t.updated_at < $?", Arg::Int(at));
                    push(&mut sql, " OR (t.updated_at = $?", Arg::Int(at));
                    push(&mut sql, " AND t.id < $?))", Arg::Int(id));
                }
                sql.push_str(" ORDER BY t.updated_at DESC, t.id DESC");
            }
        }
        push(&mut sql, " LIMIT $?", Arg::Int(i64::from(limit) + 1));
        let sql = format!("SELECT {SUMMARY_COLUMNS} WHERE 1=1{sql}");

        let rows: Vec<SummaryRow> = on_pool!(self, |pool| {
            bind_all!(sqlx::query_as::<_, SummaryRow>(&sql), args)
                .fetch_all(pool)
                .await?
        });
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(SummaryRow::into_summary)
            .collect::<Result<Vec<_>>>()?;
        let last = items.last().filter(|_| more);
        Ok(Page {
            next_after: last.map(|t| t.id),
            next_updated: last
                .filter(|_| filter.sort == Sort::RecentlyUpdated)
                .map(|t| (t.updated_micros, t.id)),
            items,
        })
    }

    /// How many tickets match `filter` that `actor` may see (paging fields are ignored).
    pub async fn count_tickets(&self, actor: &Actor, filter: &TicketFilter) -> Result<i64> {
        let Some((sql, args)) = filter_sql(actor, filter)? else {
            return Ok(0);
        };
        let sql = format!(
            "SELECT COUNT(*) FROM tickets t JOIN contacts c ON c.id = t.requester_id WHERE 1=1{sql}"
        );
        Ok(on_pool!(self, |pool| {
            bind_all!(sqlx::query_scalar::<_, i64>(&sql), args)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Apply one change to a ticket: authorise, decide, write, record.
    pub async fn change_ticket(
        &self,
        actor: &Actor,
        id: i64,
        request: ChangeRequest,
    ) -> Result<Ticket> {
        self.change_ticket_with(actor, id, request, &[]).await
    }

    /// [`Store::change_ticket`] with files on the message it writes (their
    /// objects already stored), recorded in the same transaction.
    pub async fn change_ticket_with(
        &self,
        actor: &Actor,
        id: i64,
        request: ChangeRequest,
        files: &[NewAttachment],
    ) -> Result<Ticket> {
        self.change_ticket_via(actor, id, request, files, None)
            .await
    }

    /// [`Store::change_ticket_with`] for a message that came in on `via` (an
    /// e-mail, a connector's conversation): the message records the channel
    /// it travelled on, which need not be the one the ticket was opened on.
    /// Without it, people's messages count as written on the portal.
    pub async fn change_ticket_via(
        &self,
        actor: &Actor,
        id: i64,
        request: ChangeRequest,
        files: &[NewAttachment],
        via: Option<Channel>,
    ) -> Result<Ticket> {
        let now = now_micros();
        in_tx!(self, |tx| {
            let row = fetch_ticket_row!(&mut *tx, id).ok_or_else(|| not_found(id))?;
            let state = row.state()?;
            authorize(actor, Action::View, state.facts()).map_err(|_| not_found(id))?;

            let change = match request {
                ChangeRequest::Reply {
                    body,
                    await_requester,
                } => Change::Reply {
                    body,
                    await_requester,
                },
                ChangeRequest::Note { body } => Change::Note { body },
                ChangeRequest::Assign { assignee, group } => {
                    let assignee = match assignee {
                        None => None,
                        Some(user_id) => {
                            let user: Option<(String, String)> = sqlx::query_as(
                                "SELECT name, role FROM users WHERE id = $1 AND active = TRUE",
                            )
                            .bind(user_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            let Some((name, role)) = user else {
                                return Err(StoreError::invalid(vec![FieldError::new(
                                    "assignee",
                                    format!("no active staff member with id {user_id}"),
                                )]));
                            };
                            let scopes: Vec<(String, String)> = sqlx::query_as(
                                "SELECT institution, service FROM user_scopes WHERE user_id = $1",
                            )
                            .bind(user_id)
                            .fetch_all(&mut *tx)
                            .await?;
                            let staff =
                                crate::users::staff_actor(user_id, name.clone(), &role, scopes)?;
                            Some(Assignee {
                                user_id,
                                name,
                                covers_ticket: staff
                                    .covers(&state.institution, state.service.as_deref()),
                            })
                        }
                    };
                    let group = match group {
                        None => None,
                        Some(code) => Some(load_group!(&mut *tx, code)),
                    };
                    Change::Assign { assignee, group }
                }
                ChangeRequest::ChangeLevel { to, reason, group } => {
                    let group = match group {
                        // Escalation lands in the service's level-2 group, de-escalation back at level 1.
                        None => crate::groups::escalation_target!(&mut *tx, row, to),
                        Some(code) => Some(load_group!(&mut *tx, code)),
                    };
                    Change::ChangeLevel { to, reason, group }
                }
                ChangeRequest::Transfer {
                    institution,
                    reason,
                } => {
                    if !exists!(&mut *tx, "institutions", "code", &institution) {
                        return Err(StoreError::invalid(vec![FieldError::new(
                            "institution",
                            format!("no institution with code {institution}"),
                        )]));
                    }
                    Change::Transfer {
                        institution,
                        reason,
                    }
                }
                ChangeRequest::Resolve { resolution } => Change::Resolve { resolution },
                ChangeRequest::Reopen { reason } => Change::Reopen { reason },
                ChangeRequest::Close => Change::Close,
                ChangeRequest::AcceptTransfer { notice } => Change::AcceptTransfer { notice },
                ChangeRequest::ReturnTransfer { reason } => Change::ReturnTransfer { reason },
                ChangeRequest::ExtendLegalTerm {
                    until,
                    reason,
                    notice,
                } => Change::ExtendLegalTerm {
                    until,
                    reason,
                    notice,
                },
            };

            let mut outcome = change::plan(actor, &state, change)?;
            // A case that moved to another institution lands in the group routing picks there.
            if outcome.state.institution != state.institution && outcome.state.group.is_none() {
                let to = outcome.state.institution.clone();
                let groups = crate::groups::routable_groups!(&mut *tx, &to, &row.location);
                let channel = Channel::parse(&row.channel)
                    .ok_or_else(|| StoreError::Corrupt(format!("channel {:?}", row.channel)))?;
                let req = crate::groups::route_request(
                    &to,
                    row.service.as_deref(),
                    channel,
                    row.location.as_deref(),
                    &row.language,
                    outcome.state.level,
                );
                outcome.state.group =
                    atbalsts_domain::routing::route(&req, &groups).map(|r| r.group.code.clone());
                if let Some(map) = outcome.event.1.as_object_mut() {
                    map.insert("group".into(), serde_json::json!(outcome.state.group));
                }
            }
            let new = &outcome.state;
            let resolved_at =
                (new.status == Status::Resolved && state.status != Status::Resolved).then_some(now);
            let closed_at = (new.status == Status::Closed).then_some(now);
            let clocks = self.moved_clocks(&row, actor, &outcome, now).await?;
            sqlx::query(
                "UPDATE tickets SET institution = $1, level = $2, status = $3, assignee_id = $4, group_code = $5, \
                 resolution = COALESCE($6, resolution), resolved_at = COALESCE($7, resolved_at), \
                 closed_at = COALESCE($8, closed_at), updated_at = $9, sla = $11, sla_due = $12, legal = $13, \
                 transfer_from = $14, sla_mark = $15 WHERE id = $10",
            )
            .bind(&new.institution)
            .bind(i64::from(new.level.number()))
            .bind(new.status.as_str())
            .bind(new.assignee)
            .bind(&new.group)
            .bind(&outcome.resolution)
            .bind(resolved_at)
            .bind(closed_at)
            .bind(now)
            .bind(id)
            .bind(&clocks.sla)
            .bind(clocks.due)
            .bind(&clocks.legal)
            .bind(&new.transfer_from)
            .bind(clocks.mark)
            .execute(&mut *tx)
            .await?;

            let (actor_kind, actor_id, actor_name) = actor_ref(actor, &row.requester_name);
            let mut message_id: Option<i64> = None;
            if let Some(m) = &outcome.message {
                let channel = via.map_or("portal", Channel::as_str);
                message_id = Some(sqlx::query_scalar(
                    "INSERT INTO ticket_messages (ticket_id, author_kind, author_user_id, author_name, internal, \
                     channel, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(id)
                .bind(actor_kind)
                .bind(actor_id)
                .bind(&actor_name)
                .bind(m.internal)
                .bind(channel)
                .bind(&m.body)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?);
            }
            if !files.is_empty() {
                if message_id.is_none() {
                    return Err(StoreError::invalid(vec![FieldError::new(
                        "files",
                        "only a reply or a note can carry files",
                    )]));
                }
                insert_attachments!(
                    &mut *tx,
                    id,
                    message_id,
                    (actor_kind, actor_id, &actor_name),
                    files,
                    now
                );
            }
            let (event_kind, data) = &outcome.event;
            // The event names its message, so what it causes (an e-mail) quotes that one.
            let mut data = data.clone();
            if let (Some(mid), Some(map)) = (message_id, data.as_object_mut()) {
                map.insert("message".into(), serde_json::json!(mid));
            }
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(now)
            .bind(actor_kind)
            .bind(actor_id)
            .bind(&actor_name)
            .bind(*event_kind)
            .bind(data.to_string())
            .execute(&mut *tx)
            .await?;
        });
        // Read back outside the write lock: a transferred ticket may now be out of the actor's sight.
        self.ticket_by_id(id).await?.ok_or_else(|| not_found(id))
    }

    /// The thread: staff see notes too, requesters only public messages.
    pub async fn messages(&self, actor: &Actor, id: i64) -> Result<Vec<Message>> {
        self.ticket(actor, id).await?;
        let staff = matches!(actor, Actor::Staff(_));
        let mut rows: Vec<Message> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Message>(
                "SELECT id, author_kind, author_name, internal, channel, body, created_at FROM ticket_messages \
                 WHERE ticket_id = $1 AND (internal = FALSE OR $2) ORDER BY id",
            )
            .bind(id)
            .bind(staff)
            .fetch_all(pool)
            .await?
        });
        let mut files = self.attachments_by_message(id, staff).await?;
        for m in &mut rows {
            m.created_at = rfc3339(m.created_micros);
            m.attachments = files.remove(&Some(m.id)).unwrap_or_default();
        }
        Ok(rows)
    }

    /// The audit trail of a ticket, oldest first (staff only: it includes internal detail).
    pub async fn events(&self, actor: &Actor, id: i64) -> Result<Vec<Event>> {
        if !matches!(actor, Actor::Staff(_)) {
            return Err(DomainError::forbidden(
                Code::AccessStaffOnly,
                "only support staff can read the audit trail",
            )
            .into());
        }
        self.ticket(actor, id).await?;
        let rows: Vec<EventRow> = on_pool!(self, |pool| {
            sqlx::query_as::<_, EventRow>(
                "SELECT id, at, actor_kind, actor_id, actor_name, kind, data FROM ticket_events \
                 WHERE ticket_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(EventRow::into_event).collect()
    }
}

/// The conditions of a queue as SQL appended to `WHERE 1=1`, with their
/// arguments; `None` when the actor can see no ticket at all.
fn filter_sql(actor: &Actor, filter: &TicketFilter) -> Result<Option<(String, Vec<Arg>)>> {
    let Actor::Staff(staff) = actor else {
        return Err(DomainError::forbidden(
            Code::AccessStaffOnly,
            "only support staff can list tickets",
        )
        .into());
    };
    let mut sql = String::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |sql: &mut String, clause: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
    };
    if let Some(scopes) = staff.visible_scopes() {
        if scopes.is_empty() {
            return Ok(None);
        }
        sql.push_str(" AND (");
        for (i, scope) in scopes.iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            push(
                &mut sql,
                "(t.institution = $?",
                Arg::Text(scope.institution.clone()),
            );
            if let Some(service) = &scope.service {
                push(&mut sql, " AND t.service = $?", Arg::Text(service.clone()));
            }
            sql.push(')');
        }
        sql.push(')');
    }
    if let Some(v) = &filter.institution {
        push(&mut sql, " AND t.institution = $?", Arg::Text(v.clone()));
    }
    if let Some(v) = &filter.group {
        push(&mut sql, " AND t.group_code = $?", Arg::Text(v.clone()));
    }
    if let Some(v) = filter.level {
        push(
            &mut sql,
            " AND t.level = $?",
            Arg::Int(i64::from(v.number())),
        );
    }
    if let Some(v) = filter.status {
        push(&mut sql, " AND t.status = $?", Arg::Text(v.as_str().into()));
    }
    match filter.assignee {
        AssigneeFilter::Any => {}
        AssigneeFilter::Unassigned => sql.push_str(" AND t.assignee_id IS NULL"),
        AssigneeFilter::User(id) => push(&mut sql, " AND t.assignee_id = $?", Arg::Int(id)),
    }
    if let Some(v) = &filter.service {
        push(&mut sql, " AND t.service = $?", Arg::Text(v.clone()));
    }
    if let Some(v) = filter.channel {
        push(
            &mut sql,
            " AND t.channel = $?",
            Arg::Text(v.as_str().into()),
        );
    }
    if let Some(v) = &filter.text {
        // Every word must appear, in any order.
        for word in fold(v).split_whitespace().take(8) {
            let pattern = format!("%{}%", escape_like(word));
            push(
                &mut sql,
                " AND t.search_text LIKE $? ESCAPE '\\'",
                Arg::Text(pattern),
            );
        }
    }
    if let Some(user) = filter.member_of_groups {
        push(
            &mut sql,
            " AND t.group_code IN (SELECT group_code FROM group_members WHERE user_id = $?)",
            Arg::Int(user),
        );
    }
    if let Some(requester) = filter.requester {
        push(&mut sql, " AND t.requester_id = $?", Arg::Int(requester));
    }
    if filter.open_only {
        sql.push_str(" AND t.status NOT IN ('resolved', 'closed')");
    }
    if filter.incoming_transfers {
        sql.push_str(" AND t.transfer_from IS NOT NULL");
    }
    Ok(Some((sql, args)))
}

fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_foreign_key_violation())
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("ticket {id}"))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
