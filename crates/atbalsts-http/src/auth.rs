//! Who is asking: staff by `Authorization: Bearer <token>`, a requester by
//! the ticket's access token (`?access_token=` or `X-Access-Token`), or nobody.

use crate::AppState;
use crate::error::ApiError;
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{Actor, DomainError, StaffActor};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

pub struct Auth(pub Actor);

const ACCESS_TOKEN_HEADER: &str = "x-access-token";

fn query_access_token(parts: &Parts) -> Option<String> {
    let query = parts.uri.query()?;
    url_pairs(query)
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v)
}

/// Minimal `application/x-www-form-urlencoded` pairs (tokens are URL-safe already).
fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.to_string(), v.to_string()))
    })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "use the header Authorization: Bearer <API token>".into(),
                    )
                })?;
            if let Some(staff) = state.tokens.get(token) {
                return Ok(Auth(Actor::Staff(staff)));
            }
            return match state.store.staff_by_token(token).await? {
                Some(staff) => {
                    state.tokens.put(token, &staff);
                    Ok(Auth(Actor::Staff(staff)))
                }
                None => Err(ApiError::Unauthorized(
                    "the API token is not valid or its user is disabled".into(),
                )),
            };
        }
        let token = parts
            .headers
            .get(ACCESS_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| query_access_token(parts));
        match token {
            Some(token) => match state.store.ticket_id_by_access_token(&token).await? {
                Some(ticket_id) => Ok(Auth(Actor::Requester { ticket_id })),
                None => Err(ApiError::Unauthorized(
                    "the access link is not valid".into(),
                )),
            },
            None => Ok(Auth(Actor::Anonymous)),
        }
    }
}

/// The staff member behind a request for support staff only: without
/// credentials 401, with a requester's access link 403 (`access.staff_only`).
pub fn staff_only<'a>(actor: &'a Actor, what: &str) -> Result<&'a StaffActor, ApiError> {
    match actor {
        Actor::Staff(staff) => Ok(staff),
        Actor::Anonymous => Err(ApiError::Unauthorized(format!(
            "sign in with an API token to {what}"
        ))),
        Actor::Requester { .. } => Err(DomainError::forbidden(
            Code::AccessStaffOnly,
            format!("only support staff can {what}"),
        )
        .into()),
    }
}

/// The system administrator behind a request that changes what every
/// institution shares (calendars, SLA policies, legal rules): as
/// [`staff_only`], then 403 (`access.system_administrator`) for anyone else.
pub fn system_administrator<'a>(actor: &'a Actor, what: &str) -> Result<&'a StaffActor, ApiError> {
    let staff = staff_only(actor, what)?;
    if atbalsts_domain::admin::is_system_administrator(staff) {
        Ok(staff)
    } else {
        Err(DomainError::forbidden(
            Code::AccessSystemAdministrator,
            format!("only the system administrator can {what}"),
        )
        .into())
    }
}

/// An administrator (of an institution, or of the system) behind a request
/// that manages what sends an institution's data out (webhooks, connectors):
/// as [`staff_only`], then 403 (`admin.only`) for anyone else. Which
/// institution's records they may touch is decided per record.
pub fn administrator<'a>(actor: &'a Actor, what: &str) -> Result<&'a StaffActor, ApiError> {
    let staff = staff_only(actor, what)?;
    if atbalsts_domain::admin::is_administrator(staff) {
        Ok(staff)
    } else {
        Err(
            DomainError::forbidden(Code::AdminOnly, format!("only administrators can {what}"))
                .into(),
        )
    }
}
