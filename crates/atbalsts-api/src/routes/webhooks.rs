//! Outgoing webhooks (administrators): an institution's subscriptions, the
//! secret shown once at creation, switching back on, the delivery log.
//! Delivery itself is the channels' (`atbalsts-channels::webhooks`).

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Query};
use atbalsts_domain::StaffActor;
use atbalsts_domain::admin::{self, authorize_webhooks};
use atbalsts_domain::validate::Errors;
use atbalsts_domain::webhook::{self, EventKind};
use atbalsts_store::webhooks::{Delivery, NewWebhook, Webhook};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A subscription's id in the path.
pub struct HookId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for HookId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(HookId)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{raw:?} is not a webhook id; ids are positive whole numbers"
                ))
            })
    }
}

/// Administrators only: anyone else learns nothing of the webhooks.
fn administrator(actor: &atbalsts_domain::Actor) -> ApiResult<&StaffActor> {
    auth::administrator(actor, "manage webhooks")
}

/// The subscription `id`, when the caller administers its institution.
async fn yours(s: &AppState, staff: &StaffActor, id: i64) -> ApiResult<Webhook> {
    let hook = s
        .store
        .webhook(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("webhook {id}")))?;
    authorize_webhooks(staff, &hook.institution)?;
    Ok(hook)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WebhooksQuery {
    /// Only subscriptions of this institution, e.g. `PMLP`.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    institution: Option<String>,
}

/// The subscriptions the caller administers (an institution's administrator
/// those of their institutions, the system administrator all), without secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks", params(WebhooksQuery),
    responses((status = 200, body = [Webhook]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<WebhooksQuery>,
) -> ApiResult<axum::Json<Vec<Webhook>>> {
    let staff = administrator(&actor)?;
    if let Some(v) = &q.institution {
        crate::routes::tickets::param_code("institution", v)?;
    }
    let hooks = s.store.webhooks(q.institution.as_deref()).await?;
    Ok(axum::Json(
        hooks
            .into_iter()
            .filter(|h| admin::administers(staff, &h.institution))
            .collect(),
    ))
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// The institution whose ticket events are sent.
    #[schema(min_length = 1, max_length = 40)]
    institution: String,
    /// Where to POST: `http` or `https`, without user name or password.
    #[schema(min_length = 1, max_length = 2000)]
    url: String,
    /// The events to send (at least one).
    #[schema(value_type = Vec<EventKind>, min_items = 1)]
    events: Vec<String>,
}

/// A subscription just created, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub id: i64,
    pub institution: String,
    pub url: String,
    pub events: Vec<EventKind>,
    pub active: bool,
    pub consecutive_failures: i64,
    pub created_at: String,
    pub disabled_at: Option<String>,
    /// The key of the `X-Atbalsts-Signature` HMAC (see docs/webhooks.md).
    /// Store it now: it is never shown again.
    pub secret: String,
}

/// Subscribe an institution's receiver to ticket events. The answer carries
/// the signing secret, once.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhook", tag = "webhooks", request_body = WebhookBody,
    responses((status = 201, body = CreatedWebhook), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<WebhookBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedWebhook>)> {
    let staff = administrator(&actor)?;
    let mut e = Errors::default();
    let institution = e.code("institution", &b.institution);
    let url = webhook::check_url("url", &b.url)
        .map_err(|f| e.0.push(f))
        .ok();
    let events = webhook::check_kinds("events", &b.events)
        .map_err(|f| e.0.push(f))
        .ok();
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ApiError::Invalid(e.0));
    };
    if !e.is_empty() {
        return Err(ApiError::Invalid(e.0));
    }
    authorize_webhooks(staff, &institution)?;
    let (hook, secret) = s
        .store
        .create_webhook(&NewWebhook {
            institution,
            url,
            events,
            created_by: Some(staff.user_id),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedWebhook {
            id: hook.id,
            institution: hook.institution,
            url: hook.url,
            events: hook.events,
            active: hook.active,
            consecutive_failures: hook.consecutive_failures,
            created_at: hook.created_at,
            disabled_at: hook.disabled_at,
            secret,
        }),
    ))
}

/// Remove a subscription with its delivery log; deliveries waiting are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1, description = "webhook id")),
    responses((status = 204, description = "removed"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(s): State<AppState>,
    Auth(actor): Auth,
    HookId(id): HookId,
) -> ApiResult<StatusCode> {
    let staff = administrator(&actor)?;
    yours(&s, staff, id).await?;
    s.store.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switch a subscription back on (after it was switched off for failing),
/// with a clean failure count. Events while it was off are not sent.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", operation_id = "enable_webhook", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1, description = "webhook id")),
    responses((status = 200, body = Webhook), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enable(
    State(s): State<AppState>,
    Auth(actor): Auth,
    HookId(id): HookId,
) -> ApiResult<axum::Json<Webhook>> {
    let staff = administrator(&actor)?;
    yours(&s, staff, id).await?;
    let hook = s
        .store
        .enable_webhook(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("webhook {id}")))?;
    Ok(axum::Json(hook))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// `next_before` of the previous page: deliveries older than this id.
    #[param(minimum = 1)]
    before: Option<i64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

impl DeliveriesQuery {
    /// `before` and `limit` (50 by default), each within its bounds.
    pub(crate) fn checked(&self) -> ApiResult<(Option<i64>, u32)> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::BadRequest(
                "limit must be between 1 and 200".into(),
            ));
        }
        if self.before.is_some_and(|b| b < 1) {
            return Err(ApiError::BadRequest(
                "before must be a delivery id (a positive whole number)".into(),
            ));
        }
        Ok((self.before, limit))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<Delivery>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A subscription's delivery log, newest first: attempts, the last status
/// code, error and duration of each delivery.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "webhook_deliveries", tag = "webhooks",
    params(("id" = i64, Path, minimum = 1, description = "webhook id"), DeliveriesQuery),
    responses((status = 200, body = DeliveryPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(s): State<AppState>,
    Auth(actor): Auth,
    HookId(id): HookId,
    Query(q): Query<DeliveriesQuery>,
) -> ApiResult<axum::Json<DeliveryPage>> {
    let staff = administrator(&actor)?;
    let (before, limit) = q.checked()?;
    yours(&s, staff, id).await?;
    let items = s.store.webhook_deliveries(id, before, limit).await?;
    let next_before = if items.len() == limit as usize {
        items.last().map(|d| d.id)
    } else {
        None
    };
    Ok(axum::Json(DeliveryPage { items, next_before }))
}
