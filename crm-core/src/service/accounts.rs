//! Accounts: first-run bootstrap, users, departments, login, sessions and their revocation.

use serde_json::json;

use super::{password, tokens::SessionToken};
use crate::{
    Error, Result, Store,
    domain::{
        AuditId, Department, DepartmentId, DisplayName, Login, NewUser, Password, Role, SessionId,
        Timestamp, User, UserId, now,
    },
    store::{
        AuditEntry, NewAuditEntry, NewDepartment, SessionRecord, audit_store, department_store,
        insert_audit, session_store, user_store,
    },
};

/// Where a request came from, for sessions and the audit log.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub addr: Option<String>,
    pub user_agent: Option<String>,
}

/// What an admin changes on an account: `None` keeps; for the department `Some(None)` clears.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub role: Option<Role>,
    pub department_id: Option<Option<DepartmentId>>,
}

/// What an admin changes on a department: `None` keeps; `Some(None)` clears parent or head.
#[derive(Clone, Debug, Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub parent_id: Option<Option<DepartmentId>>,
    pub head_user_id: Option<Option<UserId>>,
}

pub struct LoginOutcome {
    pub token: SessionToken,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
    pub user: User,
}

#[derive(Clone)]
pub struct Accounts {
    store: Store,
    session_ttl_seconds: i64,
}

impl Accounts {
    pub fn new(store: Store, session_ttl_seconds: i64) -> Self {
        Self {
            store,
            session_ttl_seconds,
        }
    }

    /// On an empty database, creates the first admin with a generated password and returns
    /// the login and password to show once. Returns `None` when any user exists.
    pub async fn bootstrap_admin(&self) -> Result<Option<(Login, Password)>> {
        let mut tx = self.store.begin().await?;
        if user_store::count(&mut tx).await? > 0 {
            return Ok(None);
        }
        let password = Password::generate();
        let login = Login::parse("admin")?;
        let new = NewUser {
            login: login.clone(),
            display_name: DisplayName::parse("Administrator")?,
            email: None,
            role: Role::Admin,
            department_id: None,
            password: Password::parse(password.expose())?,
            must_change_password: true,
        };
        let id = insert_user(&mut tx, new).await?;
        audit(
            &mut tx,
            None,
            "user.bootstrap",
            id,
            json!({"role": "admin"}),
            None,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user.id = %id, "first administrator created");
        Ok(Some((login, password)))
    }

    /// Creates an account. Only admins may, except for the command line (`actor` is `None`).
    pub async fn create_user(
        &self,
        actor: Option<&User>,
        new: NewUser,
        client: &ClientInfo,
    ) -> Result<User> {
        if let Some(actor) = actor {
            require_admin(actor)?;
        }
        let mut tx = self.store.begin().await?;
        if let Some(department) = new.department_id {
            department_store::get(&mut tx, department)
                .await?
                .ok_or_else(|| Error::validation("department_id", "no such department"))?;
        }
        let role = new.role;
        let id = insert_user(&mut tx, new).await?;
        audit(
            &mut tx,
            actor.map(|a| a.id),
            "user.create",
            id,
            json!({"role": role}),
            client.addr.as_deref(),
        )
        .await?;
        let user = user_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("user"))?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn list_users(&self, actor: &User) -> Result<Vec<User>> {
        require_admin(actor)?;
        let mut conn = self.store.acquire().await?;
        user_store::list(&mut conn).await
    }

    /// Every enabled colleague, for anyone signed in: who to message or invite.
    pub async fn directory(&self) -> Result<Vec<User>> {
        let mut conn = self.store.acquire().await?;
        Ok(user_store::list(&mut conn)
            .await?
            .into_iter()
            .filter(|user| !user.disabled)
            .collect())
    }

    pub async fn get_user(&self, actor: &User, id: UserId) -> Result<User> {
        if actor.id != id {
            require_admin(actor)?;
        }
        let mut conn = self.store.acquire().await?;
        user_store::get(&mut conn, id)
            .await?
            .ok_or(Error::not_found("user"))
    }

    /// Checks a login and password and opens a session. Disabled accounts cannot log in.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<LoginOutcome> {
        let password = Password::attempt(password)?;
        let found = match Login::parse(login) {
            Ok(login) => {
                let mut conn = self.store.acquire().await?;
                user_store::find_by_login(&mut conn, &login).await?
            }
            Err(_) => None,
        };
        let (user, hash) = match found {
            Some(found) => (Some(found.user), Some(found.password_hash)),
            None => (None, None),
        };
        let verified = password::verify(password, hash).await?;
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            _ => return Err(Error::Unauthenticated),
        };

        let token = SessionToken::generate();
        let session_id = SessionId::new();
        let now = now();
        let expires_at = now.plus_seconds(self.session_ttl_seconds);
        let mut tx = self.store.begin().await?;
        session_store::insert(
            &mut tx,
            session_store::InsertSession {
                id: session_id,
                user_id: user.id,
                token_hash: &token.hash(),
                client_addr: client.addr.as_deref(),
                user_agent: client.user_agent.as_deref(),
                expires_at,
                now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome {
            token,
            session_id,
            expires_at,
            user,
        })
    }

    /// The live session a bearer token belongs to, or `Unauthenticated`.
    pub async fn authenticate(&self, token: &SessionToken) -> Result<SessionRecord> {
        let now = now();
        let mut conn = self.store.acquire().await?;
        let record = session_store::find_live(&mut conn, &token.hash(), now)
            .await?
            .ok_or(Error::Unauthenticated)?;
        session_store::touch(&mut conn, record.session_id, now).await?;
        Ok(record)
    }

    pub async fn logout(&self, session: SessionId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        session_store::revoke(&mut tx, session, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of a user: an admin may do it to anyone, a user to themself.
    pub async fn revoke_sessions(
        &self,
        actor: &User,
        target: UserId,
        client: &ClientInfo,
    ) -> Result<u64> {
        if actor.id != target {
            require_admin(actor)?;
        }
        let mut tx = self.store.begin().await?;
        user_store::get(&mut tx, target)
            .await?
            .ok_or(Error::not_found("user"))?;
        let revoked = session_store::revoke_all_for_user(&mut tx, target, None, now()).await?;
        audit(
            &mut tx,
            Some(actor.id),
            "session.revoke_all",
            target,
            json!({"revoked": revoked}),
            client.addr.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Replaces the caller's password after checking the current one; other sessions end.
    pub async fn change_password(
        &self,
        actor: &User,
        current_session: SessionId,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let new = Password::parse(new)?;
        let mut conn = self.store.acquire().await?;
        let stored = user_store::find_by_login(&mut conn, &actor.login)
            .await?
            .map(|found| found.password_hash);
        drop(conn);
        if !password::verify(Password::attempt(current)?, stored).await? {
            return Err(Error::validation(
                "current_password",
                "is not the current password",
            ));
        }
        let hash = password::hash(new).await?;
        let now = now();
        let mut tx = self.store.begin().await?;
        user_store::set_password(&mut tx, actor.id, &hash, false, now).await?;
        session_store::revoke_all_for_user(&mut tx, actor.id, Some(current_session), now).await?;
        audit(
            &mut tx,
            Some(actor.id),
            "user.password_change",
            actor.id,
            json!({}),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account; disabling ends its sessions at once.
    pub async fn set_disabled(
        &self,
        actor: &User,
        target: UserId,
        disabled: bool,
        client: &ClientInfo,
    ) -> Result<User> {
        require_admin(actor)?;
        if actor.id == target && disabled {
            return Err(Error::Forbidden(
                "administrators cannot disable themselves".into(),
            ));
        }
        let now = now();
        let mut tx = self.store.begin().await?;
        if !user_store::set_disabled(&mut tx, target, disabled, now).await? {
            return Err(Error::not_found("user"));
        }
        if disabled {
            session_store::revoke_all_for_user(&mut tx, target, None, now).await?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit(
            &mut tx,
            Some(actor.id),
            action,
            target,
            json!({}),
            client.addr.as_deref(),
        )
        .await?;
        let user = user_store::get(&mut tx, target)
            .await?
            .ok_or(Error::not_found("user"))?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes an account's role or department (admins). An admin keeps their own role, so
    /// the last admin cannot lock everyone out by accident.
    pub async fn update_user(
        &self,
        actor: &User,
        target: UserId,
        patch: UserPatch,
        client: &ClientInfo,
    ) -> Result<User> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        let mut user = user_store::get(&mut tx, target)
            .await?
            .ok_or(Error::not_found("user"))?;
        if let Some(role) = patch.role {
            if actor.id == target && role != user.role {
                return Err(Error::Forbidden(
                    "administrators cannot change their own role".into(),
                ));
            }
            user.role = role;
        }
        if let Some(department) = patch.department_id {
            if let Some(id) = department {
                department_store::get(&mut tx, id)
                    .await?
                    .ok_or_else(|| Error::validation("department_id", "no such department"))?;
            }
            user.department_id = department;
        }
        user_store::set_role_and_department(&mut tx, target, user.role, user.department_id, now())
            .await?;
        audit(
            &mut tx,
            Some(actor.id),
            "user.update",
            target,
            json!({"role": user.role, "department_id": user.department_id}),
            client.addr.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn create_department(
        &self,
        actor: &User,
        new: NewDepartment,
        client: &ClientInfo,
    ) -> Result<Department> {
        require_admin(actor)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation(
                "name",
                "must be 1 to 100 characters long",
            ));
        }
        let new = NewDepartment {
            name: name.to_owned(),
            ..new
        };
        let mut tx = self.store.begin().await?;
        if let Some(parent) = new.parent_id {
            department_store::get(&mut tx, parent)
                .await?
                .ok_or_else(|| Error::validation("parent_id", "no such department"))?;
        }
        if let Some(head) = new.head_user_id {
            user_store::get(&mut tx, head)
                .await?
                .ok_or_else(|| Error::validation("head_user_id", "no such user"))?;
        }
        let id = DepartmentId::new();
        department_store::insert(&mut tx, id, &new, now()).await?;
        audit(
            &mut tx,
            Some(actor.id),
            "department.create",
            id,
            json!({"name": new.name}),
            client.addr.as_deref(),
        )
        .await?;
        let department = department_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("department"))?;
        tx.commit().await?;
        Ok(department)
    }

    /// Renames a department, moves it under another or to the top, or changes its head
    /// (admins). A department cannot be moved below itself.
    pub async fn update_department(
        &self,
        actor: &User,
        id: DepartmentId,
        patch: DepartmentPatch,
        client: &ClientInfo,
    ) -> Result<Department> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        let mut department = department_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("department"))?;
        if let Some(name) = patch.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(Error::validation(
                    "name",
                    "must be 1 to 100 characters long",
                ));
            }
            name.clone_into(&mut department.name);
        }
        if let Some(parent) = patch.parent_id {
            if let Some(parent) = parent {
                department_store::get(&mut tx, parent)
                    .await?
                    .ok_or_else(|| Error::validation("parent_id", "no such department"))?;
                if department_store::subtree(&mut tx, id)
                    .await?
                    .contains(&parent)
                {
                    return Err(Error::validation(
                        "parent_id",
                        "a department cannot be placed inside itself or its own sub-department",
                    ));
                }
            }
            department.parent_id = parent;
        }
        if let Some(head) = patch.head_user_id {
            if let Some(head) = head {
                user_store::get(&mut tx, head)
                    .await?
                    .ok_or_else(|| Error::validation("head_user_id", "no such user"))?;
            }
            department.head_user_id = head;
        }
        department_store::update(&mut tx, &department, now()).await?;
        audit(
            &mut tx,
            Some(actor.id),
            "department.update",
            id,
            json!({"name": department.name, "parent_id": department.parent_id, "head_user_id": department.head_user_id}),
            client.addr.as_deref(),
        )
        .await?;
        tx.commit().await?;
        Ok(department)
    }

    pub async fn list_departments(&self) -> Result<Vec<Department>> {
        let mut conn = self.store.acquire().await?;
        department_store::list(&mut conn).await
    }

    /// The departments a supervisor heads, with everything below them.
    pub async fn managed_departments(&self, user: &User) -> Result<Vec<DepartmentId>> {
        let mut conn = self.store.acquire().await?;
        let mut all = Vec::new();
        for head in department_store::headed_by(&mut conn, user.id).await? {
            for id in department_store::subtree(&mut conn, head).await? {
                if !all.contains(&id) {
                    all.push(id);
                }
            }
        }
        Ok(all)
    }
}

impl Accounts {
    /// The audit log, newest first, for admins.
    pub async fn audit_log(
        &self,
        actor: &User,
        before: Option<AuditId>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        require_admin(actor)?;
        let mut conn = self.store.acquire().await?;
        audit_store::list(&mut conn, before, limit.clamp(1, 500)).await
    }
}

fn require_admin(actor: &User) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this action requires the admin role".into(),
        ))
    }
}

async fn insert_user(tx: &mut crate::store::Conn, new: NewUser) -> Result<UserId> {
    let id = UserId::new();
    let hash = password::hash(new.password).await?;
    let inserted = user_store::insert(
        tx,
        user_store::InsertUser {
            id,
            login: &new.login,
            display_name: new.display_name.as_str(),
            email: new.email.as_deref(),
            role: new.role,
            department_id: new.department_id,
            password_hash: &hash,
            must_change_password: new.must_change_password,
            now: now(),
        },
    )
    .await;
    match inserted {
        Err(Error::Conflict { constraint, .. }) if constraint.contains("login") => {
            Err(Error::Conflict {
                constraint,
                message: "this login is already taken".into(),
            })
        }
        other => other.map(|()| id),
    }
}

async fn audit(
    tx: &mut crate::store::Conn,
    actor: Option<UserId>,
    action: &str,
    target: impl ToString,
    detail: serde_json::Value,
    client_addr: Option<&str>,
) -> Result<()> {
    let target_kind = action.split('.').next();
    insert_audit(
        tx,
        NewAuditEntry {
            actor_id: actor,
            action,
            target_kind,
            target_id: Some(target.to_string()),
            detail,
            client_addr,
        },
        now(),
    )
    .await
}
