//! The bus payload for chat events: one header line the websocket sessions read without
//! parsing JSON (`kind`, room, sequence), then the frame exactly as clients receive it, so a
//! fan-out to thousands of sockets forwards one shared buffer instead of re-encoding.

use bytes::{BufMut, Bytes, BytesMut};
use crm_core::domain::{ChatEvent, RoomId};

/// What a session needs to route and deduplicate an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub room_id: Option<RoomId>,
    /// The message's sequence number for `message.created`, else 0.
    pub seq: i64,
    /// For membership events: whose membership changed.
    pub subject: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MessageCreated,
    /// The subject joined the room (or it was created with them): start receiving it.
    Joined,
    /// The subject left the room: stop receiving it.
    Left,
    Other,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::MessageCreated => "m",
            Kind::Joined => "j",
            Kind::Left => "l",
            Kind::Other => "o",
        }
    }

    fn from_code(code: &str) -> Self {
        match code {
            "m" => Kind::MessageCreated,
            "j" => Kind::Joined,
            "l" => Kind::Left,
            _ => Kind::Other,
        }
    }
}

pub fn encode_event(event: &ChatEvent) -> Bytes {
    let (kind, seq, subject) = match event {
        ChatEvent::MessageCreated { message } => (Kind::MessageCreated, message.seq, None),
        ChatEvent::MemberJoined { user_id, .. } => (Kind::Joined, 0, Some(user_id.to_string())),
        ChatEvent::MemberLeft { user_id, .. } => (Kind::Left, 0, Some(user_id.to_string())),
        ChatEvent::RoomCreated { .. } => (Kind::Joined, 0, None),
        _ => (Kind::Other, 0, None),
    };
    let json = serde_json::to_vec(event).unwrap_or_default();
    encode(
        &Header {
            kind,
            room_id: Some(event.room_id()),
            seq,
            subject,
        },
        &json,
    )
}

/// A message frame in another shape than `message.created` (a widget visitor's), with the
/// room and sequence a session needs to deliver it in order.
pub fn encode_message(room: RoomId, seq: i64, json: &[u8]) -> Bytes {
    encode(
        &Header {
            kind: Kind::MessageCreated,
            room_id: Some(room),
            seq,
            subject: None,
        },
        json,
    )
}

/// Any other frame (presence, notifications) with no routing information.
pub fn encode_plain(json: &[u8]) -> Bytes {
    encode(
        &Header {
            kind: Kind::Other,
            room_id: None,
            seq: 0,
            subject: None,
        },
        json,
    )
}

fn encode(header: &Header, json: &[u8]) -> Bytes {
    let room = header.room_id.map(|id| id.to_string()).unwrap_or_default();
    let subject = header.subject.as_deref().unwrap_or_default();
    let line = format!(
        "{}\t{room}\t{}\t{subject}\n",
        header.kind.code(),
        header.seq
    );
    let mut buffer = BytesMut::with_capacity(line.len() + json.len());
    buffer.put_slice(line.as_bytes());
    buffer.put_slice(json);
    buffer.freeze()
}

/// Splits a payload into its header and the JSON frame (sharing the buffer).
pub fn decode(payload: &Bytes) -> Option<(Header, Bytes)> {
    let end = payload.iter().position(|byte| *byte == b'\n')?;
    let line = std::str::from_utf8(&payload[..end]).ok()?;
    let mut fields = line.split('\t');
    let kind = Kind::from_code(fields.next()?);
    let room_id = match fields.next()? {
        "" => None,
        raw => Some(raw.parse().ok()?),
    };
    let seq = fields.next()?.parse().ok()?;
    let subject = fields.next().filter(|s| !s.is_empty()).map(str::to_owned);
    Some((
        Header {
            kind,
            room_id,
            seq,
            subject,
        },
        payload.slice(end + 1..),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::domain::UserId;

    #[test]
    fn a_membership_event_round_trips_with_its_subject() {
        let (room_id, user_id) = (RoomId::new(), UserId::new());
        let payload = encode_event(&ChatEvent::MemberJoined { room_id, user_id });
        let (header, json) = decode(&payload).unwrap();
        assert_eq!(
            header,
            Header {
                kind: Kind::Joined,
                room_id: Some(room_id),
                seq: 0,
                subject: Some(user_id.to_string())
            }
        );
        let frame: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(frame["type"], "member.joined");
    }

    #[test]
    fn a_plain_frame_has_no_room() {
        let (header, json) = decode(&encode_plain(br#"{"type":"presence"}"#)).unwrap();
        assert_eq!((header.kind, header.room_id), (Kind::Other, None));
        assert_eq!(&json[..], br#"{"type":"presence"}"#);
    }
}
