//! Tickets: create, read, queues and every change.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ClientIp, Json, Query, TicketId};
use atbalsts_domain::DomainError;
use atbalsts_domain::refusal::Code;
use atbalsts_domain::validate::{self, Errors};
use atbalsts_domain::{Actor, Channel, FieldError, Kind, Level, Priority, Status};
use atbalsts_http::notices::{legal_term_notice, transfer_notice};
use atbalsts_store::model::{Event, Message, Ticket, TicketSummary};
use atbalsts_store::tickets::{
    AssigneeFilter, ChangeRequest, IdempotencyKey, NewRequester, NewTicket, TicketFilter,
    token_hash,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Who asks for help, as given when the ticket is created.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterBody {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Latvian personal code, when the person gives it (e.g. at a visitor workstation).
    pub personal_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketBody {
    /// Institution code, e.g. `PMLP`.
    #[schema(min_length = 1, max_length = 40, pattern = "^[A-Za-z0-9_-]+$")]
    pub institution: String,
    pub service: Option<String>,
    pub resource: Option<String>,
    pub life_situation: Option<String>,
    /// portal, email, phone, video, chat, social, mobile_app or in_person.
    #[schema(value_type = Channel)]
    pub channel: String,
    /// Customer service location; required for `in_person`.
    pub location: Option<String>,
    /// information, consultation, training, technical_access, incident, complaint or suggestion.
    #[schema(value_type = Kind)]
    pub kind: String,
    /// low, normal (default), high or urgent.
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Staff only: 0, 1 (default) or 2. Requesters always start at level 1.
    #[schema(minimum = 0, maximum = 2)]
    pub level: Option<u8>,
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub requester: RequesterBody,
    /// The requester's language, ISO 639-1 (`lv` when absent): routing picks a group
    /// that speaks it, and the desk writes to the person in it (Latvian or English).
    #[schema(pattern = "^[A-Za-z]{2}$", example = "lv")]
    pub language: Option<String>,
    /// Staff only, for a ticket on `phone`, `video` or `in_person`: the
    /// contact it comes from, recorded with it (its channel and location are
    /// the ticket's).
    pub contact: Option<crate::routes::contacts::NewTicketContact>,
}

impl CreateTicketBody {
    fn validate(
        self,
        by_staff: bool,
    ) -> Result<(NewTicket, Option<atbalsts_domain::contact::Contact>), Vec<FieldError>> {
        let mut e = Errors::default();
        let contact = match &self.contact {
            None => None,
            Some(_) if !by_staff => {
                e.push(
                    "contact",
                    "only support staff record contacts; leave it out",
                );
                None
            }
            Some(c) => c
                .validate(&self.channel, self.location.as_deref(), &self.description)
                .map_err(|errors| e.0.extend(errors))
                .ok(),
        };
        let channel = e.one_of(
            "channel",
            &self.channel,
            Channel::parse,
            Channel::expected(),
        );
        let kind = e.one_of("kind", &self.kind, Kind::parse, Kind::expected());
        let priority = match &self.priority {
            None => Some(Priority::Normal),
            Some(p) => e.one_of("priority", p, Priority::parse, Priority::expected()),
        };
        let level = match self.level {
            None => Some(Level::Specialist),
            Some(_) if !by_staff => {
                e.push(
                    "level",
                    "only support staff can choose the level; leave it out",
                );
                None
            }
            Some(n) => {
                let level = Level::try_from(n);
                if let Err(msg) = &level {
                    e.push("level", msg.clone());
                }
                level.ok()
            }
        };
        let location = e.opt_code("location", self.location.as_deref());
        match (channel, &location) {
            (Some(Channel::InPerson), None) => e.push(
                "location",
                "an in-person visit needs the location where it happened",
            ),
            (Some(c), Some(_)) if c != Channel::InPerson => {
                e.push("location", "a location is only given for in-person visits")
            }
            _ => {}
        }
        let r = &self.requester;
        let email = r
            .email
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|v| e.email("requester.email", v));
        let phone = r
            .phone
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|v| e.phone("requester.phone", v));
        if email.is_none() && phone.is_none() {
            e.push(
                "requester",
                "give an e-mail address or a phone number so that we can answer",
            );
        }
        let requester = NewRequester {
            name: e.text("requester.name", &r.name, validate::MAX_NAME),
            email,
            phone,
            personal_code: r
                .personal_code
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|v| e.personal_code("requester.personal_code", v)),
        };
        let new = NewTicket {
            institution: e.code("institution", &self.institution),
            service: e.opt_code("service", self.service.as_deref()),
            resource: e.opt_code("resource", self.resource.as_deref()),
            life_situation: e.opt_code("life_situation", self.life_situation.as_deref()),
            location,
            subject: e.text("subject", &self.subject, validate::MAX_SUBJECT),
            description: e.text("description", &self.description, validate::MAX_BODY),
            tags: e.tags("tags", &self.tags),
            requester,
            channel: channel.unwrap_or(Channel::Portal),
            kind: kind.unwrap_or(Kind::Information),
            priority: priority.unwrap_or(Priority::Normal),
            level: level.unwrap_or(Level::Specialist),
            language: e.language("language", self.language.as_deref()),
            group: None,
        };
        e.finish((new, contact))
    }
}

/// The created ticket; `access_token` is returned once, to a requester.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTicket {
    #[serde(flatten)]
    pub ticket: Ticket,
    /// The requester's secret to follow the ticket (`?access_token=` or `X-Access-Token`). Keep it private.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Register a support request: a requester without an account, or staff on their behalf.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = CreateTicketBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation: the same key returns the same ticket")),
    responses(
        (status = 201, body = CreatedTicket),
        (status = 200, description = "replay of an earlier request with the same Idempotency-Key", body = CreatedTicket),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 429, description = "too many requests from this address without signing in", body = Problem),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    match actor {
        Actor::Requester { .. } => {
            return Err(ApiError::BadRequest(
                "an access token is for following one ticket; leave it out to create a new one"
                    .into(),
            ));
        }
        Actor::Anonymous => s.limits.public_write(ip)?,
        Actor::Staff(_) => {}
    }
    let Json(raw): Json<CreateTicketBody> = crate::extract::parse_json(&headers, &body)?;
    let by_staff = matches!(actor, Actor::Staff(_));
    let (new, contact) = raw.validate(by_staff).map_err(ApiError::Invalid)?;
    let idem = idempotency_key(&headers, &actor, &body)?;
    let created = s.store.create_ticket(&actor, new, idem).await?;
    if let (Some(contact), false) = (&contact, created.replayed) {
        s.store
            .record_contact(&actor, created.ticket.id, contact, None)
            .await?;
    }
    let status = if created.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let ticket = if by_staff {
        created.ticket
    } else {
        for_requester(created.ticket)
    };
    let location = format!("/api/v1/tickets/{}", ticket.id);
    Ok((
        status,
        [(axum::http::header::LOCATION, location)],
        axum::Json(CreatedTicket {
            ticket,
            access_token: created.access_token,
        }),
    )
        .into_response())
}

fn idempotency_key(
    headers: &HeaderMap,
    actor: &Actor,
    body: &Bytes,
) -> ApiResult<Option<IdempotencyKey>> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            ApiError::BadRequest("Idempotency-Key must be 1–200 visible ASCII characters".into())
        })?;
    let actor = match actor {
        Actor::Staff(s) => format!("user:{}", s.user_id),
        _ => "public".to_string(),
    };
    Ok(Some(IdempotencyKey {
        actor,
        key: key.to_string(),
        request_hash: token_hash(&String::from_utf8_lossy(body)),
    }))
}

/// A requester sees their ticket, not the desk's internal routing.
fn for_requester(mut t: Ticket) -> Ticket {
    t.assignee = None;
    t.group = None;
    t.tags.clear();
    t
}

fn shaped(actor: &Actor, t: Ticket) -> Ticket {
    if matches!(actor, Actor::Staff(_)) {
        t
    } else {
        for_requester(t)
    }
}

/// A ticket, to staff in scope or to the requester with its access token.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, minimum = 1, description = "ticket id"), ("access_token" = Option<String>, Query, description = "the requester's access token")),
    responses((status = 200, body = Ticket), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Ticket>> {
    require_someone(&actor)?;
    Ok(axum::Json(shaped(
        &actor,
        s.store.ticket(&actor, id).await?,
    )))
}

fn require_someone(actor: &Actor) -> ApiResult<()> {
    if matches!(actor, Actor::Anonymous) {
        Err(ApiError::Unauthorized(
            "sign in with an API token, or use the ticket's access token".into(),
        ))
    } else {
        Ok(())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Institution code, e.g. `PMLP`.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    institution: Option<String>,
    /// Support group code.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    group: Option<String>,
    /// 0, 1 or 2.
    #[param(maximum = 2)]
    level: Option<u8>,
    /// `new`, `open`, `pending_requester`, `resolved` or `closed`.
    #[param(pattern = "^(new|open|pending_requester|resolved|closed)$")]
    status: Option<String>,
    /// A user id, `me`, or `none` for unassigned tickets.
    #[param(pattern = "^([0-9]{1,18}|me|none)$")]
    assignee: Option<String>,
    /// Service code, e.g. `PMLP-003`.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    service: Option<String>,
    /// `portal`, `email`, `phone`, `video`, `chat`, `social`, `mobile_app` or `in_person`.
    #[param(pattern = "^(portal|email|phone|video|chat|social|mobile_app|in_person)$")]
    channel: Option<String>,
    /// Words in the subject, description or requester's name (diacritics optional).
    q: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// Accepted and ignored, so a requester's link can carry it.
    #[allow(dead_code)]
    access_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A register code in a query parameter.
pub(crate) fn param_code(name: &str, value: &str) -> ApiResult<()> {
    let mut e = Errors::default();
    e.code(name, value);
    e.finish(())
        .map_err(|errs| ApiError::BadRequest(format!("{name}: {}", errs[0].message)))
}

/// Free text in a query parameter: printable and not too long.
fn param_text(name: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "{name} must be at most {max} characters of text, without control characters"
        )));
    }
    Ok(())
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("t:{id}"))
}

fn decode_cursor(c: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("t:")?
        .parse()
        .ok()
}

/// A queue of tickets in the caller's scope, newest first, with keyset paging.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(ListQuery),
    responses((status = 200, body = TicketPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<TicketPage>> {
    let Actor::Staff(staff) = &actor else {
        require_someone(&actor)?;
        return Err(DomainError::forbidden(
            Code::AccessStaffOnly,
            "only support staff can list tickets",
        )
        .into());
    };
    let bad = |what: &str, v: &str, expected: String| {
        ApiError::BadRequest(format!("{what} {v:?} is not one of: {expected}"))
    };
    for (name, value) in [
        ("institution", &q.institution),
        ("group", &q.group),
        ("service", &q.service),
    ] {
        if let Some(v) = value {
            param_code(name, v)?;
        }
    }
    if let Some(text) = &q.q {
        param_text("q", text, 200)?;
    }
    let mut filter = TicketFilter {
        institution: q.institution,
        group: q.group,
        service: q.service,
        text: q.q.filter(|t| !t.trim().is_empty()),
        limit: q.limit.unwrap_or(50),
        ..TicketFilter::default()
    };
    if !(1..=200).contains(&filter.limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 200".into(),
        ));
    }
    if let Some(l) = q.level {
        filter.level = Some(Level::try_from(l).map_err(ApiError::BadRequest)?);
    }
    if let Some(v) = q.status {
        filter.status =
            Some(Status::parse(&v).ok_or_else(|| bad("status", &v, Status::expected()))?);
    }
    if let Some(v) = q.channel {
        filter.channel =
            Some(Channel::parse(&v).ok_or_else(|| bad("channel", &v, Channel::expected()))?);
    }
    filter.assignee = match q.assignee.as_deref() {
        None => AssigneeFilter::Any,
        Some("none") => AssigneeFilter::Unassigned,
        Some("me") => AssigneeFilter::User(staff.user_id),
        Some(v) => AssigneeFilter::User(v.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "assignee {v:?} must be a user id, \"me\" or \"none\""
            ))
        })?),
    };
    if let Some(c) = q.cursor {
        filter.after = Some(decode_cursor(&c).ok_or_else(|| {
            ApiError::BadRequest("the cursor is not valid; start again without it".into())
        })?);
    }
    let page = s.store.list_tickets(&actor, &filter).await?;
    Ok(axum::Json(TicketPage {
        items: page.items,
        next_cursor: page.next_after.map(encode_cursor),
    }))
}

/// A public reply (to or from the requester) or an internal note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    /// An internal note, seen by staff only.
    #[serde(default)]
    pub internal: bool,
    /// Staff reply that waits for the requester's answer (status `pending_requester`).
    #[serde(default)]
    pub await_requester: bool,
}

/// The thread; requesters see public messages only.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = [Message]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn messages(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Vec<Message>>> {
    require_someone(&actor)?;
    Ok(axum::Json(s.store.messages(&actor, id).await?))
}

/// Reply (staff or requester) or add an internal note (staff), as JSON, or
/// as `multipart/form-data` with files (see `MessageForm`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    request_body(content((MessageBody = "application/json"), (super::attachments::MessageForm = "multipart/form-data"))),
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_message(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    request: axum::extract::Request,
) -> ApiResult<axum::Json<Ticket>> {
    let (b, files) = super::attachments::message_parts(&s, request).await?;
    let mut e = Errors::default();
    let body = e.text("body", &b.body, validate::MAX_BODY);
    e.finish(()).map_err(ApiError::Invalid)?;
    let change = if b.internal {
        ChangeRequest::Note { body }
    } else {
        ChangeRequest::Reply {
            body,
            await_requester: b.await_requester,
        }
    };
    if files.is_empty() {
        return apply(&s, actor, id, change).await;
    }
    // Nothing is stored for a ticket the caller may not touch.
    require_someone(&actor)?;
    s.store.ticket(&actor, id).await?;
    let stored = atbalsts_http::attachments::store(&s.objects, files.files).await?;
    match s
        .store
        .change_ticket_with(&actor, id, change, &stored)
        .await
    {
        Ok(ticket) => Ok(axum::Json(shaped(&actor, ticket))),
        Err(err) => {
            // The records were not written; the objects would only be garbage.
            for f in &stored {
                let _ = s.objects.delete(&f.storage_key).await;
            }
            Err(err.into())
        }
    }
}

async fn apply(
    s: &AppState,
    actor: Actor,
    id: i64,
    change: ChangeRequest,
) -> ApiResult<axum::Json<Ticket>> {
    require_someone(&actor)?;
    let ticket = s.store.change_ticket(&actor, id, change).await?;
    Ok(axum::Json(shaped(&actor, ticket)))
}

/// The audit trail, oldest first (staff only).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = [Event]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn events(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Vec<Event>>> {
    require_someone(&actor)?;
    Ok(axum::Json(s.store.events(&actor, id).await?))
}

fn reason(e: &mut Errors, v: &str) -> String {
    e.text("reason", v, validate::MAX_REASON)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// The level to move to: higher escalates, lower de-escalates (1 or 2).
    #[schema(minimum = 1, maximum = 2)]
    pub level: u8,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Support group of the receiving level.
    pub group: Option<String>,
}

/// Move the ticket up or down between support levels, with a reason.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/escalate", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = EscalateBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn escalate(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<EscalateBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let to = Level::try_from(b.level)
        .map_err(|m| e.push("level", m))
        .ok();
    let reason = reason(&mut e, &b.reason);
    let group = e.opt_code("group", b.group.as_deref());
    let to = e
        .finish(to)
        .map_err(ApiError::Invalid)?
        .unwrap_or(Level::Specialist);
    apply(
        &s,
        actor,
        id,
        ChangeRequest::ChangeLevel { to, reason, group },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Code of the institution that takes the case over.
    #[schema(min_length = 1, max_length = 40, pattern = "^[A-Za-z0-9_-]+$")]
    pub institution: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Hand the case to another institution; it keeps its number and history.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = TransferBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transfer(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<TransferBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let institution = e.code("institution", &b.institution);
    let reason = reason(&mut e, &b.reason);
    e.finish(()).map_err(ApiError::Invalid)?;
    apply(
        &s,
        actor,
        id,
        ChangeRequest::Transfer {
            institution,
            reason,
        },
    )
    .await
}

/// Take in a case transferred to your institution; the requester is told who handles it now.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer/accept", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = Ticket), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn accept_transfer(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Ticket>> {
    require_someone(&actor)?;
    let ticket = s.store.ticket(&actor, id).await?;
    let notice = transfer_notice(&s.store, &ticket.institution).await;
    apply(&s, actor, id, ChangeRequest::AcceptTransfer { notice }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// Why the case goes back.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Send a transferred case back to the institution it came from, with the reason.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer/return", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = ReturnBody,
    responses((status = 200, body = Ticket), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn return_transfer(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<ReturnBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let reason = reason(&mut e, &b.reason);
    e.finish(()).map_err(ApiError::Invalid)?;
    apply(&s, actor, id, ChangeRequest::ReturnTransfer { reason }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalTermBody {
    /// The new last day of the answer term, `YYYY-MM-DD`; at most what the law allows.
    #[schema(
        min_length = 10,
        max_length = 10,
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    )]
    pub until: String,
    /// Why the answer needs more time; the requester is told.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Extend a written submission's legal answer term (Law on Submissions): the
/// requester is told the new date and the reason in a message on the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/legal-term", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = LegalTermBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn extend_legal_term(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<LegalTermBody>,
) -> ApiResult<axum::Json<Ticket>> {
    const BAD_DATE: &str = "give the new last day as YYYY-MM-DD, e.g. 2026-12-28";
    let mut e = Errors::default();
    let until = b.until.trim().parse::<jiff::civil::Date>().ok();
    if until.is_none() {
        e.push("until", BAD_DATE);
    }
    let reason = reason(&mut e, &b.reason);
    e.finish(()).map_err(ApiError::Invalid)?;
    let Some(until) = until else {
        return Err(ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
            "until", BAD_DATE,
        )]));
    };
    let notice = legal_term_notice(until, &reason);
    apply(
        &s,
        actor,
        id,
        ChangeRequest::ExtendLegalTerm {
            until,
            reason,
            notice,
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// User id of the staff member, or null to unassign.
    pub assignee: Option<i64>,
    /// Support group code, or null.
    pub group: Option<String>,
}

/// Give the ticket to a person and/or a support group.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/assign", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = AssignBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<AssignBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let group = e.opt_code("group", b.group.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    apply(
        &s,
        actor,
        id,
        ChangeRequest::Assign {
            assignee: b.assignee,
            group,
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// What was done or answered.
    #[schema(min_length = 1, max_length = 20000)]
    pub resolution: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/resolve", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = ResolveBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn resolve(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<ResolveBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let resolution = e.text("resolution", &b.resolution, validate::MAX_BODY);
    e.finish(()).map_err(ApiError::Invalid)?;
    apply(&s, actor, id, ChangeRequest::Resolve { resolution }).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = ReopenBody,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reopen(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<ReopenBody>,
) -> ApiResult<axum::Json<Ticket>> {
    let mut e = Errors::default();
    let reason = e.opt_text("reason", b.reason.as_deref(), validate::MAX_REASON);
    e.finish(()).map_err(ApiError::Invalid)?;
    apply(&s, actor, id, ChangeRequest::Reopen { reason }).await
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets", params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Ticket>> {
    apply(&s, actor, id, ChangeRequest::Close).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("not-a-cursor"), None);
    }
}
