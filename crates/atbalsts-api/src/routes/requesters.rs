//! Requesters' records (staff): search, a record with its tickets in the
//! caller's scope, editing, merging and splitting; and the phone channel's
//! screen pop. Who sees a record is `domain::requester::may_see`, applied by
//! the store; a record outside the caller's scope answers as not found.

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Query};
use atbalsts_domain::Channel;
use atbalsts_domain::validate::Errors;
use atbalsts_store::requesters::{
    ConsentChange, RequesterDetail, RequesterPage, RequesterPatch, RequesterRecord, ScreenPop,
};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A requester's id in the path.
pub struct RequesterId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for RequesterId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(RequesterId)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{raw:?} is not a requester id; ids are positive whole numbers"
                ))
            })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RequestersQuery {
    /// A name (diacritics optional), the start of an e-mail address, or a phone number written any way.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `next_after` of the previous page.
    #[param(minimum = 1)]
    after: Option<i64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// Requesters' records the caller may see (those with a ticket in their
/// scope), newest first, keyset paged.
#[utoipa::path(get, path = "/api/v1/requesters", operation_id = "list_requesters", tag = "requesters", params(RequestersQuery),
    responses((status = 200, body = RequesterPage), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<RequestersQuery>,
) -> ApiResult<axum::Json<RequesterPage>> {
    auth::staff_only(&actor, "see requesters")?;
    if let Some(text) = &q.q
        && (text.chars().count() > 200 || text.chars().any(char::is_control))
    {
        return Err(ApiError::BadRequest(
            "q must be at most 200 characters of text, without control characters".into(),
        ));
    }
    if q.after.is_some_and(|a| a < 1) {
        return Err(ApiError::BadRequest("after must be a positive id".into()));
    }
    if q.limit.is_some_and(|l| !(1..=200).contains(&l)) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 200".into(),
        ));
    }
    let page = s
        .store
        .list_requesters(&actor, q.q.as_deref(), q.after, q.limit.unwrap_or(50))
        .await?;
    Ok(axum::Json(page))
}

/// A requester's record with its addresses, numbers, consent and
/// organisation, the tickets in the caller's scope across channels and
/// institutions, and its history (edits, merges, splits).
#[utoipa::path(get, path = "/api/v1/requesters/{id}", operation_id = "get_requester", tag = "requesters",
    params(("id" = i64, Path, minimum = 1, description = "requester id")),
    responses((status = 200, body = RequesterDetail), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RequesterId(id): RequesterId,
) -> ApiResult<axum::Json<RequesterDetail>> {
    auth::staff_only(&actor, "see requesters")?;
    Ok(axum::Json(s.store.requester(&actor, id).await?))
}

/// Consent to be contacted one way, as recorded now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    given: bool,
    /// How it was given or refused, e.g. "on the phone", "signed form".
    #[schema(min_length = 1, max_length = 200)]
    how: String,
}

/// Changes to a record; a field left out stays as it is, an empty string clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterBody {
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Preferred language, ISO 639-1 (`lv`, `en`, `ru`, …); empty clears it.
    #[schema(max_length = 2)]
    language: Option<String>,
    /// Preferred channel: `portal`, `email`, `phone`, `video`, `chat`, `social`, `mobile_app` or `in_person`; empty clears it.
    #[schema(pattern = "^(|portal|email|phone|video|chat|social|mobile_app|in_person)$")]
    preferred_channel: Option<String>,
    consent_email: Option<ConsentBody>,
    consent_phone: Option<ConsentBody>,
    /// A business customer's organisation; empty clears the organisation.
    #[schema(max_length = 200)]
    organisation_name: Option<String>,
    /// The organisation's registration number (letters, digits, spaces, dashes).
    #[schema(max_length = 20)]
    organisation_registration_number: Option<String>,
}

fn consent(e: &mut Errors, field: &str, b: Option<ConsentBody>) -> Option<ConsentChange> {
    b.map(|c| ConsentChange {
        given: c.given,
        how: e.text(&format!("{field}.how"), &c.how, 200),
    })
}

/// Edit a requester's record (with an `edited` event naming the fields).
#[utoipa::path(patch, path = "/api/v1/requesters/{id}", operation_id = "update_requester", tag = "requesters",
    params(("id" = i64, Path, minimum = 1, description = "requester id")), request_body = RequesterBody,
    responses((status = 200, body = RequesterRecord), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RequesterId(id): RequesterId,
    Json(b): Json<RequesterBody>,
) -> ApiResult<axum::Json<RequesterRecord>> {
    auth::staff_only(&actor, "change requesters")?;
    let mut e = Errors::default();
    let mut patch = RequesterPatch {
        name: b.name.as_deref().map(|n| e.text("name", n, 200)),
        ..RequesterPatch::default()
    };
    patch.language = b.language.as_deref().map(|l| match l.trim() {
        "" => None,
        code => Some(e.language("language", Some(code))),
    });
    patch.preferred_channel = b.preferred_channel.as_deref().map(|c| match c.trim() {
        "" => None,
        c => {
            let parsed = Channel::parse(c);
            if parsed.is_none() {
                e.push(
                    "preferred_channel",
                    format!("\"{c}\" is not one of: {}", Channel::expected()),
                );
            }
            parsed
        }
    });
    patch.consent_email = consent(&mut e, "consent_email", b.consent_email);
    patch.consent_phone = consent(&mut e, "consent_phone", b.consent_phone);
    let registration = b
        .organisation_registration_number
        .as_deref()
        .and_then(|r| e.opt_text("organisation_registration_number", Some(r), 20));
    if let Some(r) = &registration
        && !r
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        e.push(
            "organisation_registration_number",
            "may hold only letters, digits, spaces and dashes, e.g. 40003000000",
        );
    }
    match b.organisation_name.as_deref().map(str::trim) {
        Some("") => patch.organisation = Some(None),
        Some(name) => {
            let name = e.text("organisation_name", name, 200);
            patch.organisation = Some(Some((name, registration)));
        }
        None if registration.is_some() => e.push(
            "organisation_name",
            "give the organisation's name with its registration number",
        ),
        None => {}
    }
    let patch = e.finish(patch).map_err(ApiError::Invalid)?;
    Ok(axum::Json(
        s.store.update_requester(&actor, id, patch).await?,
    ))
}

/// Which record to merge into this one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The record that is merged (its tickets, addresses and numbers move here).
    #[schema(minimum = 1)]
    other: i64,
}

/// Merge another record into this one: its tickets, addresses and numbers
/// move here, and it is marked merged (never deleted). The `merged` event
/// lists exactly what moved; `split` undoes it.
#[utoipa::path(post, path = "/api/v1/requesters/{id}/merge", operation_id = "merge_requesters", tag = "requesters",
    params(("id" = i64, Path, minimum = 1, description = "the surviving record")), request_body = MergeBody,
    responses((status = 200, body = RequesterDetail), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn merge(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RequesterId(id): RequesterId,
    Json(b): Json<MergeBody>,
) -> ApiResult<axum::Json<RequesterDetail>> {
    auth::staff_only(&actor, "merge requesters")?;
    if b.other < 1 {
        return Err(ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
            "other",
            "must be a requester id (a positive whole number)",
        )]));
    }
    Ok(axum::Json(
        s.store.merge_requesters(&actor, id, b.other).await?,
    ))
}

/// Which merge to undo.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// The id of the `merged` event in this record's history.
    #[schema(minimum = 1)]
    event: i64,
}

/// Split a merge back: what it moved returns to the other record, which is live again.
#[utoipa::path(post, path = "/api/v1/requesters/{id}/split", operation_id = "split_requester", tag = "requesters",
    params(("id" = i64, Path, minimum = 1, description = "the record the merge went into")), request_body = SplitBody,
    responses((status = 200, body = RequesterDetail), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn split(
    State(s): State<AppState>,
    Auth(actor): Auth,
    RequesterId(id): RequesterId,
    Json(b): Json<SplitBody>,
) -> ApiResult<axum::Json<RequesterDetail>> {
    auth::staff_only(&actor, "split requesters")?;
    if b.event < 1 {
        return Err(ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
            "event",
            "must be an event id (a positive whole number)",
        )]));
    }
    Ok(axum::Json(
        s.store.split_requester(&actor, id, b.event).await?,
    ))
}

/// An incoming call as a telephony system reports it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CallBody {
    /// The caller's number as the system sends it (`+371 26 123 456`, `0037126123456`, `26123456`);
    /// a withheld number (`anonymous`) is answered with no requester.
    #[schema(min_length = 1, max_length = 64)]
    caller: String,
    /// The number that was called (the desk's line), kept for the record.
    #[schema(max_length = 64)]
    called: Option<String>,
    /// The telephony system's id of the call.
    #[schema(max_length = 200)]
    call_id: Option<String>,
}

/// The screen pop of an incoming call: the recognised requester (if their
/// record is within the caller's scope) with their open and recent tickets.
#[utoipa::path(post, path = "/api/v1/channels/phone/calls", operation_id = "phone_call", tag = "requesters", request_body = CallBody,
    responses((status = 200, body = ScreenPop), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn phone_call(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<CallBody>,
) -> ApiResult<axum::Json<ScreenPop>> {
    auth::staff_only(&actor, "receive calls")?;
    let mut e = Errors::default();
    let caller = e.text("caller", &b.caller, 64);
    e.opt_text("called", b.called.as_deref(), 64);
    e.opt_text("call_id", b.call_id.as_deref(), 200);
    e.finish(()).map_err(ApiError::Invalid)?;
    Ok(axum::Json(s.store.screen_pop(&actor, &caller).await?))
}
