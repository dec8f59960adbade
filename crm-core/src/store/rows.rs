//! Database rows and their conversion into domain values. Rows never leave `store`.

use std::str::FromStr;

use crate::{
    Error, Result,
    domain::{Department, Login, Message, MessageKind, Role, Room, RoomKind, Timestamp, User},
};

/// Parses a stored id; a malformed one means the database was edited by hand.
pub(super) fn parse_id<T: FromStr<Err = Error>>(raw: &str) -> Result<T> {
    raw.parse()
        .map_err(|_| Error::Internal(format!("malformed id in database: {raw}").into()))
}

pub(super) fn parse_opt_id<T: FromStr<Err = Error>>(raw: Option<&str>) -> Result<Option<T>> {
    raw.map(parse_id).transpose()
}

macro_rules! user_columns {
    () => {
        "id, login, display_name, email, role, department_id, password_hash, must_change_password, disabled_at, created_at"
    };
}
pub(super) use user_columns;

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub department_id: Option<String>,
    pub password_hash: String,
    pub must_change_password: i64,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

impl UserRow {
    pub fn into_user(self) -> Result<(User, String)> {
        let user = User {
            id: parse_id(&self.id)?,
            login: Login::parse(&self.login)?,
            display_name: self.display_name,
            email: self.email,
            role: Role::parse(&self.role)?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            must_change_password: self.must_change_password != 0,
            disabled: self.disabled_at.is_some(),
            created_at: Timestamp::from_millis(self.created_at),
        };
        Ok((user, self.password_hash))
    }
}

macro_rules! department_columns {
    () => {
        "id, name, parent_id, head_user_id, created_at"
    };
}
pub(super) use department_columns;

#[derive(sqlx::FromRow)]
pub(super) struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub head_user_id: Option<String>,
    pub created_at: i64,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = Error;

    fn try_from(row: DepartmentRow) -> Result<Self> {
        Ok(Department {
            id: parse_id(&row.id)?,
            name: row.name,
            parent_id: parse_opt_id(row.parent_id.as_deref())?,
            head_user_id: parse_opt_id(row.head_user_id.as_deref())?,
            created_at: Timestamp::from_millis(row.created_at),
        })
    }
}

macro_rules! room_columns {
    () => {
        "id, kind, name, topic, is_private, last_seq, created_by, archived_at, created_at"
    };
}
pub(super) use room_columns;

#[derive(sqlx::FromRow)]
pub(super) struct RoomRow {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub is_private: i64,
    pub last_seq: i64,
    pub created_by: Option<String>,
    pub archived_at: Option<i64>,
    pub created_at: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = Error;

    fn try_from(row: RoomRow) -> Result<Self> {
        Ok(Room {
            id: parse_id(&row.id)?,
            kind: RoomKind::parse(&row.kind)?,
            name: row.name,
            topic: row.topic,
            is_private: row.is_private != 0,
            last_seq: row.last_seq,
            created_by: parse_opt_id(row.created_by.as_deref())?,
            archived_at: row.archived_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(row.created_at),
        })
    }
}

macro_rules! message_columns {
    () => {
        "id, room_id, seq, client_id, author_id, body, attachments, \
     thread_root_id, reply_count, last_reply_at, delivery_status, delivery_error, external_id, \
     sender_name, kind, edited_at, deleted_at, created_at, meta, reply_to_id"
    };
}
pub(super) use message_columns;

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    pub id: String,
    pub room_id: String,
    pub seq: i64,
    pub client_id: Option<String>,
    pub author_id: Option<String>,
    pub body: String,
    pub attachments: String,
    pub thread_root_id: Option<String>,
    pub reply_count: i64,
    pub last_reply_at: Option<i64>,
    pub delivery_status: Option<String>,
    pub delivery_error: Option<String>,
    pub external_id: Option<String>,
    pub sender_name: Option<String>,
    pub kind: String,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub meta: Option<String>,
    pub reply_to_id: Option<String>,
}

impl TryFrom<MessageRow> for Message {
    type Error = Error;

    fn try_from(row: MessageRow) -> Result<Self> {
        let attachments = serde_json::from_str(&row.attachments)
            .map_err(|_| Error::Internal("malformed attachments in database".into()))?;
        Ok(Message {
            id: parse_id(&row.id)?,
            room_id: parse_id(&row.room_id)?,
            seq: row.seq,
            client_id: row.client_id,
            author_id: parse_opt_id(row.author_id.as_deref())?,
            body: row.body,
            attachments,
            thread_root_id: parse_opt_id(row.thread_root_id.as_deref())?,
            reply_to_id: parse_opt_id(row.reply_to_id.as_deref())?,
            reply_count: row.reply_count,
            last_reply_at: row.last_reply_at.map(Timestamp::from_millis),
            delivery_status: row.delivery_status,
            delivery_error: row.delivery_error,
            external_id: row.external_id,
            sender_name: row.sender_name,
            kind: MessageKind::parse(&row.kind)?,
            edited_at: row.edited_at.map(Timestamp::from_millis),
            deleted_at: row.deleted_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(row.created_at),
            meta: row
                .meta
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| Error::Internal("malformed message meta in database".into()))?,
            reactions: Vec::new(),
        })
    }
}
