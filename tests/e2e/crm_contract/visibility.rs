//! Visibility by role in every read, and read-only viewers.

use super::*;

super::crm_suite!(
    each_role_sees_exactly_its_records_in_every_read,
    viewers_cannot_write_anything,
    reassigning_a_contact_moves_it_between_scopes_and_totals,
);

async fn each_role_sees_exactly_its_records_in_every_read(store: Store) {
    // Arrange: one contact per responsible person, each with a comment.
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let mut ids = Vec::new();
    for (owner, last) in [
        (&org.seller, "Северов"),
        (&org.agent, "Саппортов"),
        (&org.supervisor, "Главный"),
    ] {
        let contact = contacts
            .create(
                Some(owner),
                NewContact {
                    phones: vec![phone(&format!("+7916000000{}", ids.len()))],
                    ..person("Общий", last)
                },
            )
            .await
            .unwrap();
        timeline
            .comment(owner, EntityRef::contact(contact.id), "first call")
            .await
            .unwrap();
        ids.push(contact.id);
    }
    let (north, support, head) = (ids[0], ids[1], ids[2]);
    let expected = [
        (&org.admin, vec![north, support, head]),
        (&org.supervisor, vec![north, head]),
        (&org.seller, vec![north]),
        (&org.agent, vec![support]),
        (&org.viewer, vec![]),
    ];
    for (user, sees) in expected {
        let sees: HashSet<ContactId> = sees.into_iter().collect();
        let login = user.login.as_str();
        // Act and assert: list, total, search and card, timeline and duplicates agree.
        let (listed, total) = visible_ids(&contacts, user, everything()).await;
        assert_eq!(listed, sees, "{login}: list");
        assert_eq!(total, sees.len() as i64, "{login}: total");
        let (found, found_total) = visible_ids(&contacts, user, search("общий")).await;
        assert_eq!(found, sees, "{login}: search");
        assert_eq!(found_total, sees.len() as i64, "{login}: search total");
        let similar = contacts
            .find_similar(
                user,
                Likeness {
                    phones: vec![phone("+79160000001").number],
                    ..Likeness::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            similar.len(),
            usize::from(sees.contains(&support)),
            "{login}: duplicates"
        );
        for id in [north, support, head] {
            let card = contacts.get(user, id).await;
            let page = timeline.page(user, EntityRef::contact(id), None, 50).await;
            if sees.contains(&id) {
                assert!(card.is_ok(), "{login}: card");
                assert_eq!(page.unwrap().entries.len(), 1, "{login}: timeline");
            } else {
                assert!(is_not_found(card), "{login}: card of another's contact");
                assert!(is_not_found(page), "{login}: timeline of another's contact");
            }
        }
    }
    // Writes outside the scope are "not found" too.
    let foreign = contacts
        .update(
            &org.seller,
            support,
            ContactPatch {
                position: Some(Some("x".into())),
                ..ContactPatch::default()
            },
        )
        .await;
    assert!(is_not_found(foreign));
    let comment = timeline
        .comment(&org.seller, EntityRef::contact(support), "hi")
        .await;
    assert!(is_not_found(comment));
    let _ = org.accounts;
}

async fn viewers_cannot_write_anything(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let companies = Companies::new(store.clone());
    let timeline = Timeline::new(store.clone());
    // A contact the viewer is responsible for, and may therefore read.
    let own = contacts
        .create(
            Some(&org.admin),
            NewContact {
                responsible_id: Some(org.viewer.id),
                ..person("Вера", "Смотрова")
            },
        )
        .await
        .unwrap();
    assert!(contacts.get(&org.viewer, own.id).await.is_ok());
    let forbidden = |result: Result<(), Error>| matches!(result, Err(Error::Forbidden(_)));
    assert!(forbidden(
        contacts
            .create(Some(&org.viewer), person("Нов", "Новый"))
            .await
            .map(drop)
    ));
    assert!(forbidden(
        contacts
            .update(&org.viewer, own.id, ContactPatch::default())
            .await
            .map(drop)
    ));
    assert!(forbidden(
        contacts.delete(&org.viewer, own.id, &client()).await
    ));
    assert!(forbidden(
        timeline
            .comment(&org.viewer, EntityRef::contact(own.id), "x")
            .await
            .map(drop)
    ));
    assert!(forbidden(
        companies
            .create(Some(&org.viewer), company("Рога"))
            .await
            .map(drop)
    ));
    let merge = MergeContacts::parse(own.id, vec![ContactId::new()], vec![]).unwrap();
    assert!(forbidden(
        contacts
            .merge(&org.viewer, merge, &client())
            .await
            .map(drop)
    ));
    let identity = NewIdentity::parse("telegram", "42").unwrap();
    assert!(forbidden(
        contacts
            .add_identity(&org.viewer, own.id, identity)
            .await
            .map(drop)
    ));
}

async fn reassigning_a_contact_moves_it_between_scopes_and_totals(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let contact = contacts
        .create(Some(&org.seller), person("Пётр", "Передан"))
        .await
        .unwrap();
    // Act: the seller hands the contact over to the support agent.
    let moved = contacts
        .update(
            &org.seller,
            contact.id,
            ContactPatch {
                responsible_id: Some(org.agent.id),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
    // Assert
    assert_eq!(moved.department_id, org.agent.department_id);
    assert!(is_not_found(contacts.get(&org.seller, contact.id).await));
    assert!(contacts.get(&org.agent, contact.id).await.is_ok());
    assert_eq!(visible_ids(&contacts, &org.seller, everything()).await.1, 0);
    assert_eq!(visible_ids(&contacts, &org.agent, everything()).await.1, 1);
    assert_eq!(
        visible_ids(&contacts, &org.supervisor, everything())
            .await
            .1,
        0
    );
    let by_agent = ContactFilter {
        responsible_id: Some(org.agent.id),
        ..everything()
    };
    assert_eq!(visible_ids(&contacts, &org.admin, by_agent).await.1, 1);
    let entries = Timeline::new(store.clone())
        .page(&org.agent, EntityRef::contact(contact.id), None, 10)
        .await
        .unwrap()
        .entries;
    assert_eq!(entries[0].kind, TimelineKind::FieldChange);
    assert!(
        entries[0].summary.contains("seller → agent"),
        "{}",
        entries[0].summary
    );
    let unknown = contacts
        .update(
            &org.agent,
            contact.id,
            ContactPatch {
                responsible_id: Some(crm_core::domain::UserId::new()),
                ..ContactPatch::default()
            },
        )
        .await;
    assert!(
        matches!(unknown, Err(Error::Validation { ref field, .. }) if field == "responsible_id")
    );
}
