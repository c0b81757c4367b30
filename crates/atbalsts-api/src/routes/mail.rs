//! The e-mail channel for administrators: every received message with its
//! outcome (quarantine released or deleted here), the outbox, the IMAP
//! mailboxes polled for the groups, and the mail written about a ticket.

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query, RecordId, TicketId};
use atbalsts_domain::FieldError;
use atbalsts_domain::admin::MailScope;
use atbalsts_store::StoreError;
use atbalsts_store::mail::inbound::{InboundPage, InboundStatus};
use atbalsts_store::mail::mailboxes::{Mailbox, NewMailbox};
use atbalsts_store::mail::outbound::OutboundMail;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboundQuery {
    /// Only messages with this outcome.
    #[param(pattern = "^(received|ticket_created|threaded|quarantined|auto_ignored|deleted)$")]
    status: Option<String>,
    /// Continue after this id (the previous page's `next_after`).
    #[param(minimum = 1)]
    after: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Which received mail the caller handles (administrators only).
fn mail_scope(actor: &atbalsts_domain::Actor, what: &str) -> ApiResult<MailScope> {
    let staff = auth::staff_only(actor, what)?;
    Ok(atbalsts_domain::admin::mail_scope(staff).map_err(StoreError::from)?)
}

/// Refuse a message outside the caller's scope (`admin.not_yours`).
async fn mail_of(
    s: &AppState,
    actor: &atbalsts_domain::Actor,
    id: i64,
    what: &str,
) -> ApiResult<()> {
    let scope = mail_scope(actor, what)?;
    let record = s.store.inbound_record(id).await?;
    if scope.covers(record.institution.as_deref()) {
        Ok(())
    } else {
        Err(StoreError::from(atbalsts_domain::DomainError::forbidden(
            atbalsts_domain::refusal::Code::AdminNotYours,
            format!("message {id} was not written to an institution you administer"),
        ))
        .into())
    }
}

fn invalid(field: &str, message: &str) -> crate::ApiError {
    StoreError::invalid(vec![FieldError::new(field, message)]).into()
}

/// Every received message, newest first, with what became of it: all for the system
/// administrator, those to their institutions' groups and tickets for an institution's administrator.
#[utoipa::path(get, path = "/api/v1/mail/inbound", operation_id = "list_inbound_mail", tag = "mail", params(InboundQuery),
    responses((status = 200, body = InboundPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn inbound(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<InboundQuery>,
) -> ApiResult<axum::Json<InboundPage>> {
    let scope = mail_scope(&actor, "see the received mail")?;
    let status = match q.status.as_deref() {
        None => None,
        Some(v) => Some(InboundStatus::parse(v).ok_or_else(|| {
            invalid(
                "status",
                "one of: received, ticket_created, threaded, quarantined, auto_ignored, deleted",
            )
        })?),
    };
    if q.after.is_some_and(|a| a < 1) {
        return Err(invalid("after", "a positive id"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid("limit", "between 1 and 200"));
    }
    Ok(axum::Json(
        s.store.list_inbound(&scope, status, q.after, limit).await?,
    ))
}

/// Release a quarantined message: it is taken in again and becomes a ticket or a reply.
#[utoipa::path(post, path = "/api/v1/mail/inbound/{id}/release", operation_id = "release_inbound_mail", tag = "mail",
    params(("id" = i64, Path, minimum = 1, description = "received message id")),
    responses((status = 204, description = "queued for intake"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn release(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RecordId(id): RecordId,
) -> ApiResult<StatusCode> {
    mail_of(&s, &actor, id, "release quarantined mail").await?;
    s.store.release_mail(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a quarantined message's content; its record stays, marked `deleted`.
#[utoipa::path(delete, path = "/api/v1/mail/inbound/{id}", operation_id = "delete_inbound_mail", tag = "mail",
    params(("id" = i64, Path, minimum = 1, description = "received message id")),
    responses((status = 204, description = "deleted"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_inbound(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RecordId(id): RecordId,
) -> ApiResult<StatusCode> {
    mail_of(&s, &actor, id, "delete quarantined mail").await?;
    s.store.delete_quarantined_mail(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// Only messages in this state.
    #[param(pattern = "^(queued|sent|held|failed|bounced)$")]
    status: Option<String>,
    /// At most this many, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// The outbox, newest first: what the desk wrote and whether it went (system administrator).
#[utoipa::path(get, path = "/api/v1/mail/outbox", operation_id = "list_outbox", tag = "mail", params(OutboxQuery),
    responses((status = 200, body = [OutboundMail]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn outbox(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<axum::Json<Vec<OutboundMail>>> {
    auth::system_administrator(&actor, "see the outbox")?;
    if let Some(v) = q.status.as_deref()
        && !["queued", "sent", "held", "failed", "bounced"].contains(&v)
    {
        return Err(invalid(
            "status",
            "one of: queued, sent, held, failed, bounced",
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(invalid("limit", "between 1 and 500"));
    }
    Ok(axum::Json(
        s.store.outbox(q.status.as_deref(), limit).await?,
    ))
}

/// The e-mail written about a ticket, with each delivery's state (staff who see the ticket).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/mail", operation_id = "ticket_mail", tag = "mail",
    params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = [OutboundMail]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn ticket_mail(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Vec<OutboundMail>>> {
    auth::staff_only(&actor, "see the mail of a ticket")?;
    s.store.ticket(&actor, id).await?;
    Ok(axum::Json(s.store.ticket_mail(id).await?))
}

/// A mailbox as added: its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedMailbox {
    pub id: i64,
}

/// The IMAP mailboxes polled for the groups the caller administers.
#[utoipa::path(get, path = "/api/v1/mailboxes", operation_id = "list_mailboxes", tag = "mail",
    responses((status = 200, body = [Mailbox]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn mailboxes(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<axum::Json<Vec<Mailbox>>> {
    let staff = auth::staff_only(&actor, "see the mailboxes")?;
    let all = s.store.mailboxes(None).await?;
    Ok(axum::Json(
        all.into_iter()
            .filter(|m| atbalsts_domain::admin::authorize_group(staff, &m.institution).is_ok())
            .collect(),
    ))
}

/// Poll an IMAP mailbox for a group (its institution's administrator or the system administrator).
/// The secret is kept to log in and never shown again.
#[utoipa::path(post, path = "/api/v1/mailboxes", operation_id = "add_mailbox", tag = "mail", request_body = NewMailbox,
    responses((status = 201, body = CreatedMailbox), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_mailbox(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<NewMailbox>,
) -> ApiResult<(StatusCode, axum::Json<CreatedMailbox>)> {
    let staff = auth::staff_only(&actor, "add mailboxes")?;
    crate::routes::tickets::param_code("group", &b.group)?;
    if let Some(g) = s.store.addressed_group(&b.group).await? {
        atbalsts_domain::admin::authorize_group(staff, &g.institution).map_err(StoreError::from)?;
    } else {
        return Err(invalid("group", "no support group with this code"));
    }
    let id = s.store.add_mailbox(&b).await?;
    Ok((StatusCode::CREATED, axum::Json(CreatedMailbox { id })))
}

/// Stop polling a mailbox.
#[utoipa::path(delete, path = "/api/v1/mailboxes/{id}", operation_id = "remove_mailbox", tag = "mail",
    params(("id" = i64, Path, minimum = 1, description = "mailbox id")),
    responses((status = 204, description = "removed"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_mailbox(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RecordId(id): RecordId,
) -> ApiResult<StatusCode> {
    let staff = auth::staff_only(&actor, "remove mailboxes")?;
    let found = s
        .store
        .mailboxes(None)
        .await?
        .into_iter()
        .find(|m| m.id == id);
    let Some(m) = found else {
        return Err(StoreError::NotFound(format!("no mailbox {id}")).into());
    };
    atbalsts_domain::admin::authorize_group(staff, &m.institution).map_err(StoreError::from)?;
    s.store.remove_mailbox(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The notices a staff member gets by e-mail, each on or off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeSwitches {
    /// A ticket was given to me.
    pub assigned: Option<bool>,
    /// The requester answered on my ticket.
    pub requester_reply: Option<bool>,
    /// An SLA target of my ticket is near.
    pub sla_warning: Option<bool>,
    /// An SLA target of my ticket was missed.
    pub sla_breach: Option<bool>,
}

async fn switches(s: &AppState, user: i64) -> ApiResult<NoticeSwitches> {
    let off = s.store.notices_off(user).await?;
    let on = |k: &str| Some(!off.iter().any(|o| o == k));
    Ok(NoticeSwitches {
        assigned: on("assigned"),
        requester_reply: on("requester_reply"),
        sla_warning: on("sla_warning"),
        sla_breach: on("sla_breach"),
    })
}

/// Which notices I get by e-mail (all on until switched off).
#[utoipa::path(get, path = "/api/v1/me/notifications", operation_id = "my_notifications", tag = "mail",
    responses((status = 200, body = NoticeSwitches), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn my_notifications(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<axum::Json<NoticeSwitches>> {
    let staff = auth::staff_only(&actor, "choose notices")?;
    Ok(axum::Json(switches(&s, staff.user_id).await?))
}

/// Switch notices on or off; the ones left out stay as they are.
#[utoipa::path(put, path = "/api/v1/me/notifications", operation_id = "set_my_notifications", tag = "mail",
    request_body = NoticeSwitches,
    responses((status = 200, body = NoticeSwitches), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_my_notifications(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<NoticeSwitches>,
) -> ApiResult<axum::Json<NoticeSwitches>> {
    let staff = auth::staff_only(&actor, "choose notices")?;
    for (kind, value) in [
        ("assigned", b.assigned),
        ("requester_reply", b.requester_reply),
        ("sla_warning", b.sla_warning),
        ("sla_breach", b.sla_breach),
    ] {
        if let Some(on) = value {
            s.store.set_notice(staff.user_id, kind, on).await?;
        }
    }
    Ok(axum::Json(switches(&s, staff.user_id).await?))
}
