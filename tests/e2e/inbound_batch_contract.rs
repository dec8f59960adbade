//! Clients' messages stored in shared transactions (`OpenLines::receive_batch`, and the
//! gateway's writer, `OpenLines::inbound_writer`, on a connection of its own), on SQLite
//! and PostgreSQL: what the batch takes is stored exactly as one-by-one storing would store
//! it — sequences without gap or repeat, the provider's id, the contact's timeline — and
//! what it cannot take (a repeat delivery, a first message, an edit, a snoozed
//! conversation) is left to `receive`, which still handles it right afterwards.

use std::collections::HashSet;

use crm_core::{
    Store,
    domain::{
        ChannelKind, ChatKind, DisplayName, ExternalSender, InboundMessage, Login, NewUser,
        Password, Role, RoomId, Timestamp, User,
        crm::{EntityRef, TimelineCursor},
        now,
    },
    service::{Accounts, BatchItem, Deals, LinePatch, OpenLines, Rooms, Timeline},
};
use serde_json::json;

crate::on_both_stores!(
    a_batch_stores_plain_messages_and_leaves_the_rest_to_receive,
    concurrent_batches_and_single_messages_share_a_rooms_sequence,
    a_long_batch_is_stored_whole_with_its_entries_on_the_conversations_deal,
    a_batch_that_stores_nothing_leaves_its_writer_and_the_database_free
);

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

fn inbound(chat: i64, message: &str, text: &str) -> InboundMessage {
    InboundMessage {
        channel: ChannelKind::Telegram,
        account: "1".into(),
        chat_id: chat.to_string(),
        chat_kind: ChatKind::Private,
        chat_title: None,
        message_id: message.into(),
        dedup_key: format!("telegram:1:{chat}:{message}"),
        sender: ExternalSender {
            id: chat.to_string(),
            display_name: format!("Client {chat}"),
            username: None,
            phone: None,
            email: None,
        },
        text: text.into(),
        attachments: Vec::new(),
        reply_to: None,
        sent_at: now(),
        edited: false,
    }
}

struct Fixture {
    admin: User,
    operator: User,
    lines: OpenLines,
    channel: crm_core::domain::Channel,
}

async fn fixture(store: &Store) -> Fixture {
    let admin = user(store, "admin", Role::Admin).await;
    let operator = user(store, "ann", Role::Operator).await;
    let lines = OpenLines::new(store.clone());
    let line = lines
        .create_line(
            &admin,
            LinePatch {
                name: Some("Support".into()),
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
    Fixture {
        admin,
        operator,
        lines,
        channel,
    }
}

/// Opens a conversation for each of chats `1..=chats` (a first message `first_id` saying
/// "hello") and assigns them all to the operator; their rooms in chat order.
async fn open_chats(fixture: &Fixture, chats: i64, first_id: &str) -> Vec<RoomId> {
    let mut rooms = Vec::new();
    for chat in 1..=chats {
        let first = fixture
            .lines
            .receive(&fixture.channel, &inbound(chat, first_id, "hello"))
            .await
            .unwrap();
        rooms.push(first.conversation.room_id);
    }
    fixture
        .lines
        .distribute(
            fixture.channel.line_id.unwrap(),
            &HashSet::from([fixture.operator.id]),
        )
        .await
        .unwrap();
    rooms
}

/// The room's messages as `(seq, text)`, oldest first.
async fn history(store: &Store, reader: &User, room: RoomId) -> Vec<(i64, String)> {
    Rooms::new(store.clone())
        .history(reader, room, None, None, 200)
        .await
        .unwrap()
        .into_iter()
        .map(|message| (message.seq, message.body))
        .collect()
}

async fn a_batch_stores_plain_messages_and_leaves_the_rest_to_receive(store: Store) {
    // Arrange: three clients with open conversations, the third snoozed by its operator.
    let fixture = fixture(&store).await;
    let rooms = open_chats(&fixture, 3, "1").await;
    let Fixture {
        admin,
        operator,
        lines,
        channel,
    } = fixture;
    let later = Timestamp::from_millis(now().millis() + 3_600_000);
    lines.snooze(&operator, rooms[2], later).await.unwrap();
    let mut edited = inbound(1, "1", "hello, edited");
    edited.dedup_key = "telegram:1:1:1:edit".into();
    edited.edited = true;

    // Act
    let messages = [
        inbound(1, "2", "first of one"),
        inbound(2, "2", "first of two"),
        inbound(1, "3", "second of one"),
        inbound(1, "2", "first of one"), // the same delivery again, in the same batch
        inbound(2, "1", "hello"),        // delivered before the batch
        inbound(4, "1", "a new client"), // no conversation yet
        edited,
        inbound(3, "2", "wakes the snoozed one"),
    ];
    let batch: Vec<BatchItem> = messages
        .iter()
        .map(|message| BatchItem {
            channel: &channel,
            message,
        })
        .collect();
    let answers = lines.inbound_writer().receive_batch(&batch).await.unwrap();

    // Assert: the plain messages of open conversations are stored, in order.
    let taken: Vec<bool> = answers.iter().map(Option::is_some).collect();
    assert_eq!(taken, [true, true, true, false, false, false, false, false]);
    let first = answers[0].as_ref().unwrap();
    assert_eq!(first.conversation.room_id, rooms[0]);
    let message = first.message.as_ref().unwrap();
    assert_eq!(message.external_id.as_deref(), Some("2"));
    assert_eq!(message.sender_name.as_deref(), Some("Client 1"));
    assert_eq!(
        history(&store, &operator, rooms[0]).await,
        [
            (1, "hello".to_owned()),
            (2, "first of one".to_owned()),
            (3, "second of one".to_owned())
        ]
    );
    assert_eq!(
        history(&store, &operator, rooms[1]).await,
        [(1, "hello".to_owned()), (2, "first of two".to_owned())]
    );
    // Each stored message is on the client's timeline.
    let contact = lines
        .receive(&channel, &inbound(1, "3", "second of one"))
        .await
        .unwrap()
        .conversation
        .contact_id
        .unwrap();
    let timeline = Timeline::new(store.clone())
        .page(&admin, EntityRef::contact(contact), None, 50)
        .await
        .unwrap();
    let texts: Vec<&str> = timeline
        .entries
        .iter()
        .filter_map(|entry| entry.payload["text"].as_str())
        .collect();
    assert_eq!(texts, ["second of one", "first of one", "hello"]);

    // What the batch left, `receive` handles: repeats are recognised, the rest stored.
    for (index, message) in messages.iter().enumerate().skip(3) {
        let received = lines.receive(&channel, message).await.unwrap();
        let stored = received.message.is_some();
        assert_eq!(stored, index >= 5, "message {index}");
    }
    assert_eq!(
        history(&store, &operator, rooms[2]).await,
        [
            (1, "hello".to_owned()),
            (2, "wakes the snoozed one".to_owned())
        ]
    );
    assert_eq!(
        history(&store, &operator, rooms[0]).await[0],
        (1, "hello, edited".to_owned())
    );
    // A repeat of a batch-stored delivery is recognised by `receive` too.
    let again = lines
        .receive(&channel, &inbound(2, "2", "first of two"))
        .await
        .unwrap();
    assert!(again.message.is_none());
}

async fn concurrent_batches_and_single_messages_share_a_rooms_sequence(store: Store) {
    // Arrange: two clients with open conversations.
    let fixture = fixture(&store).await;
    let rooms = open_chats(&fixture, 2, "0").await;
    let Fixture {
        operator,
        lines,
        channel,
        ..
    } = fixture;

    // Act: four batches of 20 and 20 single messages at once, into both rooms; two of the
    // batches from writers (their own connection on SQLite), two on pooled connections.
    let batches: Vec<Vec<InboundMessage>> = (0..4)
        .map(|batch| {
            (0..20)
                .map(|n| {
                    let id = format!("b{batch}-{n}");
                    inbound(1 + n % 2, &id, &id)
                })
                .collect()
        })
        .collect();
    let singles: Vec<InboundMessage> = (0..20)
        .map(|n| {
            let id = format!("s{n}");
            inbound(1 + n % 2, &id, &id)
        })
        .collect();
    let batched =
        futures_util::future::join_all(batches.iter().enumerate().map(|(n, messages)| {
            let lines = lines.clone();
            let channel = channel.clone();
            async move {
                let items: Vec<BatchItem> = messages
                    .iter()
                    .map(|message| BatchItem {
                        channel: &channel,
                        message,
                    })
                    .collect();
                if n % 2 == 0 {
                    lines.inbound_writer().receive_batch(&items).await
                } else {
                    lines.receive_batch(&items).await
                }
            }
        }));
    let single = futures_util::future::join_all(
        singles
            .iter()
            .map(|message| lines.receive(&channel, message)),
    );
    let (batched, single) = tokio::join!(batched, single);

    // Assert: every message stored once; each room's sequence is 1..=n without a gap.
    for answers in batched {
        assert!(answers.unwrap().iter().all(Option::is_some));
    }
    for received in single {
        assert!(received.unwrap().message.is_some());
    }
    let mut texts = HashSet::new();
    for room in rooms {
        let stored = history(&store, &operator, room).await;
        assert_eq!(stored.len(), 51);
        let seqs: Vec<i64> = stored.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(seqs, (1..=51).collect::<Vec<_>>());
        texts.extend(stored.into_iter().map(|(_, text)| text));
    }
    assert_eq!(texts.len(), 101, "hello once per room is one text");
}

/// Longer than a statement's 256 messages, so the batch spans two statements (and each
/// conversation's history still fits one page).
const LONG_BATCH: i64 = 300;

async fn a_long_batch_is_stored_whole_with_its_entries_on_the_conversations_deal(store: Store) {
    // Arrange: two open conversations, the first labelled and linked to a deal.
    let fixture = fixture(&store).await;
    let rooms = open_chats(&fixture, 2, "0").await;
    let Fixture {
        admin,
        operator,
        lines,
        channel,
    } = fixture;
    let deal = Deals::new(store.clone())
        .create(
            Some(&admin),
            crate::crm_contract::sales::deal("Order", "100"),
        )
        .await
        .unwrap();
    lines
        .link_deal(&admin, rooms[0], Some(deal.id))
        .await
        .unwrap();
    for label in ["vip", "billing"] {
        lines.label(&admin, rooms[0], label, true).await.unwrap();
    }

    // Act: more messages than one statement takes (256), alternating between the two.
    let messages: Vec<InboundMessage> = (1..=LONG_BATCH)
        .map(|n| {
            let id = format!("m{n}");
            inbound(1 + n % 2, &id, &id)
        })
        .collect();
    let batch: Vec<BatchItem> = messages
        .iter()
        .map(|message| BatchItem {
            channel: &channel,
            message,
        })
        .collect();
    let answers = lines.inbound_writer().receive_batch(&batch).await.unwrap();

    // Assert: every message stored in order; the linked conversation's answers carry its
    // labels and deal, its entries are on the deal's timeline; the other's are not.
    for (message, answer) in messages.iter().zip(&answers) {
        let answer = answer.as_ref().expect("stored by the batch");
        let linked = answer.conversation.room_id == rooms[0];
        assert_eq!(answer.conversation.deal_id.is_some(), linked);
        let labels: &[&str] = if linked { &["billing", "vip"] } else { &[] };
        assert_eq!(answer.conversation.labels, labels);
        assert_eq!(answer.message.as_ref().unwrap().body, message.text);
    }
    for (room, parity) in rooms.iter().zip([0, 1]) {
        let stored = history(&store, &operator, *room).await;
        let mut expected = vec![(1, "hello".to_owned())];
        expected.extend(
            (1..=LONG_BATCH)
                .filter(|n| n % 2 == parity)
                .zip(2..)
                .map(|(n, seq)| (seq, format!("m{n}"))),
        );
        assert_eq!(stored, expected);
    }
    let mut on_deal = Vec::new();
    let mut cursor = None;
    loop {
        let page = Timeline::new(store.clone())
            .page(&admin, EntityRef::deal(deal.id), cursor, 100)
            .await
            .unwrap();
        on_deal.extend(
            page.entries
                .iter()
                .filter_map(|entry| entry.payload["text"].as_str().map(str::to_owned)),
        );
        if page.next_cursor.is_none() {
            break;
        }
        cursor = page.entries.last().map(TimelineCursor::after);
    }
    let said: HashSet<String> = on_deal.into_iter().filter(|t| t.starts_with('m')).collect();
    let expected: HashSet<String> = (1..=LONG_BATCH)
        .filter(|n| n % 2 == 0)
        .map(|n| format!("m{n}"))
        .collect();
    assert_eq!(said, expected);
}

async fn a_batch_that_stores_nothing_leaves_its_writer_and_the_database_free(store: Store) {
    // Arrange: two clients, the first one's conversation snoozed, so the batch finds it
    // and then leaves it to `receive`.
    let fixture = fixture(&store).await;
    let rooms = open_chats(&fixture, 2, "1").await;
    let later = Timestamp::from_millis(now().millis() + 3_600_000);
    fixture
        .lines
        .snooze(&fixture.operator, rooms[0], later)
        .await
        .unwrap();
    let mut writer = fixture.lines.inbound_writer();
    let batch = |message| {
        vec![BatchItem {
            channel: &fixture.channel,
            message,
        }]
    };

    // Act
    let to_snoozed = inbound(1, "2", "are you there?");
    let nothing = writer.receive_batch(&batch(&to_snoozed)).await.unwrap();
    let plain = inbound(2, "2", "thanks");
    let next = writer.receive_batch(&batch(&plain)).await.unwrap();
    let alone = fixture.lines.receive(&fixture.channel, &to_snoozed).await;

    // Assert: the writer stored the next batch, and a writer elsewhere was not kept waiting.
    assert!(nothing[0].is_none());
    assert!(next[0].is_some(), "the next batch stored nothing");
    if let Err(error) = alone {
        panic!("the message alone was not stored: {error}");
    }
    assert_eq!(
        history(&store, &fixture.operator, rooms[1]).await,
        [(1, "hello".to_owned()), (2, "thanks".to_owned())]
    );
    assert_eq!(history(&store, &fixture.operator, rooms[0]).await.len(), 2);
}
