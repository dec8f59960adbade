//! The one HTTP error type. Every 4xx and 5xx leaves the server as
//! `{"error":{"code":"…","message":"…","fields":{…}?}}`; server errors are logged with their
//! cause chain and answered with generic text.

use std::{borrow::Cow, collections::BTreeMap};

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    fields: BTreeMap<String, String>,
    retry_after_secs: Option<u64>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fields: &'a BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after_secs: None,
            source: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A field failed validation: 422 with the field named.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: {message}"),
        );
        error.fields.insert(field, message);
        error
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed attempts; try again in {retry_after_secs} seconds"),
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        );
        error.source = Some(source.into());
        error
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The envelope for a status produced outside our handlers (router, body limit, timeout).
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => ("not_found", "no such route"),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "this route does not accept that method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "the request body is larger than the server accepts",
            ),
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "send the body as application/json",
            ),
            StatusCode::UNAUTHORIZED => ("unauthorized", "authentication required"),
            StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
            status if status.is_server_error() => ("internal", "internal server error"),
            _ => ("bad_request", "the request was not understood"),
        };
        Self::new(status, code, message)
    }
}

impl From<crm_core::Error> for ApiError {
    fn from(error: crm_core::Error) -> Self {
        use crm_core::Error as E;
        match error {
            E::NotFound { entity } => Self::not_found(format!("{entity} not found")),
            E::Conflict { message, .. } => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::Refused { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            E::Batch { failures } => {
                let mut error = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "batch_failed",
                    format!(
                        "{} of the items failed, so none was changed",
                        failures.len()
                    ),
                );
                for (index, reason) in failures {
                    error.fields.insert(format!("ids[{index}]"), reason);
                }
                error
            }
            E::Validation { field, message } => Self::invalid_field(field, message),
            E::Unauthenticated => Self::unauthorized("invalid credentials"),
            E::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::FieldForbidden { field, message } => {
                let mut error = Self::new(
                    StatusCode::FORBIDDEN,
                    "field_forbidden",
                    format!("{field}: {message}"),
                );
                error
                    .fields
                    .insert(field.into_owned(), message.into_owned());
                error
            }
            other => Self::internal(other),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            let chain = self.source.as_deref().map(cause_chain).unwrap_or_default();
            tracing::error!(error.cause_chain = %chain, error.message = %self.message, "request failed");
        }
        let body = Envelope {
            error: Body {
                code: &self.code,
                message: &self.message,
                fields: &self.fields,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

fn cause_chain(error: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    let mut chain = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        current = cause.source();
    }
    chain
}
