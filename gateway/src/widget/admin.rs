//! Connecting a website widget to a line (admins): the sites that may embed it, its pre-chat
//! form, and the `<script>` snippet to paste into those sites.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use crm_core::domain::{
    Channel, ChannelKind, FieldRule, LineId, PrechatForm, Role, WidgetConfig, parse_origin,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrechatRequest {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWidgetRequest {
    line_id: String,
    name: Option<String>,
    /// Pages allowed to use the widget (`https://shop.example.com`), or `["*"]` for any.
    allowed_origins: Vec<String>,
    prechat: Option<PrechatRequest>,
}

impl TryFrom<&CreateWidgetRequest> for WidgetConfig {
    type Error = ApiError;

    fn try_from(request: &CreateWidgetRequest) -> Result<Self> {
        if request.allowed_origins.is_empty() {
            return Err(ApiError::invalid_field(
                "allowed_origins",
                "list at least one site, or \"*\" for any",
            ));
        }
        let allowed_origins = request
            .allowed_origins
            .iter()
            .map(|raw| parse_origin(raw))
            .collect::<Result<Vec<_>, _>>()?;
        let prechat = match &request.prechat {
            None => PrechatForm::default(),
            Some(form) => PrechatForm {
                name: FieldRule::parse("name", form.name.as_deref())?,
                email: FieldRule::parse("email", form.email.as_deref())?,
                phone: FieldRule::parse("phone", form.phone.as_deref())?,
            },
        };
        Ok(WidgetConfig {
            allowed_origins,
            prechat,
        })
    }
}

#[derive(Serialize)]
pub struct WidgetResponse {
    #[serde(flatten)]
    channel: Channel,
    /// The id the script tag names (`data-line`); visitors' requests carry it.
    public_id: String,
    /// What to paste into the site's pages.
    snippet: String,
    #[serde(flatten)]
    config: WidgetConfig,
}

/// # POST /api/v1/channels/widget
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CreateWidgetRequest>,
) -> Result<(StatusCode, ApiJson<WidgetResponse>)> {
    caller.require_role(Role::Admin)?;
    let line: LineId = request.line_id.parse()?;
    let config = WidgetConfig::try_from(&request)?;
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or("Website chat");
    let public_id = public_id();
    let stored = serde_json::to_value(&config).map_err(ApiError::internal)?;
    let channel = state
        .open_lines
        .add_channel(
            &caller.user,
            line,
            ChannelKind::Widget,
            &public_id,
            name,
            stored,
        )
        .await?;
    let snippet = format!(
        "<script src=\"{}/widget.js\" data-line=\"{public_id}\" async></script>",
        public_url(&state, &headers)
    );
    Ok((
        StatusCode::CREATED,
        ApiJson(WidgetResponse {
            channel,
            public_id,
            snippet,
            config,
        }),
    ))
}

/// 128 random bits, hex: not guessable, so a widget cannot be found by counting.
fn public_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `channels.public_url`, or else the address the admin reached this server at.
fn public_url(state: &AppState, headers: &HeaderMap) -> String {
    let configured = state.settings.channels.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
