//! Files on a ticket's messages: sent with a message as
//! `multipart/form-data` on `POST /tickets/{id}/messages`, listed, and
//! downloaded under the ticket's own access rules.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::tickets::MessageBody;
use atbalsts_domain::Actor;
use atbalsts_http::attachments::{self, Uploads};
use atbalsts_store::attachments::Attachment;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::Response;
use utoipa::ToSchema;

/// A message with files, as `multipart/form-data`. Text fields as in the
/// JSON body; each file in a part named `files` (repeat the part for more
/// files). At most 10 files, each at most 10 MiB and 25 MiB together; their
/// type is taken from their bytes, not from the part's `Content-Type`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MessageForm {
    #[schema(min_length = 1, max_length = 20000)]
    body: String,
    /// `true` for an internal note (staff only); default `false`.
    internal: Option<bool>,
    /// `true` for a staff reply that waits for the requester's answer.
    await_requester: Option<bool>,
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// The message's text fields and files, from JSON or a multipart form.
pub(crate) async fn message_parts(
    s: &AppState,
    request: Request,
) -> ApiResult<(MessageBody, Uploads)> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !multipart {
        let headers = request.headers().clone();
        let bytes = axum::body::Bytes::from_request(request, s)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::BadRequest(format!("the body could not be read: {}", e.body_text()))
                }
            })?;
        let crate::extract::Json(b) = crate::extract::parse_json::<MessageBody>(&headers, &bytes)?;
        return Ok((b, Uploads::default()));
    }
    let mut form = Multipart::from_request(request, s).await.map_err(|e| {
        ApiError::BadRequest(format!("the form could not be read: {}", e.body_text()))
    })?;
    let mut body: Option<String> = None;
    let (mut internal, mut await_requester) = (false, false);
    let mut files = Uploads::default();
    loop {
        let field = form.next_field().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Payload(format!(
                    "the request is larger than {}",
                    atbalsts_domain::attachment::size_text(
                        attachments::MAX_UPLOAD_BODY_BYTES as u64
                    )
                ))
            } else {
                ApiError::BadRequest(format!("the form could not be read: {}", e.body_text()))
            }
        })?;
        let Some(field) = field else { break };
        match field.name().unwrap_or("") {
            "files" | "file" => files.read(&s.attachment_limits, field).await?,
            name @ ("body" | "internal" | "await_requester") => {
                let name = name.to_string();
                let text = field.text().await.map_err(|e| {
                    ApiError::BadRequest(format!(
                        "the field {name} could not be read: {}",
                        e.body_text()
                    ))
                })?;
                match name.as_str() {
                    "body" => body = Some(text),
                    "internal" => internal = flag(&name, &text)?,
                    _ => await_requester = flag(&name, &text)?,
                }
            }
            other => {
                return Err(ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
                    other,
                    "unknown field; use body, internal, await_requester and files",
                )]));
            }
        }
    }
    let body = body.ok_or_else(|| {
        ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
            "body",
            "write the message",
        )])
    })?;
    Ok((
        MessageBody {
            body,
            internal,
            await_requester,
        },
        files,
    ))
}

fn flag(name: &str, v: &str) -> ApiResult<bool> {
    match v.trim() {
        "true" | "1" | "on" => Ok(true),
        "false" | "0" | "" => Ok(false),
        _ => Err(ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
            name,
            "use true or false",
        )])),
    }
}

/// The files of a ticket the caller may see (a requester: those of the
/// request and of public messages), oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = i64, Path, minimum = 1, description = "ticket id"), ("access_token" = Option<String>, Query, description = "the requester's access token")),
    responses((status = 200, body = [Attachment]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<Attachment>>> {
    let id = positive(&id, "ticket")?;
    require_someone(&actor)?;
    Ok(axum::Json(s.store.attachments(&actor, id).await?))
}

/// One file, as a download: `Content-Disposition: attachment`, the type
/// sniffed from its bytes, `X-Content-Type-Options: nosniff` and a sandboxing
/// `Content-Security-Policy`. An internal note's file is not found for a requester.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment}", tag = "tickets",
    params(("id" = i64, Path, minimum = 1, description = "ticket id"), ("attachment" = i64, Path, minimum = 1, description = "attachment id"),
        ("access_token" = Option<String>, Query, description = "the requester's access token")),
    responses((status = 200, description = "the file's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn download(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path((id, attachment)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = positive(&id, "ticket")?;
    let attachment = positive(&attachment, "attachment")?;
    require_someone(&actor)?;
    let a = s.store.attachment(&actor, id, attachment).await?;
    let bytes = s.objects.get(&a.storage_key).await?;
    Ok(attachments::download(&a, bytes))
}

fn positive(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{raw:?} is not a {what} id; ids are positive whole numbers"
        ))
    })
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
