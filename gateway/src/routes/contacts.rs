//! Contacts: CRUD, list and search, channel identities, duplicates and merge. The timeline
//! and comments are in `timeline`. Who sees what is decided in `crm-core` by role; a contact
//! the caller may not see answers 404 here as if it did not exist.

mod requests;
pub(super) mod wire;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{delete, get, post},
};
use crm_core::{
    domain::crm::{
        Contact, ContactId, ContactMatch, DuplicateGroup, Identity, IdentityId, Likeness, Page,
    },
    service::Contacts,
};

use self::{
    requests::{CreateContactRequest, MergeRequest, UpdateContactRequest},
    wire::{DuplicatesQuery, GroupsQuery, IdentityRequest, ListContactsQuery, path_id},
};
use crate::{
    error::Result,
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(list).post(create))
        .route("/api/v1/contacts/duplicates", get(duplicates))
        .route("/api/v1/contacts/duplicate-groups", get(duplicate_groups))
        .route("/api/v1/contacts/merge", post(merge))
        .route(
            "/api/v1/contacts/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/contacts/{id}/identities", post(add_identity))
        .route(
            "/api/v1/contacts/{id}/identities/{identity_id}",
            delete(remove_identity),
        )
}

fn contacts(state: &AppState) -> Contacts {
    Contacts::new(state.store.clone())
}

/// # GET /api/v1/contacts?q=…&responsible_id=…&company_id=…&cursor=…&limit=…
///
/// The contacts the caller may see, newest first: `{items, next_cursor, total,
/// total_capped}`. `q` (1–200 characters) matches names by word prefix and phones and
/// e-mails exactly, in any formatting; `responsible_id` and `company_id` narrow further.
/// At most 200 per page (default 50); pass `next_cursor` as `cursor` for the next page.
/// `total` counts every match and is given on the first page only; a name search stops
/// counting at 1,000 and then sets `total_capped`.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListContactsQuery>,
) -> Result<ApiJson<Page<Contact>>> {
    let filter = query.try_into()?;
    Ok(ApiJson(contacts(&state).list(&caller.user, filter).await?))
}

/// # POST /api/v1/contacts
///
/// Creates a contact: names, position, company, address, source, `responsible_id` (default:
/// the caller), `custom` (values of the contact custom fields, checked against their
/// definitions), `phones` (`{number, kind}`; normalized to E.164),
/// `emails` (`{address, kind}`) and `identities` (`{channel, external_id}`). 201 with the
/// contact; 409 when an identity belongs to another contact.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateContactRequest>,
) -> Result<(StatusCode, ApiJson<Contact>)> {
    let contact = contacts(&state)
        .create(Some(&caller.user), request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(contact)))
}

/// # GET /api/v1/contacts/{id}
///
/// The contact card: the contact with its phones, e-mails and identities. The timeline is
/// `GET /api/v1/contacts/{id}/timeline`.
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Contact>> {
    let id = path_id::<ContactId>(&id, "contact")?;
    Ok(ApiJson(contacts(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/contacts/{id}
///
/// Changes the fields given; `null` clears one, `phones` and `emails` replace the lists,
/// `custom` changes only the keys it names.
/// Changes of responsible, company, phones and e-mails appear on the timeline.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateContactRequest>,
) -> Result<ApiJson<Contact>> {
    let id = path_id::<ContactId>(&id, "contact")?;
    let patch = request.try_into()?;
    Ok(ApiJson(
        contacts(&state).update(&caller.user, id, patch).await?,
    ))
}

/// # DELETE /api/v1/contacts/{id}
///
/// Deletes the contact (it stays in the audit log and as history); 204.
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<ContactId>(&id, "contact")?;
    contacts(&state).delete(&caller.user, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /api/v1/contacts/{id}/identities
///
/// Adds `{channel, external_id}`; 201 with the identity, 409 when another contact has it.
async fn add_identity(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<IdentityRequest>,
) -> Result<(StatusCode, ApiJson<Identity>)> {
    let id = path_id::<ContactId>(&id, "contact")?;
    let identity = contacts(&state)
        .add_identity(&caller.user, id, request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(identity)))
}

/// # DELETE /api/v1/contacts/{id}/identities/{identity_id}
async fn remove_identity(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((id, identity)): Path<(String, String)>,
) -> Result<StatusCode> {
    let id = path_id::<ContactId>(&id, "contact")?;
    let identity = path_id::<IdentityId>(&identity, "identity")?;
    contacts(&state)
        .remove_identity(&caller.user, id, identity)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # GET /api/v1/contacts/duplicates?contact_id=… | ?phone=…&email=…&name=…
///
/// Contacts the caller may see that share a phone or an e-mail (normalized) or a similar
/// name (legal forms, punctuation, letter case, ё/е and Cyrillic/Latin spelling ignored)
/// with the contact `contact_id`, or with the values given (`name` is a whole name;
/// `first_name` and `last_name` may be given instead). Each match is `{contact, reasons}`,
/// most reasons first.
async fn duplicates(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<DuplicatesQuery>,
) -> Result<ApiJson<Vec<ContactMatch>>> {
    let service = contacts(&state);
    let of = wire::parse_opt::<ContactId>(
        "contact_id",
        query.contact_id.as_deref(),
        "not a valid contact id",
    )?;
    let matches = match of {
        Some(id) => service.duplicates_of(&caller.user, id).await?,
        None => {
            let likeness = Likeness::try_from(&query)?;
            service.find_similar(&caller.user, likeness).await?
        }
    };
    Ok(ApiJson(matches))
}

/// # GET /api/v1/contacts/duplicate-groups?cursor=…&limit=…
///
/// Every group of contacts the caller may see that share a phone or an e-mail (normalized)
/// or a similar name (as for `duplicates`): `{items, next_cursor}`, each item `{reason,
/// value, size, records}` where `reason` is `phone`, `email` or `name`, `value` the shared
/// value as stored (E.164, lowercased e-mail, name key), `size` how many contacts share it
/// and `records` the 20 newest of them. Phone groups come first, then e-mail, then name,
/// each by value. At most 200 groups per page (default 50); pass `next_cursor` as `cursor`
/// for the next page.
async fn duplicate_groups(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<GroupsQuery>,
) -> Result<ApiJson<Page<DuplicateGroup<Contact>>>> {
    let (cursor, limit) = query.page()?;
    let groups = contacts(&state)
        .duplicate_groups(&caller.user, cursor, limit)
        .await?;
    Ok(ApiJson(groups))
}

/// # POST /api/v1/contacts/merge
///
/// `{target_id, source_ids: […], pick: {field: contact_id}}`: merges the sources into the
/// target and answers with the merged contact. Fields not picked keep the target's value,
/// or take the first source's when the target has none (custom values key by key);
/// phones and e-mails are united;
/// identities and the timeline move to the target; the sources are deleted. Recorded in the
/// audit log and on the timeline. Merging a contact into itself is a 422.
async fn merge(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    ApiJson(request): ApiJson<MergeRequest>,
) -> Result<ApiJson<Contact>> {
    let merge = request.try_into()?;
    let merged = contacts(&state).merge(&caller.user, merge, &client).await?;
    Ok(ApiJson(merged))
}
