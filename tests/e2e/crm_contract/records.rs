//! Contacts as records: phones in E.164, identities unique per channel, deletion.

use super::*;

super::crm_suite!(
    phones_are_stored_in_e164_and_a_rejected_contact_writes_nothing,
    an_identity_belongs_to_one_contact_per_channel,
    a_deleted_contact_leaves_lists_totals_search_and_its_timeline,
);

async fn phones_are_stored_in_e164_and_a_rejected_contact_writes_nothing(store: Store) {
    // Arrange
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    // Act
    let created = contacts
        .create(
            Some(&org.seller),
            NewContact {
                phones: vec![
                    phone("8 (916) 123-45-67"),
                    phone("00 44 20 7946 0958"),
                    phone("+7 916 123 45 67"),
                ],
                emails: vec![Email::parse(" Anna@Example.COM ", None).unwrap()],
                ..person("Анна", "Петрова")
            },
        )
        .await
        .unwrap();
    let nameless = contacts
        .create(Some(&org.seller), NewContact::default())
        .await;
    // Assert
    let stored = contacts.get(&org.seller, created.id).await.unwrap();
    let numbers: Vec<&str> = stored.phones.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(numbers, ["+79161234567", "+442079460958"]);
    assert_eq!(stored.emails[0].address.as_str(), "anna@example.com");
    assert_eq!(stored.responsible_id, Some(org.seller.id));
    assert_eq!(stored.department_id, org.seller.department_id);
    assert!(
        matches!(nameless, Err(Error::Validation { ref field, .. }) if field == "first_name"),
        "{nameless:?}"
    );
    for bad in ["12345", "+7 916 abc", "8 916 123 45 67 89 01 23"] {
        let error = PhoneNumber::parse(bad).unwrap_err();
        assert!(
            matches!(error, Error::Validation { ref field, .. } if field == "number"),
            "{bad}"
        );
    }
    assert_eq!(
        contacts.list(&org.admin, everything()).await.unwrap().total,
        Some(1)
    );
}

async fn an_identity_belongs_to_one_contact_per_channel(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let first = contacts
        .create(Some(&org.seller), person("Первый", "Телеграмов"))
        .await
        .unwrap();
    let second = contacts
        .create(Some(&org.seller), person("Второй", "Телеграмов"))
        .await
        .unwrap();
    let identity = |channel| NewIdentity::parse(channel, "12345").unwrap();
    // Act
    let added = contacts
        .add_identity(&org.seller, first.id, identity("telegram"))
        .await
        .unwrap();
    let taken = contacts
        .add_identity(&org.seller, second.id, identity("telegram"))
        .await;
    let other_channel = contacts
        .add_identity(&org.seller, second.id, identity("viber"))
        .await;
    let duplicate_on_create = contacts
        .create(
            Some(&org.seller),
            NewContact {
                identities: vec![identity("telegram")],
                ..person("Третий", "Лишний")
            },
        )
        .await;
    // Assert
    assert!(
        matches!(taken, Err(Error::Conflict { ref message, .. }) if message.contains("another contact")),
        "{taken:?}"
    );
    assert!(other_channel.is_ok());
    assert!(matches!(duplicate_on_create, Err(Error::Conflict { .. })));
    assert_eq!(
        visible_ids(&contacts, &org.seller, everything()).await.1,
        2,
        "the rejected contact was not written"
    );
    let found = contacts
        .find_by_identity(ChannelKind::Telegram, "12345")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
    contacts
        .remove_identity(&org.seller, first.id, added.id)
        .await
        .unwrap();
    assert!(
        contacts
            .find_by_identity(ChannelKind::Telegram, "12345")
            .await
            .unwrap()
            .is_none()
    );
    assert!(is_not_found(
        contacts
            .remove_identity(&org.seller, first.id, added.id)
            .await
    ));
}

async fn a_deleted_contact_leaves_lists_totals_search_and_its_timeline(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let contact = contacts
        .create(Some(&org.seller), person("Удалий", "Удалённый"))
        .await
        .unwrap();
    contacts
        .create(Some(&org.seller), person("Оставший", "Остался"))
        .await
        .unwrap();
    // Act
    contacts
        .delete(&org.seller, contact.id, &client())
        .await
        .unwrap();
    // Assert
    assert!(is_not_found(contacts.get(&org.admin, contact.id).await));
    assert!(is_not_found(
        contacts.delete(&org.seller, contact.id, &client()).await
    ));
    assert_eq!(visible_ids(&contacts, &org.admin, everything()).await.1, 1);
    assert_eq!(
        visible_ids(&contacts, &org.admin, search("удал")).await.1,
        0
    );
    let page = Timeline::new(store.clone())
        .page(&org.admin, EntityRef::contact(contact.id), None, 10)
        .await;
    assert!(is_not_found(page));
    let audit = org.accounts.audit_log(&org.admin, None, 10).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "contact.delete"));
}
