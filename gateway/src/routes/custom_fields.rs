//! Custom field definitions: everyone signed in lists the fields of a kind of record (those
//! their role sees), admins define, change and delete them. The values live on the records
//! (`custom` in contact, company, deal and lead bodies); `values.rs` reads them from a body.

mod values;

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch},
};
use crm_core::{
    domain::{
        Role,
        crm::{
            CustomFieldId, EntityKind,
            custom_fields::{
                FieldAccess, FieldDefinition, FieldDefinitionPatch, FieldKind, FieldType,
                LABEL_MAX, NewFieldDefinition, field_key,
            },
            text::required_text,
        },
    },
    service::CustomFields,
};
use serde::Deserialize;
use serde_json::Value;

pub use self::values::custom_values;
use super::contacts::wire::path_id;
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/custom-fields/{entity}", get(list).post(create))
        .route(
            "/api/v1/custom-fields/{entity}/{id}",
            patch(update).delete(remove),
        )
}

fn fields(state: &AppState) -> CustomFields {
    CustomFields::new(state.store.clone())
}

/// The kind of record in the path; anything else names no collection, so it is a 404.
fn entity(raw: &str) -> Result<EntityKind> {
    EntityKind::parse(raw).map_err(|_| {
        ApiError::not_found("no such kind of record; use contact, company, deal or lead")
    })
}

fn roles(field: &'static str, raw: &[String]) -> Result<Vec<Role>> {
    raw.iter()
        .enumerate()
        .map(|(index, name)| {
            Role::parse(name.trim()).map_err(|_| {
                ApiError::invalid_field(
                    format!("{field}[{index}]"),
                    "must be one of admin, supervisor, operator, viewer",
                )
            })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CreateFieldRequest {
    key: String,
    label: String,
    #[serde(rename = "type")]
    field_type: String,
    /// The choices of a `list` field.
    options: Option<Vec<String>>,
    /// What a `link` field points at: contact, company, deal or lead.
    link_entity: Option<String>,
    #[serde(default)]
    required: bool,
    /// Omitted: after the last field.
    sort_order: Option<i64>,
    /// Omitted: every role.
    visible_to: Option<Vec<String>>,
    /// Omitted: every role that sees it and writes records.
    editable_by: Option<Vec<String>>,
}

impl CreateFieldRequest {
    fn into_new(self, entity: EntityKind) -> Result<NewFieldDefinition> {
        let field_type = FieldType::parse(self.field_type.trim())?;
        let visible = match &self.visible_to {
            Some(raw) => roles("visible_to", raw)?,
            None => Role::ALL.to_vec(),
        };
        let editable = match &self.editable_by {
            Some(raw) => roles("editable_by", raw)?,
            None => visible
                .iter()
                .copied()
                .filter(|role| role.can_write())
                .collect(),
        };
        Ok(NewFieldDefinition {
            entity,
            key: field_key(&self.key)?,
            label: required_text("label", &self.label, LABEL_MAX)?,
            kind: FieldKind::parse(field_type, self.options, self.link_entity.as_deref())?,
            required: self.required,
            sort_order: self.sort_order,
            access: FieldAccess::parse(&visible, &editable)?,
        })
    }
}

/// What a definition may change. The kind of record, the key and the type are listed only
/// to refuse them with a reason.
#[derive(Deserialize)]
pub struct UpdateFieldRequest {
    label: Option<String>,
    options: Option<Vec<String>>,
    required: Option<bool>,
    sort_order: Option<i64>,
    visible_to: Option<Vec<String>>,
    editable_by: Option<Vec<String>>,
    key: Option<Value>,
    #[serde(rename = "type")]
    field_type: Option<Value>,
    link_entity: Option<Value>,
    entity: Option<Value>,
}

impl TryFrom<UpdateFieldRequest> for FieldDefinitionPatch {
    type Error = ApiError;

    fn try_from(request: UpdateFieldRequest) -> Result<Self> {
        let fixed = [
            ("key", &request.key),
            ("type", &request.field_type),
            ("link_entity", &request.link_entity),
            ("entity", &request.entity),
        ];
        if let Some((name, _)) = fixed.iter().find(|(_, value)| value.is_some()) {
            return Err(ApiError::invalid_field(
                *name,
                "cannot be changed, since stored values were checked against it; delete the \
                 field and define a new one",
            ));
        }
        Ok(FieldDefinitionPatch {
            label: request.label,
            options: request.options,
            required: request.required,
            sort_order: request.sort_order,
            visible_to: request
                .visible_to
                .map(|raw| roles("visible_to", &raw))
                .transpose()?,
            editable_by: request
                .editable_by
                .map(|raw| roles("editable_by", &raw))
                .transpose()?,
        })
    }
}

/// # GET /api/v1/custom-fields/{entity}
///
/// The custom fields of `contact`, `company`, `deal` or `lead` that the caller's role sees,
/// in display order: `[{id, entity, key, label, type, options, link_entity, required,
/// sort_order, visible_to, editable_by, created_at, updated_at}]`.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(raw): Path<String>,
) -> Result<ApiJson<Vec<FieldDefinition>>> {
    let entity = entity(&raw)?;
    Ok(ApiJson(fields(&state).list(&caller.user, entity).await?))
}

/// # POST /api/v1/custom-fields/{entity}
///
/// Admins only. `{key, label, type, options?, link_entity?, required?, sort_order?,
/// visible_to?, editable_by?}`: `key` is `[a-z0-9_]` and never changes; `type` is text,
/// number, date, list (with `options`), boolean or link (with `link_entity`). 201 with the
/// field; 409 when the kind of record has a field with that key.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(raw): Path<String>,
    ApiJson(request): ApiJson<CreateFieldRequest>,
) -> Result<(StatusCode, ApiJson<FieldDefinition>)> {
    let new = request.into_new(entity(&raw)?)?;
    let field = fields(&state).create(&caller.user, new).await?;
    Ok((StatusCode::CREATED, ApiJson(field)))
}

/// # PATCH /api/v1/custom-fields/{entity}/{id}
///
/// Admins only. Changes `label`, `options` (a list's; values holding an option taken out
/// keep it until next changed), `required`, `sort_order`, `visible_to`, `editable_by`.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((raw, id)): Path<(String, String)>,
    ApiJson(request): ApiJson<UpdateFieldRequest>,
) -> Result<ApiJson<FieldDefinition>> {
    let entity = entity(&raw)?;
    let id = path_id::<CustomFieldId>(&id, "custom field")?;
    let patch = request.try_into()?;
    Ok(ApiJson(
        fields(&state)
            .update(&caller.user, entity, id, patch)
            .await?,
    ))
}

/// # DELETE /api/v1/custom-fields/{entity}/{id}
///
/// Admins only. Deletes the field and its value in every record of its kind (recorded in the
/// audit log with the number of records that held one); 204.
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path((raw, id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let entity = entity(&raw)?;
    let id = path_id::<CustomFieldId>(&id, "custom field")?;
    fields(&state)
        .delete(&caller.user, entity, id, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
