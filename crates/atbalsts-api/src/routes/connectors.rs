//! Connectors of social networks, messengers and mobile apps: their
//! administration (administrators of the institution, the system
//! administrator of all), the inbound endpoint a connector posts its users'
//! messages to with its key, and the deliveries of staff replies back to it.

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Query, TicketId};
use crate::routes::webhooks::DeliveriesQuery;
use atbalsts_domain::admin::{self, authorize_webhooks};
use atbalsts_domain::connector::{self, RawInbound};
use atbalsts_domain::validate::{self, Errors};
use atbalsts_domain::webhook;
use atbalsts_domain::{Channel, StaffActor};
use atbalsts_store::connectors::outbound::ConnectorDelivery;
use atbalsts_store::connectors::{Connector, NewConnector};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn administrator(actor: &atbalsts_domain::Actor) -> ApiResult<&StaffActor> {
    auth::administrator(actor, "manage connectors")
}

/// The connector `id`, when the caller administers its institution (the
/// same rule as for webhooks: both send the institution's data out).
async fn yours(s: &AppState, staff: &StaffActor, id: i64) -> ApiResult<Connector> {
    let c = s
        .store
        .connector(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("connector {id}")))?;
    authorize_webhooks(staff, &c.institution)?;
    Ok(c)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConnectorsQuery {
    /// Only connectors of this institution, e.g. `PMLP`.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    institution: Option<String>,
}

/// The connectors the caller administers, without keys or secrets.
#[utoipa::path(get, path = "/api/v1/connectors", operation_id = "list_connectors", tag = "connectors", params(ConnectorsQuery),
    responses((status = 200, body = [Connector]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<ConnectorsQuery>,
) -> ApiResult<axum::Json<Vec<Connector>>> {
    let staff = administrator(&actor)?;
    if let Some(v) = &q.institution {
        crate::routes::tickets::param_code("institution", v)?;
    }
    let all = s.store.connectors(q.institution.as_deref()).await?;
    Ok(axum::Json(
        all.into_iter()
            .filter(|c| admin::administers(staff, &c.institution))
            .collect(),
    ))
}

/// A new connector.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorBody {
    /// In the inbound address: lower-case letters, digits and `-`, starting with a letter.
    #[schema(
        min_length = 2,
        max_length = 40,
        pattern = "^[a-z][a-z0-9-]{1,39}$",
        example = "facebook"
    )]
    code: String,
    /// Shown to staff, e.g. `Facebook: PMLP lapa`.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// `social` or `mobile_app`.
    #[schema(value_type = Channel)]
    channel: String,
    /// The institution whose tickets its conversations become.
    #[schema(min_length = 1, max_length = 40)]
    institution: String,
    /// Where staff replies are POSTed (`http` or `https`, no user name or
    /// password); leave out for a connector that only brings messages in.
    #[schema(max_length = 2000)]
    outbound_url: Option<String>,
}

/// A connector just created, with its key and signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedConnector {
    #[serde(flatten)]
    pub connector: Connector,
    /// The connector's `Authorization: Bearer` key for
    /// `POST /api/v1/channels/{code}/messages`. Store it now: it is never shown again.
    pub key: String,
    /// The key of the `X-Atbalsts-Signature` HMAC on replies sent to
    /// `outbound_url` (see docs/channels.md). Never shown again.
    pub outbound_secret: String,
}

/// Create a connector. The answer carries its key and signing secret, once.
#[utoipa::path(post, path = "/api/v1/connectors", operation_id = "create_connector", tag = "connectors", request_body = ConnectorBody,
    responses((status = 201, body = CreatedConnector), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<ConnectorBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedConnector>)> {
    let staff = administrator(&actor)?;
    let mut e = Errors::default();
    let code = connector::check_code("code", &b.code)
        .map_err(|f| e.0.push(f))
        .ok();
    let name = e.text("name", &b.name, validate::MAX_NAME);
    let channel = connector::check_channel("channel", &b.channel)
        .map_err(|f| e.0.push(f))
        .ok();
    let institution = e.code("institution", &b.institution);
    let outbound_url = match b.outbound_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => webhook::check_url("outbound_url", u)
            .map_err(|f| e.0.push(f))
            .ok(),
    };
    let (Some(code), Some(channel)) = (code, channel) else {
        return Err(ApiError::Invalid(e.0));
    };
    if !e.is_empty() {
        return Err(ApiError::Invalid(e.0));
    }
    authorize_webhooks(staff, &institution)?;
    let (connector, secrets) = s
        .store
        .create_connector(&NewConnector {
            code,
            name,
            channel,
            institution,
            outbound_url,
            created_by: Some(staff.user_id),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedConnector {
            connector,
            key: secrets.key,
            outbound_secret: secrets.outbound_secret,
        }),
    ))
}

/// Switch a connector on or off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// Off: its key is refused and replies are not sent back.
    active: bool,
}

/// Switch a connector on or off.
#[utoipa::path(put, path = "/api/v1/connectors/{id}/active", operation_id = "set_connector_active", tag = "connectors",
    params(("id" = i64, Path, minimum = 1, description = "connector id")), request_body = ActiveBody,
    responses((status = 200, body = Connector), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_active(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ConnectorId(id): ConnectorId,
    Json(b): Json<ActiveBody>,
) -> ApiResult<axum::Json<Connector>> {
    let staff = administrator(&actor)?;
    yours(&s, staff, id).await?;
    let c = s
        .store
        .set_connector_active(id, b.active)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("connector {id}")))?;
    Ok(axum::Json(c))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorDeliveryPage {
    /// Newest first.
    pub items: Vec<ConnectorDelivery>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A connector's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/connectors/{id}/deliveries", operation_id = "connector_deliveries", tag = "connectors",
    params(("id" = i64, Path, minimum = 1, description = "connector id"), DeliveriesQuery),
    responses((status = 200, body = ConnectorDeliveryPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ConnectorId(id): ConnectorId,
    Query(q): Query<DeliveriesQuery>,
) -> ApiResult<axum::Json<ConnectorDeliveryPage>> {
    let staff = administrator(&actor)?;
    let (before, limit) = q.checked()?;
    yours(&s, staff, id).await?;
    let items = s.store.connector_deliveries(id, before, limit).await?;
    let next_before = if items.len() == limit as usize {
        items.last().map(|d| d.id)
    } else {
        None
    };
    Ok(axum::Json(ConnectorDeliveryPage { items, next_before }))
}

/// The deliveries of staff replies on a ticket that came through a connector
/// (staff who see the ticket): a failed one means the person did not get it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/connector-deliveries", operation_id = "ticket_connector_deliveries", tag = "connectors",
    params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = [ConnectorDelivery]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn ticket_deliveries(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Vec<ConnectorDelivery>>> {
    auth::staff_only(&actor, "read a ticket's deliveries")?;
    s.store.ticket(&actor, id).await?;
    Ok(axum::Json(s.store.ticket_connector_deliveries(id).await?))
}

/// Who wrote, as the connector knows them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderBody {
    /// The name shown in the network or app; the handle is used without one.
    #[schema(max_length = 200)]
    name: Option<String>,
    /// The sender's stable id or handle in the network or app.
    #[schema(min_length = 1, max_length = 200)]
    handle: String,
    email: Option<String>,
    phone: Option<String>,
}

/// One message of a conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundBody {
    /// The conversation in the network or app: its messages thread into one ticket.
    #[schema(min_length = 1, max_length = 200)]
    conversation_id: String,
    /// The message's id in the network or app: a repeat is answered as the
    /// first time and creates nothing.
    #[schema(min_length = 1, max_length = 200)]
    message_id: String,
    sender: SenderBody,
    #[schema(min_length = 1, max_length = 20000)]
    text: String,
    /// ISO 639-1 (`lv` when absent).
    #[schema(pattern = "^[A-Za-z]{2}$", example = "lv")]
    language: Option<String>,
    /// Files sent with the message (photos, scans), within the same limits
    /// as files on any message: 10 files, 10 MiB each, 25 MiB together.
    #[serde(default)]
    #[schema(max_items = 10)]
    attachments: Vec<super::connector_files::FileBody>,
}

/// What became of a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundResult {
    /// The desk's id of the message record.
    pub id: i64,
    /// `ticket_created` or `threaded`.
    pub outcome: String,
    pub ticket_id: i64,
    /// The number people quote, e.g. `2026-000123`.
    pub ticket_number: String,
    /// The message was taken in before; this answer repeats the first.
    pub replayed: bool,
}

/// The connector whose key is in `Authorization: Bearer`.
async fn connector_of(s: &AppState, code: &str, parts: &HeaderMap) -> ApiResult<Connector> {
    let key = parts
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("use the header Authorization: Bearer <connector key>".into())
        })?;
    s.store.connector_by_key(code, key).await?.ok_or_else(|| {
        ApiError::Unauthorized(
            "the connector key is not valid for this connector, or the connector is switched off"
                .into(),
        )
    })
}

/// A connector's id in the path.
pub struct ConnectorId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ConnectorId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(ConnectorId)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{raw:?} is not a connector id; ids are positive whole numbers"
                ))
            })
    }
}

/// The connector's code in the path.
pub struct ConnectorCode(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ConnectorCode {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        connector::check_code("connector", &raw)
            .map(ConnectorCode)
            .map_err(|f| ApiError::BadRequest(f.message))
    }
}

/// A connector posts one of its users' messages. Messages of one
/// conversation thread into one ticket (a new one once that is closed); a
/// repeated `message_id` is answered as the first time.
#[utoipa::path(post, path = "/api/v1/channels/{connector}/messages", operation_id = "connector_message", tag = "connectors",
    params(("connector" = String, Path, pattern = "^[a-z][a-z0-9-]{1,39}$", description = "the connector's code")),
    request_body = InboundBody,
    responses(
        (status = 201, description = "a new ticket", body = InboundResult),
        (status = 200, description = "threaded into the conversation's ticket, or a repeat", body = InboundResult),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn inbound(
    State(s): State<AppState>,
    ConnectorCode(code): ConnectorCode,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, axum::Json<InboundResult>)> {
    // The key is checked before the body is read: only a connector may send a large one.
    let connector = connector_of(&s, &code, &headers).await?;
    let body = axum::body::to_bytes(body, atbalsts_http::attachments::MAX_CONNECTOR_BODY_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge)?;
    let Json(b): Json<InboundBody> = crate::extract::parse_json(&headers, &body)?;
    let msg = connector::check_inbound(&RawInbound {
        conversation_id: &b.conversation_id,
        message_id: &b.message_id,
        sender_name: b.sender.name.as_deref(),
        sender_handle: &b.sender.handle,
        sender_email: b.sender.email.as_deref(),
        sender_phone: b.sender.phone.as_deref(),
        text: &b.text,
        language: b.language.as_deref(),
    })
    .map_err(ApiError::Invalid)?;
    let files = super::connector_files::decode(&s.attachment_limits, b.attachments)?;
    s.limits
        .connector_message(connector.id, &msg.sender_handle)?;
    let stored = atbalsts_http::attachments::store(&s.objects, files).await?;
    let taken = match s
        .store
        .take_connector_message(&connector, &msg, &stored)
        .await
    {
        Ok(taken) => taken,
        Err(e) => {
            super::connector_files::forget(&s.objects, &stored).await;
            return Err(e.into());
        }
    };
    if taken.replayed {
        // A repeat records nothing; its files would only be garbage.
        super::connector_files::forget(&s.objects, &stored).await;
    }
    let number = s
        .store
        .ticket_number_of(taken.ticket_id)
        .await?
        .unwrap_or_default();
    let status = if taken.as_ == atbalsts_store::connectors::inbound::TakenAs::TicketCreated {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(InboundResult {
            id: taken.id,
            outcome: taken.as_.as_str().to_string(),
            ticket_id: taken.ticket_id,
            ticket_number: number,
            replayed: taken.replayed,
        }),
    ))
}
