//! The line timers on SQLite and PostgreSQL: with several nodes passing over the same due
//! conversations at once, each breach and each auto-close is acted on exactly once.

use std::collections::HashSet;

use crm_core::{
    Store,
    domain::{
        ChannelKind, ChatEvent, ChatKind, DisplayName, ExternalSender, InboundMessage, Login,
        NewUser, Password, Role, Timestamp, User, now,
    },
    service::{Accounts, LinePatch, OpenLines, TimerPass},
};
use serde_json::json;

crate::on_both_stores!(concurrent_timer_passes_act_on_each_due_conversation_once);

async fn user(store: &Store, login: &str, role: Role) -> User {
    let new = NewUser {
        login: Login::parse(login).unwrap(),
        display_name: DisplayName::parse(login).unwrap(),
        email: None,
        role,
        department_id: None,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    Accounts::new(store.clone(), 3600)
        .create_user(None, new, &Default::default())
        .await
        .unwrap()
}

fn inbound(chat: i64) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Telegram,
        account: "1".into(),
        chat_id: chat.to_string(),
        chat_kind: ChatKind::Private,
        chat_title: None,
        message_id: chat.to_string(),
        dedup_key: format!("telegram:1:{chat}"),
        sender: ExternalSender {
            id: chat.to_string(),
            display_name: format!("Client {chat}"),
            username: None,
            phone: None,
            email: None,
        },
        text: "hello".into(),
        attachments: Vec::new(),
        reply_to: None,
        sent_at: now(),
        edited: false,
    }
}

fn count(passes: &[TimerPass], matches: impl Fn(&ChatEvent) -> bool) -> usize {
    passes
        .iter()
        .flat_map(|pass| &pass.changes)
        .flat_map(|change| &change.events)
        .filter(|event| matches(event))
        .count()
}

async fn concurrent_timer_passes_act_on_each_due_conversation_once(store: Store) {
    // Arrange: a line with a one-second SLA and a five-minute auto-close; ten conversations
    // assigned and never answered, so each has an SLA due.
    let admin = user(&store, "admin", Role::Admin).await;
    let operator = user(&store, "ann", Role::Operator).await;
    let lines = OpenLines::new(store.clone());
    let line = lines
        .create_line(
            &admin,
            LinePatch {
                name: Some("Support".into()),
                sla_seconds: Some(1),
                auto_close_minutes: Some(5),
                operators: Some(vec![operator.id]),
                ..LinePatch::default()
            },
        )
        .await
        .unwrap();
    let channel = lines
        .add_channel(
            &admin,
            line.id,
            ChannelKind::Telegram,
            "1",
            "bot",
            json!({}),
        )
        .await
        .unwrap();
    for chat in 0..10 {
        lines.receive(&channel, &inbound(chat)).await.unwrap();
    }
    let available = HashSet::from([operator.id]);
    assert_eq!(
        lines.distribute(line.id, &available).await.unwrap().len(),
        10
    );

    // Act: four nodes pass over the timers at once, an hour from now.
    let later = Timestamp::from_millis(now().millis() + 3_600_000);
    let passes = futures_util::future::join_all((0..4).map(|_| lines.run_timers(later))).await;
    let passes: Vec<TimerPass> = passes.into_iter().map(Result::unwrap).collect();

    // Assert: ten breaches in all, none twice.
    let mut breached = HashSet::new();
    for pass in &passes {
        for change in &pass.changes {
            for event in &change.events {
                if let ChatEvent::SlaBreached { conversation, .. } = event {
                    assert!(breached.insert(conversation.room_id), "breached twice");
                }
            }
        }
    }
    assert_eq!(breached.len(), 10);

    // Reassigned and answered, each is auto-closed once by concurrent passes.
    assert_eq!(
        lines.distribute(line.id, &available).await.unwrap().len(),
        10
    );
    let rooms = crm_core::service::Rooms::new(store.clone());
    for room in &breached {
        rooms
            .send(
                &operator,
                *room,
                None,
                crm_core::domain::MessageBody::parse("answer").unwrap(),
                Vec::new(),
                crm_core::domain::MessageLinks::default(),
            )
            .await
            .unwrap();
    }
    let passes = futures_util::future::join_all((0..4).map(|_| lines.run_timers(later))).await;
    let passes: Vec<TimerPass> = passes.into_iter().map(Result::unwrap).collect();
    let closes = count(&passes, |event| {
        matches!(event, ChatEvent::ConversationUpdated { conversation }
            if conversation.status == crm_core::domain::ConversationStatus::Closed)
    });
    assert_eq!(closes, 10);
    assert_eq!(
        count(&passes, |e| matches!(e, ChatEvent::SlaBreached { .. })),
        0
    );
}
