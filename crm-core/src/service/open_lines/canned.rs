//! Canned responses: a line's shared ones (kept by its supervisors and admins) and each
//! operator's personal ones, found by shortcut prefix as the operator types `/shortcut`.

use super::OpenLines;
use crate::{
    Error, Result,
    domain::{CannedResponse, CannedResponseId, LineId, Role, User, now},
    store::{Conn, canned, lines},
};

/// Suggestions returned for one prefix.
const LOOKUP_LIMIT: i64 = 20;
/// A line's responses listed for editing; far more than a team keeps in practice.
const LINE_LIMIT: i64 = 1000;

/// A shortcut: 1–32 lowercase letters, digits, `-` or `_`; a leading `/` is dropped.
fn shortcut(raw: &str) -> Result<String> {
    let text = raw.trim().trim_start_matches('/').to_lowercase();
    let valid = !text.is_empty()
        && text.chars().count() <= 32
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(text)
    } else {
        Err(Error::validation(
            "shortcut",
            "must be 1 to 32 letters, digits, - or _",
        ))
    }
}

fn body(raw: &str) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(Error::validation(
            "body",
            "must be 1 to 4000 characters long",
        ));
    }
    Ok(text.to_owned())
}

fn taken(error: Error) -> Error {
    match error {
        Error::Conflict { constraint, .. } => Error::Conflict {
            constraint,
            message: "this shortcut is already in use".into(),
        },
        other => other,
    }
}

/// Whether `actor` may change a response: its owner, or a lead of its line.
async fn may_change(conn: &mut Conn, actor: &User, response: &CannedResponse) -> Result<bool> {
    if response.owner_id == Some(actor.id) {
        return Ok(true);
    }
    let Some(line) = response.line_id else {
        return Ok(false);
    };
    if matches!(actor.role, Role::Admin | Role::Supervisor) {
        return Ok(true);
    }
    Ok(lines::supervisors(conn, line).await?.contains(&actor.id))
}

impl OpenLines {
    /// Creates a response on `line` (its leads) or, without a line, the caller's own.
    pub async fn create_canned(
        &self,
        actor: &User,
        line: Option<LineId>,
        raw_shortcut: &str,
        raw_body: &str,
    ) -> Result<CannedResponse> {
        let now = now();
        let response = CannedResponse {
            id: CannedResponseId::new(),
            line_id: line,
            owner_id: line.is_none().then_some(actor.id),
            shortcut: shortcut(raw_shortcut)?,
            body: body(raw_body)?,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        if let Some(line) = line {
            lines::get_line(&mut tx, line)
                .await?
                .ok_or_else(|| Error::validation("line_id", "no such line"))?;
            if !may_change(&mut tx, actor, &response).await? {
                return Err(Error::Forbidden(
                    "only the line's supervisors and admins keep its canned responses".into(),
                ));
            }
        }
        canned::insert(&mut tx, &response).await.map_err(taken)?;
        tx.commit().await?;
        Ok(response)
    }

    /// The caller's own responses and those of the lines they serve, by shortcut prefix.
    pub async fn canned(&self, actor: &User, prefix: &str) -> Result<Vec<CannedResponse>> {
        let prefix = prefix.trim().trim_start_matches('/').to_lowercase();
        let mut conn = self.store.acquire().await?;
        let served = lines::lines_of(&mut conn, actor.id).await?;
        canned::visible(&mut conn, actor.id, &served, &prefix, LOOKUP_LIMIT).await
    }

    /// Every response shared on `line`, for those who keep them (its leads).
    pub async fn line_canned(&self, actor: &User, line: LineId) -> Result<Vec<CannedResponse>> {
        let mut conn = self.store.acquire().await?;
        lines::get_line(&mut conn, line)
            .await?
            .ok_or_else(|| Error::validation("line_id", "no such line"))?;
        let leads = matches!(actor.role, Role::Admin | Role::Supervisor)
            || lines::supervisors(&mut conn, line)
                .await?
                .contains(&actor.id);
        if !leads {
            return Err(Error::Forbidden(
                "only the line's supervisors and admins keep its canned responses".into(),
            ));
        }
        canned::of_line(&mut conn, line, LINE_LIMIT).await
    }

    pub async fn update_canned(
        &self,
        actor: &User,
        id: CannedResponseId,
        raw_shortcut: Option<&str>,
        raw_body: Option<&str>,
    ) -> Result<CannedResponse> {
        let mut tx = self.store.begin().await?;
        let mut response = self.changeable(&mut tx, actor, id).await?;
        if let Some(raw) = raw_shortcut {
            response.shortcut = shortcut(raw)?;
        }
        if let Some(raw) = raw_body {
            response.body = body(raw)?;
        }
        response.updated_at = now();
        canned::update(&mut tx, &response).await.map_err(taken)?;
        tx.commit().await?;
        Ok(response)
    }

    pub async fn delete_canned(&self, actor: &User, id: CannedResponseId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.changeable(&mut tx, actor, id).await?;
        canned::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn changeable(
        &self,
        tx: &mut Conn,
        actor: &User,
        id: CannedResponseId,
    ) -> Result<CannedResponse> {
        let response = canned::get(tx, id)
            .await?
            .ok_or(Error::not_found("canned response"))?;
        if !may_change(tx, actor, &response).await? {
            return Err(Error::not_found("canned response"));
        }
        Ok(response)
    }
}
