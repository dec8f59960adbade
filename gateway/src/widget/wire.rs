//! What a visitor's socket and the visitor endpoints show of stored values: only what the
//! visitor may know (no staff ids, no delivery internals).

use crm_core::domain::{Message, Visitor};
use serde_json::{Value, json};

/// A message as the visitor sees it: `from` is `visitor` for its own, `operator` otherwise.
pub fn message(message: &Message) -> Value {
    let from_visitor = message.author_id.is_none();
    json!({
        "id": message.id,
        "room_id": message.room_id,
        "seq": message.seq,
        "from": if from_visitor { "visitor" } else { "operator" },
        "client_id": if from_visitor { message.external_id.as_deref() } else { None },
        "body": message.body,
        "created_at": message.created_at,
    })
}

pub fn message_frame(message: &Message) -> Value {
    json!({"type": "message", "message": self::message(message)})
}

pub fn visitor(visitor: &Visitor) -> Value {
    json!({
        "id": visitor.id,
        "name": visitor.details.name,
        "email": visitor.details.email,
        "phone": visitor.details.phone,
    })
}
