//! `ApiJson`: axum's `Json` with rejections turned into the error envelope — malformed JSON
//! is 400, a missing or mistyped field is 422 naming the field, a too large body is 413.

use axum::{
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn rejection_to_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            let detail = error.body_text();
            let (field, message) = field_of(&detail);
            ApiError::invalid_field(field, message)
        }
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request("malformed_json", "the request body is not valid JSON")
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE)
        }
        other => ApiError::bad_request("bad_request", other.body_text()),
    }
}

/// Pulls the field name out of serde's message, which axum prefixes with the JSON path:
/// "Failed to deserialize the JSON body into the target type: login: invalid type: …" or
/// "…: missing field `password` at line 1 column 18".
fn field_of(detail: &str) -> (String, String) {
    let detail = detail
        .split_once("target type: ")
        .map_or(detail, |(_, rest)| rest);
    if let Some(start) = detail.find("missing field `") {
        let rest = &detail[start + "missing field `".len()..];
        let name = rest.split('`').next().unwrap_or_default();
        let field = match detail[..start].trim_end_matches(": ").trim() {
            "" | "." => name.to_owned(),
            path => format!("{path}.{name}"),
        };
        return (field, "is required".to_owned());
    }
    match detail.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path.to_owned(), strip_position(message)),
        _ => ("body".to_owned(), strip_position(detail)),
    }
}

fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_missing_top_level_field() {
        let (field, message) = field_of(
            "Failed to deserialize the JSON body into the target type: missing field `password` at line 1 column 17",
        );
        assert_eq!(
            (field.as_str(), message.as_str()),
            ("password", "is required")
        );
    }

    #[test]
    fn names_a_mistyped_field_by_its_path() {
        let (field, message) = field_of(
            "Failed to deserialize the JSON body into the target type: login: invalid type: integer `5`, expected a string at line 1 column 10",
        );
        assert_eq!(field, "login");
        assert_eq!(message, "invalid type: integer `5`, expected a string");
    }
}
