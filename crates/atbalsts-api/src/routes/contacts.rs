//! Contacts recorded on a ticket: a phone call, a video call or a visit
//! (staff who see the ticket). A new ticket can be registered with its
//! contact in one request: `contact` in `POST /api/v1/tickets`.

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, TicketId};
use atbalsts_domain::contact::{self, Contact, ContactOutcome, Direction, RawContact};
use atbalsts_domain::{Channel, FieldError};
use atbalsts_store::ticket_contacts::ContactRecord;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// A contact to record on an existing ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// `phone`, `video` or `in_person`.
    #[schema(value_type = Channel)]
    channel: String,
    /// `inbound` or `outbound`.
    #[schema(value_type = Direction)]
    direction: String,
    /// How long it took, 0–28800 seconds.
    #[schema(minimum = 0, maximum = 28800)]
    duration_seconds: i64,
    /// The register location of a visit (required for `in_person`).
    location: Option<String>,
    #[schema(value_type = ContactOutcome)]
    outcome: String,
    /// What was said and agreed.
    #[schema(min_length = 1, max_length = 20000)]
    summary: String,
    /// When it happened (RFC 3339); now when absent. Not in the future.
    #[schema(example = "2026-03-02T10:15:00+02:00")]
    occurred_at: Option<String>,
}

/// The contact of a new ticket: its channel and location are the ticket's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketContact {
    #[schema(value_type = Direction)]
    pub direction: String,
    #[schema(minimum = 0, maximum = 28800)]
    pub duration_seconds: i64,
    #[schema(value_type = ContactOutcome)]
    pub outcome: String,
    /// What was said; the ticket's description when absent.
    #[schema(max_length = 20000)]
    pub summary: Option<String>,
}

/// Check `occurred_at` (RFC 3339, not in the future) into microseconds.
fn occurred(field: &str, value: Option<&str>) -> Result<Option<i64>, FieldError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let at: jiff::Timestamp = v.parse().map_err(|_| {
        FieldError::new(
            field,
            format!("\"{v}\" is not a time like 2026-03-02T10:15:00+02:00"),
        )
    })?;
    let now = jiff::Timestamp::now().as_microsecond();
    contact::check_occurred_at(field, at.as_microsecond(), now).map(Some)
}

impl ContactBody {
    fn validate(&self) -> Result<(Contact, Option<i64>), Vec<FieldError>> {
        let checked = contact::check(&RawContact {
            channel: &self.channel,
            direction: &self.direction,
            duration_seconds: self.duration_seconds,
            location: self.location.as_deref(),
            outcome: &self.outcome,
            summary: &self.summary,
        });
        let at = occurred("occurred_at", self.occurred_at.as_deref());
        match (checked, at) {
            (Ok(c), Ok(at)) => Ok((c, at)),
            (c, at) => {
                let mut errors = c.err().unwrap_or_default();
                errors.extend(at.err());
                Err(errors)
            }
        }
    }
}

impl NewTicketContact {
    /// The contact of a new ticket on `channel` at `location`; field names
    /// are under `contact.`.
    pub fn validate(
        &self,
        channel: &str,
        location: Option<&str>,
        description: &str,
    ) -> Result<Contact, Vec<FieldError>> {
        contact::check(&RawContact {
            channel,
            direction: &self.direction,
            duration_seconds: self.duration_seconds,
            location,
            outcome: &self.outcome,
            summary: self.summary.as_deref().unwrap_or(description),
        })
        .map_err(|errors| {
            errors
                .into_iter()
                // The ticket's own check asks for a visit's location already.
                .filter(|f| f.field != "location")
                .map(|f| match f.field.as_str() {
                    "channel" => f,
                    _ => FieldError::new(format!("contact.{}", f.field), f.message),
                })
                .collect()
        })
    }
}

/// Record a phone call, video call or visit on a ticket. It shows in the
/// ticket's history as a `contact_recorded` event.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/contacts", operation_id = "record_contact", tag = "tickets",
    params(("id" = i64, Path, minimum = 1, description = "ticket id")), request_body = ContactBody,
    responses((status = 201, body = ContactRecord), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
    Json(b): Json<ContactBody>,
) -> ApiResult<(StatusCode, axum::Json<ContactRecord>)> {
    auth::staff_only(&actor, "record contacts")?;
    let (contact, at) = b.validate().map_err(ApiError::Invalid)?;
    let record = s.store.record_contact(&actor, id, &contact, at).await?;
    Ok((StatusCode::CREATED, axum::Json(record)))
}

/// The contacts recorded on a ticket, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/contacts", operation_id = "ticket_contacts", tag = "tickets",
    params(("id" = i64, Path, minimum = 1, description = "ticket id")),
    responses((status = 200, body = [ContactRecord]), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    TicketId(id): TicketId,
) -> ApiResult<axum::Json<Vec<ContactRecord>>> {
    auth::staff_only(&actor, "read recorded contacts")?;
    Ok(axum::Json(s.store.contacts_of(&actor, id).await?))
}
