//! The website widget as a channel: what a visitor sends over its socket becomes a normalized
//! `InboundMessage`, the visitor being the provider user and chat. The visitor's client id
//! is the provider's message id, so a resend of the same client id is one delivery.
//! Delivery the other way needs no provider call: the gateway publishes the reply to the
//! visitor's topic on the bus.

use crm_core::domain::{ChannelKind, ChatKind, ExternalSender, InboundMessage, Timestamp, Visitor};

/// Longest client id accepted, like the staff socket's.
pub const MAX_CLIENT_ID: usize = 64;

/// What makes one visitor message unique across resends.
pub fn dedup_key(account: &str, visitor: &Visitor, client_id: &str) -> String {
    format!("widget:{account}:{}:{client_id}", visitor.id)
}

/// A visitor's message, normalized; `account` is the channel's public id. The pre-chat
/// details travel with every message so the contact gets them however it is first found.
pub fn inbound(
    account: &str,
    visitor: &Visitor,
    client_id: &str,
    text: &str,
    sent_at: Timestamp,
) -> InboundMessage {
    let chat_id = visitor.id.to_string();
    InboundMessage {
        channel: ChannelKind::Widget,
        account: account.to_owned(),
        chat_id: chat_id.clone(),
        chat_kind: ChatKind::Private,
        chat_title: None,
        message_id: client_id.to_owned(),
        dedup_key: dedup_key(account, visitor, client_id),
        sender: ExternalSender {
            id: chat_id,
            display_name: visitor.display_name(),
            username: None,
            phone: visitor.details.phone.clone(),
            email: visitor.details.email.clone(),
        },
        text: text.to_owned(),
        attachments: Vec::new(),
        reply_to: None,
        sent_at,
        edited: false,
    }
}

#[cfg(test)]
mod tests {
    use crm_core::domain::{ChannelId, VisitorDetails, VisitorId, now};

    use super::*;

    #[test]
    fn a_visitor_message_carries_the_form_details_and_a_stable_dedup_key() {
        let visitor = Visitor {
            id: VisitorId::new(),
            channel_id: ChannelId::new(),
            details: VisitorDetails {
                name: Some("Anna".into()),
                email: Some("anna@example.com".into()),
                phone: Some("+79123456789".into()),
            },
            created_at: now(),
        };
        let first = inbound("pub1", &visitor, "c-1", "hello", now());
        let again = inbound("pub1", &visitor, "c-1", "hello", now());
        assert_eq!(first.dedup_key, again.dedup_key);
        assert_eq!(first.chat_id, visitor.id.to_string());
        assert_eq!(first.sender.id, first.chat_id);
        assert_eq!(first.sender.display_name, "Anna");
        assert_eq!(first.sender.email.as_deref(), Some("anna@example.com"));
        assert_eq!(first.sender.phone.as_deref(), Some("+79123456789"));
        assert_ne!(
            first.dedup_key,
            inbound("pub1", &visitor, "c-2", "x", now()).dedup_key
        );
    }
}
