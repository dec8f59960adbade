//! Leads: statuses, junk with a reason, and conversion into a deal and a contact.

use crm_core::{
    domain::crm::{LeadFilter, LeadPatch, LeadStatus, NewLead},
    service::{Deals, Leads},
};

use super::{
    sales::{all_deals, conversion, lead},
    *,
};

super::crm_suite!(
    junk_needs_a_reason_and_converted_is_reached_only_by_converting,
    converting_makes_a_deal_and_a_contact_once_in_one_transaction,
    converting_for_an_existing_contact_reuses_it,
);

async fn junk_needs_a_reason_and_converted_is_reached_only_by_converting(store: Store) {
    let org = org(&store).await;
    let leads = Leads::new(store.clone());
    let junk_without_reason = NewLead {
        status: Some(LeadStatus::Junk),
        ..lead("Спамер")
    };
    let refused = leads.create(Some(&org.seller), junk_without_reason).await;
    assert!(matches!(refused, Err(Error::Validation { ref field, .. }) if field == "junk_reason"));
    let created = leads.create(Some(&org.seller), lead("Иван")).await.unwrap();
    assert_eq!(created.status, LeadStatus::New);
    let patch = |status, reason: Option<&str>| LeadPatch {
        status: Some(status),
        junk_reason: reason.map(|r| Some(r.to_owned())),
        ..LeadPatch::default()
    };
    let no_reason = leads
        .update(&org.seller, created.id, patch(LeadStatus::Junk, None))
        .await;
    assert!(
        matches!(no_reason, Err(Error::Validation { ref field, .. }) if field == "junk_reason")
    );
    let converted = leads
        .update(&org.seller, created.id, patch(LeadStatus::Converted, None))
        .await;
    assert!(matches!(converted, Err(Error::Validation { ref field, .. }) if field == "status"));
    let junk = leads
        .update(
            &org.seller,
            created.id,
            patch(LeadStatus::Junk, Some("wrong number")),
        )
        .await
        .unwrap();
    assert_eq!(junk.junk_reason.as_deref(), Some("wrong number"));
    let back = leads
        .update(&org.seller, created.id, patch(LeadStatus::InWork, None))
        .await
        .unwrap();
    assert_eq!((back.status, back.junk_reason), (LeadStatus::InWork, None));
    let in_work = LeadFilter {
        status: Some(LeadStatus::InWork),
        limit: 50,
        ..LeadFilter::default()
    };
    assert_eq!(
        leads.list(&org.seller, in_work).await.unwrap().total,
        Some(1)
    );
    let by_text = LeadFilter {
        q: Some("ива".into()),
        limit: 50,
        ..LeadFilter::default()
    };
    assert_eq!(
        leads.list(&org.seller, by_text).await.unwrap().total,
        Some(1)
    );
}

async fn converting_makes_a_deal_and_a_contact_once_in_one_transaction(store: Store) {
    // Arrange
    let org = org(&store).await;
    let leads = Leads::new(store.clone());
    let created = leads
        .create(
            Some(&org.seller),
            NewLead {
                title: Some("Запрос с сайта".into()),
                phone: Some("+79161112233".into()),
                email: Some("lead@example.com".into()),
                source: Some("web".into()),
                ..lead("Пётр Лидов")
            },
        )
        .await
        .unwrap();
    // Act
    let done = leads
        .convert(&org.seller, created.id, conversion())
        .await
        .unwrap();
    // Assert
    assert!(done.contact_created);
    assert_eq!(done.lead.status, LeadStatus::Converted);
    assert_eq!(done.lead.deal_id, Some(done.deal.id));
    assert_eq!(done.lead.contact_id, Some(done.contact.id));
    assert_eq!(done.deal.contact_id, Some(done.contact.id));
    assert_eq!(done.deal.title, "Запрос с сайта");
    assert_eq!(done.deal.source.as_deref(), Some("web"));
    assert_eq!(done.contact.phones[0].number.as_str(), "+79161112233");
    let reread = leads.get(&org.seller, created.id).await.unwrap();
    assert_eq!(reread.status, LeadStatus::Converted);
    let timeline = Timeline::new(store.clone());
    let on_lead = entries_of(&timeline, &org.seller, EntityRef::lead(created.id)).await;
    let on_contact = entries_of(&timeline, &org.seller, EntityRef::contact(done.contact.id)).await;
    assert_eq!(on_lead[0].kind, TimelineKind::Conversion);
    assert_eq!(on_contact[0].id, on_lead[0].id);
    // Act: again
    let twice = leads.convert(&org.seller, created.id, conversion()).await;
    // Assert: refused, and nothing more was made.
    assert!(matches!(
        twice,
        Err(Error::Refused {
            code: "already_converted",
            ..
        })
    ));
    assert_eq!(
        Deals::new(store.clone())
            .list(&org.admin, all_deals())
            .await
            .unwrap()
            .total,
        Some(1)
    );
    assert_eq!(
        visible_ids(&Contacts::new(store.clone()), &org.admin, everything())
            .await
            .1,
        1
    );
    // A failing conversion (unknown stage) leaves the lead as it was and makes nothing.
    let other = leads
        .create(Some(&org.seller), lead("Второй"))
        .await
        .unwrap();
    let mut bad = conversion();
    bad.stage_id = Some(crm_core::domain::crm::StageId::new());
    let failed = leads.convert(&org.seller, other.id, bad).await;
    assert!(matches!(failed, Err(Error::Validation { ref field, .. }) if field == "stage_id"));
    assert_eq!(
        leads.get(&org.seller, other.id).await.unwrap().status,
        LeadStatus::New
    );
    assert_eq!(
        visible_ids(&Contacts::new(store.clone()), &org.admin, everything())
            .await
            .1,
        1
    );
}

async fn converting_for_an_existing_contact_reuses_it(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let existing = contacts
        .create(Some(&org.seller), person("Мария", "Постоянная"))
        .await
        .unwrap();
    let leads = Leads::new(store.clone());
    let created = leads
        .create(Some(&org.seller), lead("Мария"))
        .await
        .unwrap();
    let mut how = conversion();
    how.contact_id = Some(existing.id);
    let done = leads.convert(&org.seller, created.id, how).await.unwrap();
    assert!(!done.contact_created);
    assert_eq!(done.deal.contact_id, Some(existing.id));
    assert_eq!(visible_ids(&contacts, &org.admin, everything()).await.1, 1);
    // A contact the caller may not see cannot be reused.
    let hidden = contacts
        .create(Some(&org.agent), person("Скрытый", "Контакт"))
        .await
        .unwrap();
    let another = leads
        .create(Some(&org.seller), lead("Другой"))
        .await
        .unwrap();
    let mut how = conversion();
    how.contact_id = Some(hidden.id);
    let refused = leads.convert(&org.seller, another.id, how).await;
    assert!(matches!(refused, Err(Error::Validation { ref field, .. }) if field == "contact_id"));
}
