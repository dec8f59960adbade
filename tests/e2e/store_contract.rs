//! The storage contract: one suite of behaviours, written once against `Store` and the
//! services, run on SQLite and on PostgreSQL (`store_contract::sqlite::*`,
//! `store_contract::postgres::*`).

use std::time::Duration;

use crm_core::{
    Error, Store,
    domain::{
        DisplayName, Login, MessageBody, NewMessage, NewRoom, NewUser, Password, Role, RoomKind,
        User,
    },
    service::{Accounts, ClientInfo, Rooms, SessionToken},
    store::{Backend, NewDepartment},
};

crate::on_both_stores!(
    migrations_can_run_again_without_changes,
    a_created_user_logs_in_with_any_letter_case,
    a_second_user_with_the_same_login_is_a_conflict,
    a_wrong_password_or_unknown_login_is_unauthenticated,
    a_logged_out_token_no_longer_authenticates,
    an_expired_session_no_longer_authenticates,
    revoking_all_sessions_of_a_user_ends_every_token,
    disabling_a_user_ends_their_sessions_and_blocks_login,
    only_admins_create_users_and_the_audit_log_records_it,
    a_supervisor_manages_the_whole_department_subtree,
    a_pair_of_users_has_exactly_one_dm,
    messages_get_consecutive_sequence_numbers_under_concurrency,
    resending_with_the_same_client_id_stores_one_message,
    only_members_may_post_in_a_room,
    a_checkpoint_copies_the_write_ahead_log_into_the_database_file,
    a_restarted_log_is_written_again_from_its_start_once_readers_leave,
);

fn client() -> ClientInfo {
    ClientInfo {
        addr: Some("127.0.0.1".into()),
        user_agent: Some("contract".into()),
    }
}

async fn new_user(accounts: &Accounts, actor: Option<&User>, login: &str, role: Role) -> User {
    let new = NewUser {
        login: Login::parse(login).unwrap(),
        display_name: DisplayName::parse(login).unwrap(),
        email: None,
        role,
        department_id: None,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    accounts.create_user(actor, new, &client()).await.unwrap()
}

async fn migrations_can_run_again_without_changes(store: Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

async fn a_created_user_logs_in_with_any_letter_case(store: Store) {
    // Arrange
    let accounts = Accounts::new(store, 3600);
    let created = new_user(&accounts, None, "Anna.K", Role::Operator).await;
    // Act
    let outcome = accounts
        .login("ANNA.k", "a long enough password", &client())
        .await
        .unwrap();
    // Assert
    assert_eq!(outcome.user.id, created.id);
    assert_eq!(outcome.user.login.as_str(), "anna.k");
    let record = accounts
        .authenticate(&SessionToken::from_bearer(outcome.token.expose()))
        .await
        .unwrap();
    assert_eq!(record.user.id, created.id);
    assert_eq!(record.session_id, outcome.session_id);
}

async fn a_second_user_with_the_same_login_is_a_conflict(store: Store) {
    let accounts = Accounts::new(store, 3600);
    new_user(&accounts, None, "boris", Role::Operator).await;
    let again = NewUser {
        login: Login::parse("BORIS").unwrap(),
        display_name: DisplayName::parse("Another Boris").unwrap(),
        email: None,
        role: Role::Viewer,
        department_id: None,
        password: Password::parse("another long password").unwrap(),
        must_change_password: false,
    };
    let error = accounts
        .create_user(None, again, &client())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Conflict { ref message, .. } if message.contains("login")),
        "{error:?}"
    );
}

async fn a_wrong_password_or_unknown_login_is_unauthenticated(store: Store) {
    let accounts = Accounts::new(store, 3600);
    new_user(&accounts, None, "vera", Role::Operator).await;
    let wrong = accounts
        .login("vera", "not the password at all", &client())
        .await;
    let unknown = accounts
        .login("nobody", "a long enough password", &client())
        .await;
    assert!(matches!(wrong, Err(Error::Unauthenticated)));
    assert!(matches!(unknown, Err(Error::Unauthenticated)));
}

async fn a_logged_out_token_no_longer_authenticates(store: Store) {
    let accounts = Accounts::new(store, 3600);
    new_user(&accounts, None, "gleb", Role::Operator).await;
    let outcome = accounts
        .login("gleb", "a long enough password", &client())
        .await
        .unwrap();
    accounts.logout(outcome.session_id).await.unwrap();
    let again = accounts
        .authenticate(&SessionToken::from_bearer(outcome.token.expose()))
        .await;
    assert!(matches!(again, Err(Error::Unauthenticated)));
}

async fn an_expired_session_no_longer_authenticates(store: Store) {
    // A zero lifetime makes the session expire the moment it is issued.
    let accounts = Accounts::new(store, 0);
    new_user(&accounts, None, "dina", Role::Operator).await;
    let outcome = accounts
        .login("dina", "a long enough password", &client())
        .await
        .unwrap();
    let again = accounts
        .authenticate(&SessionToken::from_bearer(outcome.token.expose()))
        .await;
    assert!(matches!(again, Err(Error::Unauthenticated)));
}

async fn revoking_all_sessions_of_a_user_ends_every_token(store: Store) {
    let accounts = Accounts::new(store, 3600);
    let admin = new_user(&accounts, None, "root", Role::Admin).await;
    let target = new_user(&accounts, None, "egor", Role::Operator).await;
    let first = accounts
        .login("egor", "a long enough password", &client())
        .await
        .unwrap();
    let second = accounts
        .login("egor", "a long enough password", &client())
        .await
        .unwrap();
    let revoked = accounts
        .revoke_sessions(&admin, target.id, &client())
        .await
        .unwrap();
    assert_eq!(revoked, 2);
    for token in [first.token, second.token] {
        assert!(accounts.authenticate(&token).await.is_err());
    }
    let still_admin = accounts
        .login("root", "a long enough password", &client())
        .await;
    assert!(still_admin.is_ok());
}

async fn disabling_a_user_ends_their_sessions_and_blocks_login(store: Store) {
    let accounts = Accounts::new(store, 3600);
    let admin = new_user(&accounts, None, "root", Role::Admin).await;
    let target = new_user(&accounts, None, "zhanna", Role::Operator).await;
    let session = accounts
        .login("zhanna", "a long enough password", &client())
        .await
        .unwrap();
    let disabled = accounts
        .set_disabled(&admin, target.id, true, &client())
        .await
        .unwrap();
    assert!(disabled.disabled);
    assert!(accounts.authenticate(&session.token).await.is_err());
    assert!(matches!(
        accounts
            .login("zhanna", "a long enough password", &client())
            .await,
        Err(Error::Unauthenticated)
    ));
}

async fn only_admins_create_users_and_the_audit_log_records_it(store: Store) {
    let accounts = Accounts::new(store, 3600);
    let admin = new_user(&accounts, None, "root", Role::Admin).await;
    let viewer = new_user(&accounts, Some(&admin), "ivan", Role::Viewer).await;
    let attempt = NewUser {
        login: Login::parse("intruder").unwrap(),
        display_name: DisplayName::parse("Intruder").unwrap(),
        email: None,
        role: Role::Admin,
        department_id: None,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    let error = accounts
        .create_user(Some(&viewer), attempt, &client())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)));
    assert!(
        accounts
            .login("intruder", "a long enough password", &client())
            .await
            .is_err()
    );
    let log = accounts.audit_log(&admin, None, 10).await.unwrap();
    let created: Vec<_> = log
        .iter()
        .filter(|entry| entry.action == "user.create")
        .collect();
    assert_eq!(created.len(), 2, "{log:?}");
    assert_eq!(
        created[0].target_id.as_deref(),
        Some(viewer.id.to_string().as_str()),
        "newest first"
    );
    assert_eq!(created[0].actor_id, Some(admin.id));
    assert!(matches!(
        accounts.audit_log(&viewer, None, 10).await,
        Err(Error::Forbidden(_))
    ));
}

async fn a_supervisor_manages_the_whole_department_subtree(store: Store) {
    let accounts = Accounts::new(store, 3600);
    let admin = new_user(&accounts, None, "root", Role::Admin).await;
    let head = new_user(&accounts, Some(&admin), "head", Role::Supervisor).await;
    let department = |name: &str, parent, head_user_id| NewDepartment {
        name: name.to_owned(),
        parent_id: parent,
        head_user_id,
    };
    let sales = accounts
        .create_department(&admin, department("Sales", None, Some(head.id)), &client())
        .await
        .unwrap();
    let east = accounts
        .create_department(
            &admin,
            department("Sales East", Some(sales.id), None),
            &client(),
        )
        .await
        .unwrap();
    let moscow = accounts
        .create_department(&admin, department("Moscow", Some(east.id), None), &client())
        .await
        .unwrap();
    let support = accounts
        .create_department(&admin, department("Support", None, None), &client())
        .await
        .unwrap();

    let managed = accounts.managed_departments(&head).await.unwrap();

    assert_eq!(managed.len(), 3, "{managed:?}");
    for id in [sales.id, east.id, moscow.id] {
        assert!(managed.contains(&id));
    }
    assert!(!managed.contains(&support.id));
    let orphan = accounts
        .create_department(
            &admin,
            department("Lost", Some(crm_core::domain::DepartmentId::new()), None),
            &client(),
        )
        .await;
    assert!(matches!(orphan, Err(Error::Validation { ref field, .. }) if field == "parent_id"));
}

async fn users(store: &Store, logins: &[&str]) -> Vec<User> {
    let accounts = Accounts::new(store.clone(), 3600);
    let mut created = Vec::new();
    for login in logins {
        created.push(new_user(&accounts, None, login, Role::Operator).await);
    }
    created
}

fn room(kind: RoomKind, members: Vec<crm_core::domain::UserId>) -> NewRoom {
    NewRoom {
        kind,
        name: None,
        topic: None,
        is_private: kind == RoomKind::Dm,
        created_by: members.first().copied(),
        members,
    }
}

fn message(
    room: crm_core::domain::RoomId,
    author: &User,
    client_id: Option<&str>,
    body: &str,
) -> NewMessage {
    NewMessage {
        room_id: room,
        author_id: Some(author.id),
        client_id: client_id.map(str::to_owned),
        body: MessageBody::parse(body).unwrap(),
        attachments: serde_json::json!([]),
        thread_root_id: None,
        reply_to_id: None,
    }
}

async fn a_pair_of_users_has_exactly_one_dm(store: Store) {
    let people = users(&store, &["anna", "boris"]).await;
    let rooms = Rooms::new(store);
    rooms
        .create(room(RoomKind::Dm, vec![people[0].id, people[1].id]))
        .await
        .unwrap();
    let reverse = rooms
        .create(room(RoomKind::Dm, vec![people[1].id, people[0].id]))
        .await;
    assert!(
        matches!(reverse, Err(Error::Conflict { .. })),
        "{reverse:?}"
    );
    let with_self = rooms
        .create(room(RoomKind::Dm, vec![people[0].id, people[0].id]))
        .await;
    assert!(matches!(with_self, Err(Error::Validation { .. })));
}

async fn messages_get_consecutive_sequence_numbers_under_concurrency(store: Store) {
    let people = users(&store, &["anna", "boris"]).await;
    let rooms = Rooms::new(store);
    let group = rooms
        .create(room(RoomKind::Group, vec![people[0].id, people[1].id]))
        .await
        .unwrap();
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (rooms, author) = (rooms.clone(), people[n % 2].clone());
        sends.spawn(async move {
            rooms
                .post(message(group.id, &author, None, &format!("message {n}")))
                .await
        });
    }
    let mut seqs: Vec<i64> = sends
        .join_all()
        .await
        .into_iter()
        .map(|sent| sent.unwrap().0.seq)
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
    let history = rooms.messages_after(group.id, 15, 100).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![16, 17, 18, 19, 20]
    );
}

async fn resending_with_the_same_client_id_stores_one_message(store: Store) {
    let people = users(&store, &["anna", "boris"]).await;
    let rooms = Rooms::new(store);
    let group = rooms
        .create(room(RoomKind::Group, vec![people[0].id, people[1].id]))
        .await
        .unwrap();
    let (first, created) = rooms
        .post(message(group.id, &people[0], Some("c-1"), "Привет"))
        .await
        .unwrap();
    let (again, created_again) = rooms
        .post(message(group.id, &people[0], Some("c-1"), "Привет"))
        .await
        .unwrap();
    let (other_author, _) = rooms
        .post(message(group.id, &people[1], Some("c-1"), "hi"))
        .await
        .unwrap();
    assert!(created && !created_again);
    assert_eq!(first.id, again.id);
    assert_eq!(first.seq, 1);
    assert_eq!(other_author.seq, 2, "the key is per author");
    assert_eq!(again.body, "Привет");
    assert_eq!(
        rooms.messages_after(group.id, 0, 100).await.unwrap().len(),
        2
    );
}

async fn only_members_may_post_in_a_room(store: Store) {
    let people = users(&store, &["anna", "boris", "outsider"]).await;
    let rooms = Rooms::new(store);
    let group = rooms
        .create(room(RoomKind::Group, vec![people[0].id, people[1].id]))
        .await
        .unwrap();
    let attempt = rooms
        .post(message(group.id, &people[2], None, "let me in"))
        .await;
    assert!(matches!(attempt, Err(Error::Forbidden(_))));
    let missing = rooms
        .post(message(
            crm_core::domain::RoomId::new(),
            &people[0],
            None,
            "anyone?",
        ))
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { entity: "room" })),
        "{missing:?}"
    );
}

async fn a_checkpoint_copies_the_write_ahead_log_into_the_database_file(store: Store) {
    // Arrange: something committed, so SQLite's log holds pages the file does not have yet.
    let accounts = Accounts::new(store.clone(), 3600);
    new_user(&accounts, None, "walter", Role::Operator).await;

    // Act
    let checkpointed = store.checkpoint().await.unwrap();

    // Assert: all of it copied (no reader holds an older snapshot); PostgreSQL checkpoints
    // by itself and is left alone.
    match store.backend() {
        Backend::Sqlite => {
            let (log, copied) = checkpointed.expect("SQLite reports its log");
            assert!(log > 0, "the commit went through the log");
            assert_eq!(copied, log);
        }
        Backend::Postgres => assert_eq!(checkpointed, None),
    }
}

async fn a_restarted_log_is_written_again_from_its_start_once_readers_leave(store: Store) {
    // Arrange: a log of several commits, and a reader still in a snapshot of it.
    let accounts = Accounts::new(store.clone(), 3600);
    for name in ["rita", "rosa", "ruth", "remy"] {
        new_user(&accounts, None, name, Role::Operator).await;
    }
    let mut reader = store.acquire().await.unwrap();
    if store.backend() == Backend::Sqlite {
        sqlx::query("begin").execute(&mut *reader).await.unwrap();
        sqlx::query("select count(*) from users")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
    }

    // Act: a restart waits for the reader only as long as it is told to.
    let while_reading = store.restart_log(Duration::from_millis(10)).await.unwrap();
    if store.backend() == Backend::Sqlite {
        sqlx::query("commit").execute(&mut *reader).await.unwrap();
    }
    drop(reader);
    let after_reading = store.restart_log(Duration::from_millis(10)).await.unwrap();
    let long = store.checkpoint().await.unwrap();
    new_user(&accounts, None, "rudi", Role::Operator).await;
    let short = store.checkpoint().await.unwrap();

    // Assert: the commit after the restart wrote the log from its first page; PostgreSQL
    // has no such log and is left alone.
    match store.backend() {
        Backend::Sqlite => {
            assert_eq!(while_reading, Some(false), "a reader still used the log");
            assert_eq!(after_reading, Some(true));
            let ((long, _), (short, copied)) = (long.unwrap(), short.unwrap());
            assert!(short < long, "the log went on from {long} pages to {short}");
            assert_eq!(copied, short);
        }
        Backend::Postgres => {
            assert_eq!((while_reading, after_reading), (None, None));
            assert_eq!(short, None);
        }
    }
}
