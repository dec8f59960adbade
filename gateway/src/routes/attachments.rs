//! Attachments over REST: uploading a file into the media store and downloading it again.
//! Messages refer to uploads by id (`attachments` in the send request and the `send` frame).
//!
//! The upload body is streamed to the media store, never buffered whole. Its size limit is
//! `media.max_upload_bytes`, enforced here: the global `http.body_limit_bytes` bounds what
//! JSON extractors read (see `Application::router`) and does not apply to this route.

mod disposition;

use std::io;

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
    routing::{get, post},
};
use crm_core::domain::{Attachment, AttachmentId, ContentType, FileName, NewAttachment};
use futures_util::TryStreamExt;
use media::MediaError;
use serde::Deserialize;

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/attachments", post(upload))
        .route("/api/v1/attachments/{id}", get(download))
}

/// The name used when an upload names none.
const UNNAMED: &str = "file";

#[derive(Deserialize)]
pub struct UploadQuery {
    /// The file name; wins over a `Content-Disposition` header.
    name: Option<String>,
}

/// # POST /api/v1/attachments
///
/// The raw body is the file and `Content-Type` its type; the name comes from `?name=` or a
/// `Content-Disposition` header (`filename*` preferred). 201 with the attachment. A body over
/// `media.max_upload_bytes` is 413 and a type outside `media.allowed_types` 415; either way
/// nothing is stored.
async fn upload(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, ApiJson<Attachment>)> {
    state.attachments.authorize_upload(&caller.user)?;
    let settings = &state.settings.media;
    let content_type = declared_type(&headers)?;
    if !settings
        .allowed_types
        .iter()
        .any(|pattern| content_type.matches(pattern))
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("files of type {} are not accepted", content_type.essence()),
        ));
    }
    let file_name = FileName::parse(&requested_name(query.name, &headers))?;
    let limit = settings.max_upload_bytes;
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return Err(too_large(limit));
    }
    let data = body.into_data_stream().map_err(io::Error::other);
    let stored = state
        .blobs
        .put(Box::pin(data), limit)
        .await
        .map_err(|error| upload_failed(error, limit))?;
    let attachment = state
        .attachments
        .record(
            &caller.user,
            NewAttachment {
                sha256: stored.key,
                size_bytes: stored.size,
                content_type,
                file_name,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(attachment)))
}

/// # GET /api/v1/attachments/{id}
///
/// The file, streamed, with the type it was uploaded with (never sniffed) and its name in
/// `Content-Disposition` (`inline` for raster images, else `attachment`). 404 unless the
/// caller uploaded it or may read a room where it was sent.
async fn download(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: AttachmentId = id.parse()?;
    let attachment = state.attachments.get_for_download(&caller.user, id).await?;
    let blob = state
        .blobs
        .get(&attachment.sha256)
        .await
        .map_err(ApiError::internal)?;
    let content_type =
        HeaderValue::from_str(attachment.content_type.as_str()).map_err(ApiError::internal)?;
    let disposition = disposition::header(
        attachment.content_type.renders_inline(),
        attachment.file_name.as_str(),
    );
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, blob.size)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        // Opened directly, the file gets no script, plugins or same-origin access.
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        // The bytes behind an id never change; only the caller's browser may keep them.
        .header(header::CACHE_CONTROL, "private, max-age=86400, immutable")
        .body(Body::from_stream(blob.stream))
        .map_err(ApiError::internal)
}

/// The upload's `Content-Type`, which is required: the server never guesses a type.
fn declared_type(headers: &HeaderMap) -> Result<ContentType> {
    let unsupported = |message: &'static str| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    };
    let raw = headers
        .get(header::CONTENT_TYPE)
        .ok_or_else(|| unsupported("send the file's type in the Content-Type header"))?;
    raw.to_str()
        .ok()
        .and_then(|raw| ContentType::parse(raw).ok())
        .ok_or_else(|| unsupported("the Content-Type header is not a MIME type"))
}

/// `?name=`, else the `Content-Disposition` file name, else a placeholder.
fn requested_name(query: Option<String>, headers: &HeaderMap) -> String {
    query
        .filter(|name| !name.trim().is_empty())
        .or_else(|| {
            let value = headers.get(header::CONTENT_DISPOSITION)?;
            disposition::file_name(std::str::from_utf8(value.as_bytes()).ok()?)
        })
        .unwrap_or_else(|| UNNAMED.to_owned())
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the file is larger than the {limit} bytes accepted"),
    )
}

fn upload_failed(error: MediaError, limit: u64) -> ApiError {
    match error {
        MediaError::TooLarge { limit } => too_large(limit),
        MediaError::Source(source) if cut_by_body_limit(&source) => too_large(limit),
        MediaError::Source(_) => ApiError::bad_request(
            "upload_incomplete",
            "the upload ended before the whole file arrived",
        ),
        other => ApiError::internal(other),
    }
}

/// Whether the body stream was ended by the server-wide body limit layer rather than by the
/// client. The layer reports this only as an error whose text is http-body's
/// `LengthLimitError` ("length limit exceeded"); the gateway does not depend on that crate.
fn cut_by_body_limit(error: &io::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = error
        .get_ref()
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    while let Some(error) = current {
        if error.to_string().contains("length limit exceeded") {
            return true;
        }
        current = error.source();
    }
    false
}
