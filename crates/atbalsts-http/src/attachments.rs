//! Files sent with a message, for both faces: reading them from a
//! multipart form within the limits (stopping at the first breach, before
//! anything is stored), storing them in object storage with the type their
//! bytes show, and answering a download so that no browser renders it.

use crate::error::ApiError;
use atbalsts_domain::attachment::{self, Breach, Limits};
use atbalsts_objects::Objects;
use atbalsts_store::attachments::{Attachment, NewAttachment};
use axum::body::Bytes;
use axum::extract::multipart::Field;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Requests that may carry files are allowed this many bytes in all; every
/// other request keeps [`crate::MAX_BODY_BYTES`]. The per-message limits
/// (checked as files arrive) are below it, so a person over them is told so
/// in a page or a problem, not cut off.
pub const MAX_UPLOAD_BODY_BYTES: usize = 26 * 1024 * 1024;

/// A connector's message carries its files in base64 inside JSON, a third
/// larger than the files themselves: the upload limit so encoded, with room
/// for the message's other fields.
pub const MAX_CONNECTOR_BODY_BYTES: usize = MAX_UPLOAD_BODY_BYTES / 3 * 4 + 256 * 1024;

/// Whether `path` is a connector's inbound messages (JSON with files).
pub fn connector_inbound(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["api", "v1", "channels", _, "messages"]
    )
}

/// Whether `path` is a form that takes files: a message through the API, the
/// portal's request form, the requester's reply and the staff's actions.
pub fn accepts_uploads(path: &str) -> bool {
    let path = path.strip_prefix("/en").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "v1", "tickets", id, "messages"] => id.bytes().all(|b| b.is_ascii_digit()),
        ["requests", "new"] => true,
        ["t", _, "reply"] => true,
        ["staff", "tickets", id, _] => id.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// The edge's body limit: [`MAX_UPLOAD_BODY_BYTES`] for a multipart form
/// to a path that takes files, [`MAX_CONNECTOR_BODY_BYTES`] for a connector's
/// message, [`crate::MAX_BODY_BYTES`] for everything else.
/// A declared length over it is refused at once; a body that grows over it
/// fails when read (413 either way).
pub async fn body_limit(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let limit = if multipart && accepts_uploads(request.uri().path()) {
        MAX_UPLOAD_BODY_BYTES
    } else if connector_inbound(request.uri().path()) {
        MAX_CONNECTOR_BODY_BYTES
    } else {
        crate::MAX_BODY_BYTES
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

/// A file received, not yet stored.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub declared_type: Option<String>,
    pub bytes: Bytes,
}

/// The files of one message, admitted one by one against the limits.
#[derive(Debug, Default)]
pub struct Uploads {
    pub files: Vec<Upload>,
    total: usize,
}

/// Why files could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Limit(Breach),
    #[error("the form could not be read: {0}")]
    Unreadable(String),
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Limit(b) if b.is_size() => ApiError::Payload(b.to_string()),
            UploadError::Limit(b) => ApiError::Invalid(vec![atbalsts_domain::FieldError::new(
                "files",
                b.to_string(),
            )]),
            UploadError::Unreadable(m) => ApiError::BadRequest(m),
        }
    }
}

impl Uploads {
    /// Read one file field to its end, refusing it as soon as it is over a limit.
    /// A file input left empty (no name, no bytes) is skipped.
    pub async fn read(&mut self, limits: &Limits, mut field: Field<'_>) -> Result<(), UploadError> {
        let given = field.file_name().map(str::to_string);
        let declared = field.content_type().map(str::to_string);
        let name = attachment::file_name(given.as_deref());
        let mut data: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            data.extend_from_slice(&chunk);
            limits
                .admit(self.files.len(), self.total, &name, data.len())
                .map_err(UploadError::Limit)?;
        }
        if data.is_empty() && given.as_deref().is_none_or(str::is_empty) {
            return Ok(());
        }
        limits
            .admit(self.files.len(), self.total, &name, data.len())
            .map_err(UploadError::Limit)?;
        self.total += data.len();
        self.files.push(Upload {
            file_name: name,
            declared_type: declared.filter(|d| d.len() <= 200),
            bytes: Bytes::from(data),
        });
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> UploadError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::Limit(Breach::TotalTooLarge {
            max: MAX_UPLOAD_BODY_BYTES,
        })
    } else {
        UploadError::Unreadable(e.body_text())
    }
}

/// Put each file into object storage under a fresh key and describe it
/// with the type its bytes show. Called before the message's transaction.
pub async fn store(
    objects: &Objects,
    files: Vec<Upload>,
) -> Result<Vec<NewAttachment>, atbalsts_objects::ObjectError> {
    let mut stored = Vec::with_capacity(files.len());
    for f in files {
        let put = objects.put_new(f.bytes).await?;
        stored.push(NewAttachment {
            storage_key: put.key,
            file_name: f.file_name,
            content_type: put.content_type,
            declared_type: f.declared_type,
            size: i64::try_from(put.size).unwrap_or(i64::MAX),
            sha256: put.sha256,
        });
    }
    Ok(stored)
}

impl From<atbalsts_objects::ObjectError> for ApiError {
    fn from(e: atbalsts_objects::ObjectError) -> Self {
        tracing::error!(error = %e, "object storage");
        ApiError::Unavailable("file storage is unavailable; please try again shortly".into())
    }
}

/// The file as a download: labelled with its sniffed type, never shown
/// inline, never sniffed again by the browser, and sandboxed should anything
/// still open it.
pub fn download(a: &Attachment, bytes: Bytes) -> Response {
    let content_type = if a.content_type == "text/plain" {
        "text/plain; charset=utf-8".to_string()
    } else {
        a.content_type.clone()
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    let value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    h.insert(header::CONTENT_TYPE, value(&content_type));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 and 8187): an
/// ASCII stand-in for old clients and the exact name, percent-encoded.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_the_exact_name() {
        assert_eq!(
            content_disposition("izziņa 1.pdf"),
            "attachment; filename=\"izzi_a 1.pdf\"; filename*=UTF-8''izzi%C5%86a%201.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }

    #[test]
    fn only_message_forms_take_files() {
        assert!(accepts_uploads("/api/v1/tickets/12/messages"));
        assert!(accepts_uploads("/en/requests/new"));
        assert!(accepts_uploads("/t/abc/reply"));
        assert!(accepts_uploads("/staff/tickets/7/reply"));
        assert!(!accepts_uploads("/api/v1/tickets"));
        assert!(!accepts_uploads("/api/v1/tickets/x/messages"));
        assert!(!accepts_uploads("/staff/sign-in"));
    }

    #[test]
    fn connectors_messages_have_room_for_encoded_files() {
        assert!(connector_inbound("/api/v1/channels/facebook-pmlp/messages"));
        assert!(!connector_inbound("/api/v1/channels/phone/calls"));
        assert!(!connector_inbound("/api/v1/tickets/1/messages"));
    }
}
