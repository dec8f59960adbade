//! Merging contacts.

use super::*;

super::crm_suite!(merging_moves_identities_phones_and_timeline_and_is_audited,);

async fn merging_moves_identities_phones_and_timeline_and_is_audited(store: Store) {
    // Arrange
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let target = contacts
        .create(
            Some(&org.seller),
            NewContact {
                phones: vec![phone("+79160000001")],
                ..person("Иван", "Иванов")
            },
        )
        .await
        .unwrap();
    let source = contacts
        .create(
            Some(&org.seller),
            NewContact {
                position: Some("CTO".into()),
                phones: vec![phone("+79160000002"), phone("+79160000001")],
                identities: vec![NewIdentity::parse("telegram", "777").unwrap()],
                ..person("Ivan", "Ivanov")
            },
        )
        .await
        .unwrap();
    let comment = timeline
        .comment(
            &org.seller,
            EntityRef::contact(source.id),
            "met at the fair",
        )
        .await
        .unwrap();
    let before = visible_ids(&contacts, &org.seller, everything()).await.1;
    // Act
    let into_itself = MergeContacts::parse(target.id, vec![target.id], vec![]);
    let merge = MergeContacts::parse(
        target.id,
        vec![source.id],
        vec![(ContactField::FirstName, source.id)],
    )
    .unwrap();
    let merged = contacts.merge(&org.seller, merge, &client()).await.unwrap();
    // Assert
    assert!(
        matches!(into_itself, Err(Error::Validation { ref field, .. }) if field == "source_ids")
    );
    assert_eq!(merged.first_name.as_deref(), Some("Ivan"));
    assert_eq!(merged.last_name.as_deref(), Some("Иванов"));
    assert_eq!(merged.position.as_deref(), Some("CTO"));
    let numbers: Vec<&str> = merged.phones.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(numbers, ["+79160000001", "+79160000002"]);
    assert_eq!(merged.identities.len(), 1);
    let holder = contacts
        .find_by_identity(ChannelKind::Telegram, "777")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holder.id, target.id);
    assert!(is_not_found(contacts.get(&org.seller, source.id).await));
    assert!(is_not_found(
        timeline
            .page(&org.seller, EntityRef::contact(source.id), None, 10)
            .await
    ));
    let entries = timeline
        .page(&org.seller, EntityRef::contact(target.id), None, 10)
        .await
        .unwrap()
        .entries;
    assert_eq!(entries[0].kind, TimelineKind::Merge);
    assert!(entries.iter().any(|entry| entry.id == comment.id));
    assert_eq!(
        visible_ids(&contacts, &org.seller, everything()).await.1,
        before - 1
    );
    let audit = org.accounts.audit_log(&org.admin, None, 10).await.unwrap();
    let entry = audit
        .iter()
        .find(|entry| entry.action == "contact.merge")
        .expect("merge audited");
    assert_eq!(
        entry.target_id.as_deref(),
        Some(target.id.to_string().as_str())
    );
    assert_eq!(entry.detail["merged"][0]["id"], json!(source.id));
    // A contact the caller cannot see cannot be merged.
    let foreign = contacts
        .create(Some(&org.agent), person("Чужой", "Контакт"))
        .await
        .unwrap();
    let merge = MergeContacts::parse(target.id, vec![foreign.id], vec![]).unwrap();
    assert!(is_not_found(
        contacts.merge(&org.seller, merge, &client()).await
    ));
}
