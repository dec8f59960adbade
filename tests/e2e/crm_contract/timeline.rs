//! The timeline and keyset pages.

use super::*;

super::crm_suite!(
    a_field_change_is_one_entry_on_the_contact_and_both_companies,
    keyset_pages_return_every_record_exactly_once,
);

async fn a_field_change_is_one_entry_on_the_contact_and_both_companies(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let companies = Companies::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let old = companies
        .create(Some(&org.admin), company("Старая"))
        .await
        .unwrap();
    let new = companies
        .create(Some(&org.admin), company("Новая"))
        .await
        .unwrap();
    let contact = contacts
        .create(
            Some(&org.admin),
            NewContact {
                company_id: Some(old.id),
                ..person("Ольга", "Переходова")
            },
        )
        .await
        .unwrap();
    // Act
    contacts
        .update(
            &org.admin,
            contact.id,
            ContactPatch {
                company_id: Some(Some(new.id)),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
    // Assert
    let first = |entity| entries_of(&timeline, &org.admin, entity);
    let on_contact = first(EntityRef::contact(contact.id)).await;
    let on_old = first(EntityRef::company(old.id)).await;
    let on_new = first(EntityRef::company(new.id)).await;
    assert_eq!(on_contact.len(), 1);
    assert_eq!(on_contact[0].summary, "Company: Старая → Новая");
    assert_eq!(on_contact[0].payload["changes"][0]["field"], "company_id");
    assert_eq!(on_old[0].id, on_contact[0].id);
    assert_eq!(on_new[0].id, on_contact[0].id);
    let by_company = ContactFilter {
        company_id: Some(new.id),
        ..everything()
    };
    assert_eq!(visible_ids(&contacts, &org.admin, by_company).await.1, 1);
    // A change of nothing that matters writes nothing.
    contacts
        .update(
            &org.admin,
            contact.id,
            ContactPatch {
                position: Some(Some("CEO".into())),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first(EntityRef::contact(contact.id)).await.len(), 1);
    companies
        .update(
            &org.admin,
            new.id,
            CompanyPatch {
                name: Some("Новейшая".into()),
                ..CompanyPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first(EntityRef::company(new.id)).await.len(), 2);
}

async fn keyset_pages_return_every_record_exactly_once(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let companies = Companies::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let mut created = HashSet::new();
    for n in 0..23 {
        created.insert(
            contacts
                .create(Some(&org.seller), person("Клиент", &format!("Номер{n}")))
                .await
                .unwrap()
                .id,
        );
    }
    companies
        .create(Some(&org.seller), company("Одна"))
        .await
        .unwrap();
    // Contacts, five at a time.
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = contacts
            .list(
                &org.seller,
                ContactFilter {
                    after,
                    limit: 5,
                    ..ContactFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, if pages == 0 { Some(23) } else { None });
        seen.extend(page.items.iter().map(|c| c.id));
        pages += 1;
        match page.next_cursor {
            Some(cursor) => after = Some(cursor.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 23);
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), created);
    assert!(
        seen.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first"
    );
    // A timeline of 23 comments, four at a time, many within the same millisecond.
    let entity = EntityRef::contact(seen[0]);
    for n in 0..23 {
        timeline
            .comment(&org.seller, entity, &format!("comment {n}"))
            .await
            .unwrap();
    }
    let mut entries = Vec::new();
    let mut cursor: Option<TimelineCursor> = None;
    loop {
        let page = timeline.page(&org.seller, entity, cursor, 4).await.unwrap();
        entries.extend(page.entries);
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse().unwrap()),
            None => break,
        }
    }
    let keys: Vec<_> = entries.iter().map(|e| (e.occurred_at, e.id)).collect();
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 23);
    assert!(
        keys.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first"
    );
    let list = companies
        .list(
            &org.seller,
            CompanyFilter {
                limit: 10,
                ..CompanyFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (list.items.len(), list.total, list.next_cursor),
        (1, Some(1), None)
    );
}
