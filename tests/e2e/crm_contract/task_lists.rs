//! Task lists: visibility by role in lists, cards and writes; filters, orders and pages.

use crm_core::{
    domain::{
        crm::{NewTask, Page, Task, TaskFilter, TaskId, TaskPriority, TaskSort, TaskStatus},
        now,
    },
    service::Tasks,
};

use super::{
    tasks::{all, minutes_from_now, status, task},
    *,
};

super::crm_suite!(each_role_sees_exactly_its_tasks, lists_filter_sort_and_page);

async fn each_role_sees_exactly_its_tasks(store: Store) {
    // Arrange: the seller's own task, one the agent set for the seller, the agent's own,
    // and the supervisor's.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let own = tasks.create(&org.seller, task("own")).await.unwrap();
    let handed = tasks
        .create(
            &org.agent,
            NewTask {
                responsible_id: Some(org.seller.id),
                ..task("for the seller")
            },
        )
        .await
        .unwrap();
    let agents = tasks.create(&org.agent, task("agent's")).await.unwrap();
    let heads = tasks.create(&org.supervisor, task("head's")).await.unwrap();
    let expected = [
        (&org.admin, vec![own.id, handed.id, agents.id, heads.id]),
        (&org.supervisor, vec![own.id, handed.id, heads.id]),
        (&org.seller, vec![own.id, handed.id]),
        (&org.agent, vec![handed.id, agents.id]),
        (&org.viewer, vec![]),
    ];
    for (user, sees) in expected {
        let login = user.login.as_str();
        let sees: HashSet<TaskId> = sees.into_iter().collect();
        // Act and assert: list, total and card agree.
        let page = tasks.list(user, all()).await.unwrap();
        let listed: HashSet<TaskId> = page.items.iter().map(|t| t.id).collect();
        assert_eq!(listed, sees, "{login}: list");
        assert_eq!(page.total, Some(sees.len() as i64), "{login}: total");
        for id in [own.id, handed.id, agents.id, heads.id] {
            let card = tasks.get(user, id).await;
            assert_eq!(card.is_ok(), sees.contains(&id), "{login}: card");
            if !sees.contains(&id) {
                let write = tasks.update(user, id, status(TaskStatus::Waiting)).await;
                assert!(
                    matches!(write, Err(Error::NotFound { .. } | Error::Forbidden(_))),
                    "{login}: write to a hidden task"
                );
            }
        }
    }
    // Viewers read only.
    assert!(matches!(
        tasks.create(&org.viewer, task("no")).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        tasks.delete(&org.viewer, own.id).await,
        Err(Error::Forbidden(_))
    ));
}

async fn lists_filter_sort_and_page(store: Store) {
    // Arrange: five tasks with deadlines in 5, 4, 3, 2 hours and none, varied priority,
    // one overdue, one done, linked to a company or not.
    let org = org(&store).await;
    let tasks = Tasks::new(store.clone());
    let acme = Companies::new(store.clone())
        .create(Some(&org.seller), company("Acme"))
        .await
        .unwrap();
    let mut made: Vec<Task> = Vec::new();
    for (title, hours, priority, entity) in [
        ("far", Some(5), TaskPriority::Low, None),
        (
            "high",
            Some(4),
            TaskPriority::High,
            Some(EntityRef::company(acme.id)),
        ),
        ("late", Some(-3), TaskPriority::Normal, None),
        (
            "soon",
            Some(2),
            TaskPriority::High,
            Some(EntityRef::company(acme.id)),
        ),
        ("undated", None, TaskPriority::Normal, None),
    ] {
        let created = tasks
            .create(
                &org.seller,
                NewTask {
                    deadline: hours.map(|h: i64| minutes_from_now(h * 60)),
                    priority,
                    entity,
                    ..task(title)
                },
            )
            .await
            .unwrap();
        made.push(created);
    }
    tasks
        .update(&org.seller, made[0].id, status(TaskStatus::Done))
        .await
        .unwrap();
    let titles =
        |page: &Page<Task>| -> Vec<String> { page.items.iter().map(|t| t.title.clone()).collect() };
    let sorted = |sort| TaskFilter {
        sort: Some(sort),
        ..all()
    };

    // Act and assert: each order.
    let by_deadline = tasks
        .list(&org.seller, sorted(TaskSort::Deadline))
        .await
        .unwrap();
    assert_eq!(
        titles(&by_deadline),
        ["late", "soon", "high", "far", "undated"]
    );
    let by_priority = tasks
        .list(&org.seller, sorted(TaskSort::Priority))
        .await
        .unwrap();
    assert_eq!(
        titles(&by_priority),
        ["soon", "high", "undated", "late", "far"]
    );
    let newest = tasks.list(&org.seller, all()).await.unwrap();
    assert_eq!(titles(&newest), ["undated", "soon", "late", "high", "far"]);

    // Filters: overdue, status, entity, deadline range.
    let overdue = TaskFilter {
        overdue: true,
        ..all()
    };
    assert_eq!(
        titles(&tasks.list(&org.seller, overdue).await.unwrap()),
        ["late"]
    );
    let done = TaskFilter {
        statuses: vec![TaskStatus::Done],
        ..all()
    };
    assert_eq!(
        titles(&tasks.list(&org.seller, done).await.unwrap()),
        ["far"]
    );
    let of_acme = TaskFilter {
        entity: Some(EntityRef::company(acme.id)),
        ..sorted(TaskSort::Deadline)
    };
    assert_eq!(
        titles(&tasks.list(&org.seller, of_acme).await.unwrap()),
        ["soon", "high"]
    );
    let window = TaskFilter {
        deadline_from: Some(now()),
        deadline_to: Some(minutes_from_now(4 * 60 + 30)),
        ..sorted(TaskSort::Deadline)
    };
    assert_eq!(
        titles(&tasks.list(&org.seller, window).await.unwrap()),
        ["soon", "high"]
    );

    // Pages of two in deadline order walk every task once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = tasks
            .list(
                &org.seller,
                TaskFilter {
                    after,
                    limit: 2,
                    ..sorted(TaskSort::Deadline)
                },
            )
            .await
            .unwrap();
        seen.extend(titles(&page));
        match page.next_cursor {
            Some(cursor) => after = Some(cursor.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, ["late", "soon", "high", "far", "undated"]);
}
