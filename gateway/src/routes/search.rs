//! Full-text search over the messages the caller may read.

use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};
use crm_core::{
    domain::{MessageId, RoomId},
    service::{Search, SearchHit},
};
use serde::Deserialize;

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

/// Hits per page when the request does not say.
const DEFAULT_LIMIT: i64 = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search/messages", get(messages))
}

/// Every parameter is taken as text and parsed here, so a malformed one is a 422 naming it.
#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    room_id: Option<String>,
    limit: Option<String>,
    /// Hits older than this message id (the last hit of the previous page).
    before: Option<String>,
}

/// # GET /api/v1/search/messages?q=…&room_id=…&limit=…&before=…
///
/// Messages containing every word of `q` (1–200 characters; each word matches the start of a
/// word, in any letter case), newest first, from the rooms the caller belongs to and public
/// channels; `room_id` narrows to one of them (a room the caller may not read gives no hits).
/// At most 100 hits (default 20), each `{room_id, message, snippet}` where `snippet` is a
/// list of `{text, hit}` runs. Pass the last hit's `message.id` as `before` for the next page.
async fn messages(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<SearchQuery>,
) -> Result<ApiJson<Vec<SearchHit>>> {
    let room = parse_opt::<RoomId>("room_id", query.room_id.as_deref(), "not a valid room id")?;
    let before =
        parse_opt::<MessageId>("before", query.before.as_deref(), "not a valid message id")?;
    let limit = parse_opt::<i64>("limit", query.limit.as_deref(), "must be a whole number")?
        .unwrap_or(DEFAULT_LIMIT);
    let hits = Search::new(state.store.clone())
        .messages(
            &caller.user,
            query.q.as_deref().unwrap_or_default(),
            room,
            limit,
            before,
        )
        .await?;
    Ok(ApiJson(hits))
}

fn parse_opt<T: std::str::FromStr>(
    field: &'static str,
    raw: Option<&str>,
    message: &'static str,
) -> Result<Option<T>> {
    raw.map(|raw| {
        raw.trim()
            .parse()
            .map_err(|_| ApiError::invalid_field(field, message))
    })
    .transpose()
}
