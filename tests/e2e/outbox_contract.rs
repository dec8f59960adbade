//! The outbox contract on SQLite and PostgreSQL: replies are claimed by one worker at a
//! time, wait out rate limits, back off on faults and fail with the provider's reason.

use std::{collections::HashSet, time::Duration};

use crm_core::{
    Store,
    domain::{
        ChannelKind, DeliveryError, DisplayName, Login, MessageBody, NewMessage, NewRoom, NewUser,
        OutboundMessage, Password, Role, RoomKind,
    },
    service::{Accounts, DeliveryUpdate, MAX_ATTEMPTS, Outbox, Rooms},
};

crate::on_both_stores!(
    concurrent_workers_never_claim_the_same_reply,
    a_sent_reply_is_marked_on_its_message,
    a_rate_limited_reply_waits_for_retry_after,
    a_refused_reply_fails_with_the_providers_reason,
    temporary_faults_back_off_and_give_up_after_the_last_attempt,
    a_reply_held_by_a_dead_worker_is_taken_over_after_its_lease,
);

/// Stores `count` messages in a room and queues each as a Telegram reply.
async fn queue(store: &Store, count: usize) -> Vec<crm_core::domain::MessageId> {
    let accounts = Accounts::new(store.clone(), 3600);
    let new = NewUser {
        login: Login::parse("operator").unwrap(),
        display_name: DisplayName::parse("Operator").unwrap(),
        email: None,
        role: Role::Operator,
        department_id: None,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    let operator = accounts
        .create_user(None, new, &Default::default())
        .await
        .unwrap();
    let rooms = Rooms::new(store.clone());
    let room = rooms
        .create(NewRoom {
            kind: RoomKind::OpenLine,
            name: None,
            topic: None,
            is_private: true,
            created_by: None,
            members: vec![operator.id],
        })
        .await
        .unwrap();
    let outbox = Outbox::new(store.clone());
    let mut ids = Vec::new();
    for n in 0..count {
        let body = MessageBody::parse(&format!("reply {n}")).unwrap();
        let new = NewMessage {
            room_id: room.id,
            author_id: Some(operator.id),
            client_id: None,
            body,
            attachments: serde_json::json!([]),
            thread_root_id: None,
            reply_to_id: None,
        };
        let (message, _) = rooms.post(new).await.unwrap();
        let outbound = OutboundMessage {
            chat_id: "42".into(),
            text: format!("reply {n}"),
            reply_to: None,
            files: Vec::new(),
        };
        outbox
            .enqueue(message.id, room.id, ChannelKind::Telegram, "666", &outbound)
            .await
            .unwrap();
        ids.push(message.id);
    }
    ids
}

async fn delivery_status(
    store: &Store,
    message: crm_core::domain::MessageId,
) -> (Option<String>, Option<String>) {
    let mut conn = store.acquire().await.unwrap();
    sqlx::query_as("select delivery_status, delivery_error from messages where id = $1")
        .bind(message.to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn concurrent_workers_never_claim_the_same_reply(store: Store) {
    queue(&store, 20).await;
    let (a, b) = (Outbox::new(store.clone()), Outbox::new(store.clone()));
    let lease = Duration::from_secs(60);
    let (first, second) = tokio::join!(a.claim(20, lease), b.claim(20, lease));
    let (first, second) = (first.unwrap(), second.unwrap());
    let ids: HashSet<String> = first
        .iter()
        .chain(&second)
        .map(|item| item.id.clone())
        .collect();
    assert_eq!(
        ids.len(),
        first.len() + second.len(),
        "a row was claimed twice"
    );
    assert_eq!(ids.len(), 20);
    assert!(
        a.claim(20, lease).await.unwrap().is_empty(),
        "leased rows are not claimable"
    );
}

async fn a_sent_reply_is_marked_on_its_message(store: Store) {
    let messages = queue(&store, 1).await;
    let outbox = Outbox::new(store.clone());
    let item = outbox
        .claim(10, Duration::from_secs(60))
        .await
        .unwrap()
        .remove(0);
    assert_eq!((item.message.chat_id.as_str(), item.attempts), ("42", 1));
    assert_eq!(
        delivery_status(&store, messages[0]).await.0.as_deref(),
        Some("pending")
    );
    let update = outbox.record(&item, Ok("77".into())).await.unwrap();
    assert_eq!(
        update,
        DeliveryUpdate::Sent {
            message_id: messages[0],
            external_id: "77".into()
        }
    );
    assert_eq!(
        delivery_status(&store, messages[0]).await,
        (Some("sent".into()), None)
    );
    assert_eq!(outbox.next_due().await.unwrap(), None);
}

async fn a_rate_limited_reply_waits_for_retry_after(store: Store) {
    queue(&store, 1).await;
    let outbox = Outbox::new(store.clone());
    let item = outbox
        .claim(10, Duration::from_secs(60))
        .await
        .unwrap()
        .remove(0);
    let before = crm_core::domain::now();
    let limited = DeliveryError::RetryAfter {
        retry_after_secs: 35,
        reason: "Too Many Requests".into(),
    };
    let update = outbox.record(&item, Err(limited)).await.unwrap();
    let DeliveryUpdate::Retrying { at, .. } = update else {
        panic!("expected a retry, got {update:?}")
    };
    assert!(at.millis() >= before.millis() + 35_000);
    assert!(
        outbox
            .claim(10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(outbox.next_due().await.unwrap(), Some(at));
}

async fn a_refused_reply_fails_with_the_providers_reason(store: Store) {
    let messages = queue(&store, 1).await;
    let outbox = Outbox::new(store.clone());
    let item = outbox
        .claim(10, Duration::from_secs(60))
        .await
        .unwrap()
        .remove(0);
    let blocked = DeliveryError::Rejected {
        reason: "Forbidden: bot was blocked by the user".into(),
    };
    outbox.record(&item, Err(blocked)).await.unwrap();
    let (status, error) = delivery_status(&store, messages[0]).await;
    assert_eq!(status.as_deref(), Some("failed"));
    assert_eq!(
        error.as_deref(),
        Some("Forbidden: bot was blocked by the user")
    );
    assert!(
        outbox
            .claim(10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn temporary_faults_back_off_and_give_up_after_the_last_attempt(store: Store) {
    let messages = queue(&store, 1).await;
    let outbox = Outbox::new(store.clone());
    let mut item = outbox
        .claim(10, Duration::from_secs(60))
        .await
        .unwrap()
        .remove(0);
    let fault = || DeliveryError::Temporary {
        reason: "HTTP 502".into(),
    };
    assert!(matches!(
        outbox.record(&item, Err(fault())).await.unwrap(),
        DeliveryUpdate::Retrying { .. }
    ));
    item.attempts = MAX_ATTEMPTS;
    let update = outbox.record(&item, Err(fault())).await.unwrap();
    assert_eq!(
        update,
        DeliveryUpdate::Failed {
            message_id: messages[0],
            reason: "HTTP 502".into()
        }
    );
}

async fn a_reply_held_by_a_dead_worker_is_taken_over_after_its_lease(store: Store) {
    queue(&store, 1).await;
    let outbox = Outbox::new(store.clone());
    let first = outbox.claim(10, Duration::ZERO).await.unwrap();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = outbox.claim(10, Duration::from_secs(60)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id.as_str(), again[0].attempts),
        (first[0].id.as_str(), 2)
    );
}
