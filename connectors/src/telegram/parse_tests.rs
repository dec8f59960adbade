use super::*;

fn message_of(update: ParsedUpdate) -> InboundMessage {
    match update.event {
        Some(UpdateEvent::Message(message)) => *message,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn a_private_text_message_is_normalized() {
    let body = br#"{"update_id":10,"message":{"message_id":5,"date":1700000000,
        "chat":{"id":42,"type":"private","first_name":"Ann"},
        "from":{"id":42,"is_bot":false,"first_name":"Ann","last_name":"Lee","username":"ann"},
        "text":"Hello"}}"#;
    let message = message_of(parse_update("666", body).unwrap());
    assert_eq!(message.chat_id, "42");
    assert_eq!(message.chat_kind, ChatKind::Private);
    assert_eq!(message.message_id, "5");
    assert_eq!(message.dedup_key, "telegram:666:10");
    assert_eq!(message.sender.display_name, "Ann Lee");
    assert_eq!(message.sender.username.as_deref(), Some("ann"));
    assert_eq!(message.text, "Hello");
    assert_eq!(message.sent_at.millis(), 1_700_000_000_000);
    assert!(!message.edited);
}

#[test]
fn a_photo_keeps_its_caption_and_largest_size() {
    let body = br#"{"update_id":11,"message":{"message_id":6,"date":1700000000,
        "chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ann"},
        "caption":"see this","photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90},
        {"file_id":"big","file_unique_id":"b","width":800,"height":800,"file_size":51234}]}}"#;
    let message = message_of(parse_update("666", body).unwrap());
    assert_eq!(message.text, "see this");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].file_ref, "big");
    assert_eq!(message.attachments[0].kind, InboundAttachmentKind::Photo);
}

#[test]
fn documents_and_voice_notes_become_attachments() {
    let body = r#"{"update_id":12,"message":{"message_id":7,"date":1700000000,
        "chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ann"},
        "document":{"file_id":"doc1","file_unique_id":"d","file_name":"счёт.pdf","mime_type":"application/pdf","file_size":1000}}}"#;
    let message = message_of(parse_update("666", body.as_bytes()).unwrap());
    assert_eq!(message.text, "");
    assert_eq!(
        message.attachments[0].file_name.as_deref(),
        Some("счёт.pdf")
    );
    let voice = br#"{"update_id":13,"message":{"message_id":8,"date":1700000000,
        "chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ann"},
        "voice":{"file_id":"v1","file_unique_id":"v","duration":3,"mime_type":"audio/ogg"}}}"#;
    let message = message_of(parse_update("666", voice).unwrap());
    assert_eq!(message.attachments[0].kind, InboundAttachmentKind::Voice);
}

#[test]
fn an_edit_and_a_reply_are_marked() {
    let body = br#"{"update_id":14,"edited_message":{"message_id":5,"date":1700000000,"edit_date":1700000100,
        "chat":{"id":-1001,"type":"supergroup","title":"Clients"},"from":{"id":42,"first_name":"Ann"},
        "text":"Hello again","reply_to_message":{"message_id":3,"date":1,"chat":{"id":-1001,"type":"supergroup"}}}}"#;
    let message = message_of(parse_update("666", body).unwrap());
    assert!(message.edited);
    assert_eq!(message.chat_kind, ChatKind::Group);
    assert_eq!(message.chat_title.as_deref(), Some("Clients"));
    assert_eq!(message.reply_to.as_deref(), Some("3"));
}

#[test]
fn a_user_blocking_the_bot_is_reported() {
    let body = br#"{"update_id":15,"my_chat_member":{"chat":{"id":42,"type":"private"},
        "from":{"id":42,"first_name":"Ann"},"date":1700000000,
        "old_chat_member":{"status":"member","user":{"id":666,"is_bot":true,"first_name":"Bot"}},
        "new_chat_member":{"status":"kicked","user":{"id":666,"is_bot":true,"first_name":"Bot"}}}}"#;
    let update = parse_update("666", body).unwrap();
    assert_eq!(
        update.event,
        Some(UpdateEvent::Blocked {
            chat_id: "42".into()
        })
    );
}

#[test]
fn bots_empty_messages_and_other_updates_are_ignored() {
    let from_bot =
        br#"{"update_id":16,"message":{"message_id":9,"date":1,"chat":{"id":1,"type":"private"},
        "from":{"id":7,"is_bot":true,"first_name":"B"},"text":"hi"}}"#;
    assert_eq!(parse_update("666", from_bot).unwrap().event, None);
    let callback = br#"{"update_id":17,"callback_query":{"id":"1"}}"#;
    assert_eq!(
        parse_update("666", callback).unwrap(),
        ParsedUpdate {
            update_id: 17,
            event: None
        }
    );
}

#[test]
fn garbage_is_an_error() {
    assert!(parse_update("666", b"{\"message\":").is_err());
    assert!(parse_update("666", b"{\"no_update_id\":1}").is_err());
}

#[test]
fn millisecond_dates_from_emulators_are_understood() {
    assert_eq!(timestamp(1_700_000_000_123).millis(), 1_700_000_000_123);
}
