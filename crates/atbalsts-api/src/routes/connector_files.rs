//! Files a connector sends with a message: base64 in the JSON body (a
//! connector relays what the network or app gave it, so one JSON request is
//! simpler for it to write than a multipart form), admitted against the same
//! limits as files on any message before anything is stored.

use crate::error::ApiError;
use atbalsts_domain::FieldError;
use atbalsts_domain::attachment::{self, Limits};
use atbalsts_http::attachments::{Upload, UploadError};
use atbalsts_objects::Objects;
use atbalsts_store::attachments::NewAttachment;
use base64::Engine;
use serde::Deserialize;
use utoipa::ToSchema;

/// A file sent with a connector's message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    /// The file's name as the sender gave it (cleaned of paths and controls).
    #[schema(max_length = 255, example = "pase.jpg")]
    file_name: String,
    /// The type the network or app declared; the desk sniffs the bytes itself.
    #[schema(max_length = 200)]
    content_type: Option<String>,
    /// The file's bytes in base64 (standard alphabet, with padding).
    content_base64: String,
}

/// Decode the files in order, refusing at the first one over a limit or
/// not in base64, so nothing is stored for a message that is refused.
pub fn decode(limits: &Limits, files: Vec<FileBody>) -> Result<Vec<Upload>, ApiError> {
    let mut out: Vec<Upload> = Vec::with_capacity(files.len());
    let mut total = 0usize;
    for (i, f) in files.into_iter().enumerate() {
        let name = attachment::file_name(Some(&f.file_name));
        // The decoded size is known before decoding: refuse a huge file unread.
        let estimate = f.content_base64.len() / 4 * 3;
        limits
            .admit(out.len(), total, &name, estimate.saturating_sub(2))
            .map_err(|b| ApiError::from(UploadError::Limit(b)))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content_base64.trim())
            .map_err(|_| {
                ApiError::Invalid(vec![FieldError::new(
                    format!("attachments[{i}].content_base64"),
                    "is not base64 (standard alphabet, with padding)",
                )])
            })?;
        if bytes.is_empty() {
            return Err(ApiError::Invalid(vec![FieldError::new(
                format!("attachments[{i}].content_base64"),
                "is empty; leave out a file that has no content",
            )]));
        }
        limits
            .admit(out.len(), total, &name, bytes.len())
            .map_err(|b| ApiError::from(UploadError::Limit(b)))?;
        total += bytes.len();
        out.push(Upload {
            file_name: name,
            declared_type: f.content_type.filter(|d| d.len() <= 200),
            bytes: bytes.into(),
        });
    }
    Ok(out)
}

/// Remove objects that no record refers to (a refused or repeated message).
pub async fn forget(objects: &Objects, stored: &[NewAttachment]) {
    for f in stored {
        if let Err(e) = objects.delete(&f.storage_key).await {
            tracing::warn!(error = %e, key = %f.storage_key, "an unused object was not removed");
        }
    }
}
