//! Tasks: lifecycle with its timeline events, dependencies, reminder scheduling and
//! claiming. Visibility and list pages are in `task_lists.rs`.

use std::time::Duration;

use crm_core::{
    domain::{
        Timestamp,
        crm::{NewTask, NoticeKind, TaskFilter, TaskId, TaskPatch, TaskPriority, TaskStatus},
        now,
    },
    service::Tasks,
};

use super::*;

super::crm_suite!(
    task_events_land_on_the_linked_contacts_timeline,
    a_blocked_task_cannot_start_until_its_blocker_is_done,
    dependency_cycles_and_hidden_blockers_are_refused,
    reminders_follow_the_deadline_and_stop_when_done,
    each_due_notice_is_claimed_once_by_two_claimers,
    a_sent_reminder_repeats_only_for_a_new_deadline,
    merging_contacts_moves_their_tasks,
);

pub(super) fn task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        description: None,
        deadline: None,
        priority: TaskPriority::Normal,
        status: TaskStatus::New,
        responsible_id: None,
        entity: None,
        blocked_by: vec![],
        reminders: vec![],
    }
}

pub(super) fn status(status: TaskStatus) -> TaskPatch {
    TaskPatch {
        status: Some(status),
        ..TaskPatch::default()
    }
}

pub(super) fn minutes_from_now(minutes: i64) -> Timestamp {
    now().plus_seconds(minutes * 60)
}

async fn task_ids(tasks: &Tasks, user: &User, filter: TaskFilter) -> Vec<TaskId> {
    tasks
        .list(user, filter)
        .await
        .unwrap()
        .items
        .iter()
        .map(|task| task.id)
        .collect()
}

pub(super) fn all() -> TaskFilter {
    TaskFilter {
        limit: 200,
        ..TaskFilter::default()
    }
}

async fn task_events_land_on_the_linked_contacts_timeline(store: Store) {
    // Arrange: a contact of the seller's.
    let org = org(&store).await;
    let contact = Contacts::new(store.clone())
        .create(Some(&org.seller), person("Иван", "Задачин"))
        .await
        .unwrap();
    let tasks = Tasks::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let entity = EntityRef::contact(contact.id);

    // Act: create, start, move the deadline, reassign to the supervisor, finish.
    let created = tasks
        .create(
            &org.seller,
            NewTask {
                entity: Some(entity),
                deadline: Some(minutes_from_now(60)),
                ..task("Call back")
            },
        )
        .await
        .unwrap();
    assert_eq!(created.responsible_id, org.seller.id);
    assert_eq!(created.creator_id, Some(org.seller.id));
    tasks
        .update(&org.seller, created.id, status(TaskStatus::InProgress))
        .await
        .unwrap();
    tasks
        .update(
            &org.seller,
            created.id,
            TaskPatch {
                deadline: Some(Some(minutes_from_now(120))),
                responsible_id: Some(org.supervisor.id),
                ..TaskPatch::default()
            },
        )
        .await
        .unwrap();
    let done = tasks
        .update(&org.supervisor, created.id, status(TaskStatus::Done))
        .await
        .unwrap();

    // Assert: every event is on the contact's timeline, newest first.
    assert!(done.completed_at.is_some());
    let events: Vec<String> = entries_of(&timeline, &org.admin, entity)
        .await
        .iter()
        .filter(|entry| entry.kind == TimelineKind::TaskEvent)
        .map(|entry| entry.payload["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        events,
        [
            "done",
            "reassigned",
            "deadline_changed",
            "status_changed",
            "created"
        ]
    );
    // The creator still sees the task they handed over; deleting removes it.
    assert!(tasks.get(&org.seller, created.id).await.is_ok());
    tasks.delete(&org.seller, created.id).await.unwrap();
    assert!(is_not_found(tasks.get(&org.admin, created.id).await));
}

async fn a_blocked_task_cannot_start_until_its_blocker_is_done(store: Store) {
    // Arrange: B is blocked by A.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let a = tasks.create(&org.seller, task("A")).await.unwrap();
    let b = tasks
        .create(
            &org.seller,
            NewTask {
                blocked_by: vec![a.id],
                ..task("B")
            },
        )
        .await
        .unwrap();
    assert_eq!(b.blocked_by, vec![a.id]);

    // Act and assert: B may wait but not start or finish while A is open.
    for refused in [TaskStatus::InProgress, TaskStatus::Done] {
        match tasks.update(&org.seller, b.id, status(refused)).await {
            Err(Error::Conflict {
                constraint,
                message,
            }) => {
                assert_eq!(constraint, "blocked_by");
                assert!(message.contains(&a.id.to_string()), "{message}");
            }
            other => panic!("expected blocked_by, got {other:?}"),
        }
    }
    assert_eq!(
        tasks.get(&org.seller, b.id).await.unwrap().status,
        TaskStatus::New,
        "nothing written"
    );
    tasks
        .update(&org.seller, b.id, status(TaskStatus::Waiting))
        .await
        .unwrap();
    let blocked_from_birth = tasks
        .create(
            &org.seller,
            NewTask {
                blocked_by: vec![a.id],
                status: TaskStatus::InProgress,
                ..task("C")
            },
        )
        .await;
    assert!(matches!(blocked_from_birth, Err(Error::Conflict { .. })));
    tasks
        .update(&org.seller, a.id, status(TaskStatus::Done))
        .await
        .unwrap();
    let started = tasks
        .update(&org.seller, b.id, status(TaskStatus::InProgress))
        .await
        .unwrap();
    assert_eq!(started.status, TaskStatus::InProgress);
}

async fn dependency_cycles_and_hidden_blockers_are_refused(store: Store) {
    // Arrange: A ← B ← C (C blocked by B, B by A), and a task of the agent's.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let a = tasks.create(&org.seller, task("A")).await.unwrap();
    let blocked = |title: &str, by: TaskId| NewTask {
        blocked_by: vec![by],
        ..task(title)
    };
    let b = tasks.create(&org.seller, blocked("B", a.id)).await.unwrap();
    let c = tasks.create(&org.seller, blocked("C", b.id)).await.unwrap();
    let hidden = tasks.create(&org.agent, task("theirs")).await.unwrap();

    // Act and assert: A blocked by C, or by itself, closes a cycle.
    for blockers in [vec![c.id], vec![a.id]] {
        let result = tasks
            .update(
                &org.seller,
                a.id,
                TaskPatch {
                    blocked_by: Some(blockers),
                    ..TaskPatch::default()
                },
            )
            .await;
        assert!(
            matches!(&result, Err(Error::Validation { field, .. }) if field == "blocked_by"),
            "{result:?}"
        );
    }
    assert!(
        tasks
            .get(&org.seller, a.id)
            .await
            .unwrap()
            .blocked_by
            .is_empty()
    );
    // A task the seller cannot see is no blocker of theirs.
    let result = tasks.create(&org.seller, blocked("D", hidden.id)).await;
    assert!(matches!(&result, Err(Error::Validation { field, .. }) if field == "blocked_by"));
    assert_eq!(
        task_ids(&tasks, &org.seller, all()).await.len(),
        3,
        "nothing written"
    );
}

async fn reminders_follow_the_deadline_and_stop_when_done(store: Store) {
    // Arrange: a deadline in two days with reminders a day and an hour before.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let deadline = minutes_from_now(2 * 1440);
    let created = tasks
        .create(
            &org.seller,
            NewTask {
                deadline: Some(deadline),
                reminders: vec![60, 1440],
                ..task("Send the offer")
            },
        )
        .await
        .unwrap();
    let dues = |slots: Vec<crm_core::domain::crm::ReminderSlot>| {
        slots
            .iter()
            .map(|slot| (slot.kind, slot.due_at.millis()))
            .collect::<Vec<_>>()
    };

    // Assert: two reminders and the overdue notice, none due yet.
    let scheduled = tasks
        .scheduled_notices(&org.seller, created.id)
        .await
        .unwrap();
    let minute = 60_000;
    assert_eq!(
        dues(scheduled),
        vec![
            (NoticeKind::Reminder, deadline.millis() - 1440 * minute),
            (NoticeKind::Reminder, deadline.millis() - 60 * minute),
            (NoticeKind::Overdue, deadline.millis()),
        ]
    );
    assert!(tasks.claim_due_notices(10).await.unwrap().is_empty());

    // Act: move the deadline a day later; the reminders move with it.
    let later = deadline.plus_seconds(86_400);
    tasks
        .update(
            &org.seller,
            created.id,
            TaskPatch {
                deadline: Some(Some(later)),
                ..TaskPatch::default()
            },
        )
        .await
        .unwrap();
    let moved = tasks
        .scheduled_notices(&org.seller, created.id)
        .await
        .unwrap();
    assert_eq!(moved.len(), 3);
    assert_eq!(moved[2].due_at, later);

    // Act: finishing the task drops its notices; reopening schedules them again.
    tasks
        .update(&org.seller, created.id, status(TaskStatus::Done))
        .await
        .unwrap();
    assert!(
        tasks
            .scheduled_notices(&org.seller, created.id)
            .await
            .unwrap()
            .is_empty()
    );
    tasks
        .update(&org.seller, created.id, status(TaskStatus::New))
        .await
        .unwrap();
    assert_eq!(
        tasks
            .scheduled_notices(&org.seller, created.id)
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn each_due_notice_is_claimed_once_by_two_claimers(store: Store) {
    // Arrange: twenty tasks whose deadline has just passed: one overdue notice each.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let mut expected = HashSet::new();
    for n in 0..20 {
        let created = tasks
            .create(
                &org.seller,
                NewTask {
                    deadline: Some(now().plus_seconds(-1)),
                    reminders: vec![30],
                    ..task(&format!("late {n}"))
                },
            )
            .await
            .unwrap();
        expected.insert(created.id);
    }

    // Act: two claimers (as on two nodes) take small batches at the same time.
    let claim = |tasks: Tasks| async move {
        let mut got = Vec::new();
        loop {
            let batch = tasks.claim_due_notices(3).await.unwrap();
            if batch.is_empty() {
                return got;
            }
            got.extend(batch);
        }
    };
    let (first, second) = tokio::join!(
        tokio::spawn(claim(tasks.clone())),
        tokio::spawn(claim(Tasks::new(store.clone())))
    );
    let claimed: Vec<_> = first.unwrap().into_iter().chain(second.unwrap()).collect();

    // Assert: every overdue notice exactly once, and no reminder for a passed deadline.
    assert_eq!(claimed.len(), 20, "each notice once");
    assert!(
        claimed
            .iter()
            .all(|notice| notice.kind == NoticeKind::Overdue)
    );
    let ids: HashSet<TaskId> = claimed.iter().map(|notice| notice.task.id).collect();
    assert_eq!(ids, expected);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(tasks.claim_due_notices(100).await.unwrap().is_empty());
}

async fn a_sent_reminder_repeats_only_for_a_new_deadline(store: Store) {
    // Arrange: a deadline in 30 minutes with a reminder an hour before: due at once.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let created = tasks
        .create(
            &org.seller,
            NewTask {
                deadline: Some(minutes_from_now(30)),
                reminders: vec![60],
                ..task("Prepare the demo")
            },
        )
        .await
        .unwrap();
    let sent = tasks.claim_due_notices(10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].kind, sent[0].offset_minutes),
        (NoticeKind::Reminder, 60)
    );
    let kinds = |slots: Vec<crm_core::domain::crm::ReminderSlot>| {
        slots
            .iter()
            .map(|slot| (slot.kind, slot.offset_minutes))
            .collect::<Vec<_>>()
    };

    // Act: add a reminder ten minutes before, same deadline.
    tasks
        .update(
            &org.seller,
            created.id,
            TaskPatch {
                reminders: Some(vec![60, 10]),
                ..TaskPatch::default()
            },
        )
        .await
        .unwrap();

    // Assert: the sent one is not repeated.
    let scheduled = tasks
        .scheduled_notices(&org.seller, created.id)
        .await
        .unwrap();
    assert_eq!(
        kinds(scheduled),
        vec![(NoticeKind::Reminder, 10), (NoticeKind::Overdue, 0)]
    );
    assert!(tasks.claim_due_notices(10).await.unwrap().is_empty());

    // Act: a new deadline; every notice counts again.
    tasks
        .update(
            &org.seller,
            created.id,
            TaskPatch {
                deadline: Some(Some(minutes_from_now(20))),
                ..TaskPatch::default()
            },
        )
        .await
        .unwrap();
    let again = tasks.claim_due_notices(10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].offset_minutes, 60);
    assert_eq!(
        kinds(
            tasks
                .scheduled_notices(&org.seller, created.id)
                .await
                .unwrap()
        ),
        vec![(NoticeKind::Reminder, 10), (NoticeKind::Overdue, 0)]
    );
}

async fn merging_contacts_moves_their_tasks(store: Store) {
    // Arrange: two contacts of the seller's, a task on the one to be merged away.
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let target = contacts
        .create(Some(&org.seller), person("Анна", "Слияние"))
        .await
        .unwrap();
    let source = contacts
        .create(Some(&org.seller), person("Анна", "Слияние"))
        .await
        .unwrap();
    let tasks = Tasks::new(store.clone());
    let on_source = tasks
        .create(
            &org.seller,
            NewTask {
                entity: Some(EntityRef::contact(source.id)),
                ..task("Follow up")
            },
        )
        .await
        .unwrap();

    // Act
    contacts
        .merge(
            &org.seller,
            MergeContacts {
                target_id: target.id,
                source_ids: vec![source.id],
                pick: vec![],
            },
            &client(),
        )
        .await
        .unwrap();

    // Assert: the task is now about the surviving contact.
    let moved = tasks.get(&org.seller, on_source.id).await.unwrap();
    assert_eq!(moved.entity, Some(EntityRef::contact(target.id)));
    let of_target = TaskFilter {
        entity: Some(EntityRef::contact(target.id)),
        ..all()
    };
    assert_eq!(
        task_ids(&tasks, &org.seller, of_target).await,
        vec![on_source.id]
    );
}
