//! Rooms (where messages live) and departments (how staff are organised).

use serde::Serialize;

use super::{DepartmentId, RoomId, Timestamp, UserId};
use crate::Error;

/// Every conversation is a room of one of these kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Dm,
    Group,
    Channel,
    /// A client's conversation on an open line, served by operators.
    OpenLine,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Dm => "dm",
            RoomKind::Group => "group",
            RoomKind::Channel => "channel",
            RoomKind::OpenLine => "open_line",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "dm" => Ok(RoomKind::Dm),
            "group" => Ok(RoomKind::Group),
            "channel" => Ok(RoomKind::Channel),
            "open_line" => Ok(RoomKind::OpenLine),
            _ => Err(Error::validation(
                "kind",
                "must be one of dm, group, channel, open_line",
            )),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Room {
    pub id: RoomId,
    pub kind: RoomKind,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub is_private: bool,
    pub last_seq: i64,
    pub created_by: Option<UserId>,
    pub archived_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub is_private: bool,
    pub created_by: Option<UserId>,
    pub members: Vec<UserId>,
}

impl NewRoom {
    /// The key that makes a DM unique per pair, whichever side opens it.
    pub fn dm_key(&self) -> Option<String> {
        if self.kind != RoomKind::Dm {
            return None;
        }
        let mut pair: Vec<String> = self.members.iter().map(ToString::to_string).collect();
        pair.sort();
        Some(pair.join(":"))
    }
}

/// A room as one member sees it in their list: where they stopped reading.
#[derive(Clone, Debug, Serialize)]
pub struct RoomSummary {
    #[serde(flatten)]
    pub room: Room,
    pub last_read_seq: i64,
    pub unread: i64,
}

/// A group or channel name: 1–80 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 || length > 80 {
            return Err(Error::validation("name", "must be 1 to 80 characters long"));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::validation(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub parent_id: Option<DepartmentId>,
    pub head_user_id: Option<UserId>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dm_has_the_same_key_from_either_side() {
        let (a, b) = (UserId::new(), UserId::new());
        let room = |members| NewRoom {
            kind: RoomKind::Dm,
            name: None,
            topic: None,
            is_private: true,
            created_by: None,
            members,
        };
        assert_eq!(room(vec![a, b]).dm_key(), room(vec![b, a]).dm_key());
    }
}
