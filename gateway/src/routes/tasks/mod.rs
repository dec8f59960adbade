//! Tasks: CRUD and lists, also per contact and company. Visibility is by role, as for
//! contacts, plus the task's creator. Moving a task on while a blocker is not done is a 409
//! `blocked_by` naming the blocker.

mod wire;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::get,
};
use crm_core::{
    domain::crm::{CompanyId, ContactId, EntityRef, Page, Task, TaskFilter, TaskId},
    service::Tasks,
};
use wire::{CreateTaskRequest, ListTasksQuery, UpdateTaskRequest};

use super::contacts::wire::path_id;
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(list).post(create))
        .route("/api/v1/tasks/{id}", get(show).patch(update).delete(remove))
        .route("/api/v1/contacts/{id}/tasks", get(contact_tasks))
        .route("/api/v1/companies/{id}/tasks", get(company_tasks))
}

fn tasks(state: &AppState) -> Tasks {
    Tasks::new(state.store.clone())
}

/// A blocked move gets its own code, so clients can tell it from other conflicts.
fn task_error(error: crm_core::Error) -> ApiError {
    match error {
        crm_core::Error::Conflict {
            constraint,
            message,
        } if constraint == "blocked_by" => {
            ApiError::new(StatusCode::CONFLICT, "blocked_by", message)
        }
        other => other.into(),
    }
}

/// # GET /api/v1/tasks?status=…&responsible_id=…&entity_kind=…&entity_id=…&overdue=…&deadline_from=…&deadline_to=…&sort=…&cursor=…&limit=…
///
/// The tasks the caller may see: `{items, next_cursor, total, total_capped}`.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListTasksQuery>,
) -> Result<ApiJson<Page<Task>>> {
    let filter = query.try_into()?;
    Ok(ApiJson(tasks(&state).list(&caller.user, filter).await?))
}

async fn list_of(
    state: &AppState,
    caller: &AuthUser,
    entity: EntityRef,
    query: ListTasksQuery,
) -> Result<ApiJson<Page<Task>>> {
    let filter = TaskFilter {
        entity: Some(entity),
        ..query.try_into()?
    };
    Ok(ApiJson(tasks(state).list(&caller.user, filter).await?))
}

/// # GET /api/v1/contacts/{id}/tasks
///
/// The contact's tasks the caller may see, with the filters of `GET /api/v1/tasks`.
async fn contact_tasks(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<ListTasksQuery>,
) -> Result<ApiJson<Page<Task>>> {
    let id = path_id::<ContactId>(&id, "contact")?;
    list_of(&state, &caller, EntityRef::contact(id), query).await
}

/// # GET /api/v1/companies/{id}/tasks
async fn company_tasks(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<ListTasksQuery>,
) -> Result<ApiJson<Page<Task>>> {
    let id = path_id::<CompanyId>(&id, "company")?;
    list_of(&state, &caller, EntityRef::company(id), query).await
}

/// # POST /api/v1/tasks
///
/// `{title, description, deadline, priority, status, responsible_id, entity_kind,
/// entity_id, blocked_by, reminders}`; 201 with the task.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateTaskRequest>,
) -> Result<(StatusCode, ApiJson<Task>)> {
    let task = tasks(&state)
        .create(&caller.user, request.try_into()?)
        .await
        .map_err(task_error)?;
    Ok((StatusCode::CREATED, ApiJson(task)))
}

/// # GET /api/v1/tasks/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Task>> {
    let id = path_id::<TaskId>(&id, "task")?;
    Ok(ApiJson(tasks(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/tasks/{id}
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateTaskRequest>,
) -> Result<ApiJson<Task>> {
    let id = path_id::<TaskId>(&id, "task")?;
    let patch = request.try_into()?;
    let task = tasks(&state)
        .update(&caller.user, id, patch)
        .await
        .map_err(task_error)?;
    Ok(ApiJson(task))
}

/// # DELETE /api/v1/tasks/{id}
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<TaskId>(&id, "task")?;
    tasks(&state).delete(&caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
