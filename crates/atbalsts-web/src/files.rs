//! Files on the pages' forms: the request form, the requester's reply and
//! the staff's reply and note take `multipart/form-data`; their text fields
//! are read by the same `Form` extractor as a plain form, so CSRF checks and
//! rejections stay the same. Files are checked against the limits as they
//! arrive; a breach is shown on the form like any other problem. Downloads
//! go through the ticket's access rules, with the API's safe headers.

use crate::AppState;
use crate::page::{Problems, localized, not_found, unavailable};
use atbalsts_domain::Actor;
use atbalsts_domain::attachment::{Breach, size_text};
use atbalsts_http::attachments::{UploadError, Uploads};
use atbalsts_search::Lang;
use atbalsts_store::attachments::{Attachment, NewAttachment};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::Response;
use axum_extra::extract::{Form, FormRejection};
use serde::de::DeserializeOwned;

/// A form that may carry files: its text fields as a [`Form`], the files
/// that fit the limits, and the first limit they broke.
pub struct WithFiles<T> {
    pub form: Result<Form<T>, FormRejection>,
    pub files: Uploads,
    pub breach: Option<Breach>,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for WithFiles<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if !multipart {
            return Ok(WithFiles {
                form: Form::from_request(req, state).await,
                files: Uploads::default(),
                breach: None,
            });
        }
        let (parts, body) = req.into_parts();
        let mut files = Uploads::default();
        let mut breach = None;
        let mut text: Vec<(String, String)> = Vec::new();
        let mut broken = false;
        if let Ok(mut form) =
            Multipart::from_request(Request::from_parts(parts.clone(), body), state).await
        {
            loop {
                let field = match form.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(_) => {
                        broken = true;
                        break;
                    }
                };
                let name = field.name().unwrap_or("").to_string();
                if name == "files" {
                    if breach.is_some() {
                        continue;
                    }
                    match files.read(&state.attachment_limits, field).await {
                        Ok(()) => {}
                        Err(UploadError::Limit(b)) => breach = Some(b),
                        Err(UploadError::Unreadable(_)) => {
                            broken = true;
                            break;
                        }
                    }
                } else if let Ok(value) = field.text().await {
                    text.push((name, value));
                } else {
                    broken = true;
                    break;
                }
            }
        } else {
            broken = true;
        }
        // The text fields go through the plain form's extractor: one set of rules.
        let mut parts = parts;
        // An unreadable form is a bad form, whatever fields came before the
        // fault: the extractor refuses a body that is not a form.
        parts.headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(if broken {
                "application/octet-stream"
            } else {
                "application/x-www-form-urlencoded"
            }),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&text)
            .finish();
        let form = Form::from_request(
            Request::from_parts(parts, axum::body::Body::from(encoded)),
            state,
        )
        .await;
        Ok(WithFiles {
            form,
            files,
            breach,
        })
    }
}

/// A breach of the limits as a problem of the form's file field.
pub fn breach_problem(lang: Lang, problems: &mut Problems, field: &'static str, b: &Breach) {
    let key = match b {
        Breach::FileTooLarge { .. } => "files-error-too-large",
        Breach::TooMany { .. } => "files-error-too-many",
        Breach::TotalTooLarge { .. } => "files-error-total",
    };
    problems.add(lang, field, key);
}

/// Store the files before the message's transaction; `None` when storage failed
/// (the page then says the service is unavailable).
pub async fn store(s: &AppState, files: Uploads) -> Result<Vec<NewAttachment>, String> {
    atbalsts_http::attachments::store(&s.objects, files.files)
        .await
        .map_err(|e| e.to_string())
}

/// Remove objects whose message was not written.
pub async fn discard(s: &AppState, files: &[NewAttachment]) {
    for f in files {
        let _ = s.objects.delete(&f.storage_key).await;
    }
}

/// A file as a thread shows it.
pub struct FileLink {
    pub href: String,
    pub name: String,
    pub size: String,
    pub kind: String,
}

/// Links to `files`, each under `base` (`…/files/{id}`).
pub fn links(files: Vec<Attachment>, base: &str) -> Vec<FileLink> {
    files
        .into_iter()
        .map(|a| FileLink {
            href: format!("{base}/{}", a.id),
            name: a.file_name,
            size: size_text(u64::try_from(a.size).unwrap_or(0)),
            kind: a.content_type,
        })
        .collect()
}

/// The request's own files (given with the description), as links.
pub async fn request_files(s: &AppState, actor: &Actor, ticket: i64, base: &str) -> Vec<FileLink> {
    let all = s.store.attachments(actor, ticket).await.unwrap_or_default();
    links(
        all.into_iter().filter(|a| a.message_id.is_none()).collect(),
        base,
    )
}

/// A download for `actor`, or the page to show instead.
pub async fn download(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    actor: &Actor,
    ticket: i64,
    file: &str,
) -> Response {
    let Some(file) = file.parse::<i64>().ok().filter(|id| *id > 0) else {
        return not_found(lang, uri);
    };
    let a = match s.store.attachment(actor, ticket, file).await {
        Ok(a) => a,
        Err(atbalsts_store::StoreError::NotFound(_)) => return not_found(lang, uri),
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    match s.objects.get(&a.storage_key).await {
        Ok(bytes) => atbalsts_http::attachments::download(&a, bytes),
        Err(e) => unavailable(lang, uri, &e.to_string()),
    }
}

/// The files' base path on the requester's page.
pub fn requester_base(lang: Lang, token: &str) -> String {
    localized(lang, &format!("/t/{token}/files"))
}
