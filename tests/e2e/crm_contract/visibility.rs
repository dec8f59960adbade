//! Visibility by role in every read, and read-only viewers.

use super::*;

super::crm_suite!(
    each_role_sees_exactly_its_records_in_every_read,
    each_role_sees_exactly_its_deals_and_leads_in_every_read,
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
    let deals = crm_core::service::Deals::new(store.clone());
    let leads = crm_core::service::Leads::new(store.clone());
    let mut mine = super::sales::deal("Смотрю", "1");
    mine.responsible_id = Some(org.viewer.id);
    let deal = deals.create(Some(&org.admin), mine).await.unwrap();
    let lead = leads
        .create(
            Some(&org.admin),
            crm_core::domain::crm::NewLead {
                responsible_id: Some(org.viewer.id),
                ..super::sales::lead("Смотрю")
            },
        )
        .await
        .unwrap();
    assert!(deals.get(&org.viewer, deal.id).await.is_ok());
    assert!(forbidden(
        deals
            .create(Some(&org.viewer), super::sales::deal("x", "1"))
            .await
            .map(drop)
    ));
    assert!(forbidden(
        deals
            .update(&org.viewer, deal.id, Default::default())
            .await
            .map(drop)
    ));
    assert!(forbidden(
        deals.delete(&org.viewer, deal.id, &client()).await
    ));
    assert!(forbidden(
        leads
            .convert(&org.viewer, lead.id, super::sales::conversion())
            .await
            .map(drop)
    ));
    assert!(forbidden(
        leads
            .update(&org.viewer, lead.id, Default::default())
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

async fn each_role_sees_exactly_its_deals_and_leads_in_every_read(store: Store) {
    use crm_core::{
        domain::crm::{DealId, LeadFilter, LeadId, analytics::ReportQuery},
        service::{Analytics, Deals, Leads},
    };
    // Arrange: a deal and a lead for each responsible person, each with a comment.
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let leads = Leads::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let mut made: Vec<(DealId, LeadId)> = Vec::new();
    for owner in [&org.seller, &org.agent, &org.supervisor] {
        let deal = deals
            .create(Some(owner), super::sales::deal("Сделка", "10"))
            .await
            .unwrap();
        let lead = leads
            .create(Some(owner), super::sales::lead("Лид"))
            .await
            .unwrap();
        timeline
            .comment(owner, EntityRef::deal(deal.id), "called")
            .await
            .unwrap();
        timeline
            .comment(owner, EntityRef::lead(lead.id), "called")
            .await
            .unwrap();
        made.push((deal.id, lead.id));
    }
    let (north, support, head) = (made[0], made[1], made[2]);
    let expected = [
        (&org.admin, vec![north, support, head]),
        (&org.supervisor, vec![north, head]),
        (&org.seller, vec![north]),
        (&org.agent, vec![support]),
        (&org.viewer, vec![]),
    ];
    let analytics = Analytics::new(store.clone());
    for (user, sees) in expected {
        let login = user.login.as_str();
        // Act and assert: lists, totals, cards, timelines and the funnel agree.
        let deal_page = deals.list(user, super::sales::all_deals()).await.unwrap();
        let listed: HashSet<DealId> = deal_page.items.iter().map(|d| d.id).collect();
        assert_eq!(listed, sees.iter().map(|s| s.0).collect(), "{login}: deals");
        assert_eq!(
            deal_page.total,
            Some(sees.len() as i64),
            "{login}: deal total"
        );
        let lead_filter = LeadFilter {
            limit: 50,
            ..LeadFilter::default()
        };
        let lead_page = leads.list(user, lead_filter).await.unwrap();
        let listed: HashSet<LeadId> = lead_page.items.iter().map(|l| l.id).collect();
        assert_eq!(listed, sees.iter().map(|s| s.1).collect(), "{login}: leads");
        assert_eq!(
            lead_page.total,
            Some(sees.len() as i64),
            "{login}: lead total"
        );
        let funnel = analytics
            .funnel(user, ReportQuery::default())
            .await
            .unwrap();
        assert_eq!(funnel[0].count, sees.len() as i64, "{login}: funnel");
        for (deal, lead) in [north, support, head] {
            let visible = sees.contains(&(deal, lead));
            let deal_card = deals.get(user, deal).await;
            let lead_card = leads.get(user, lead).await;
            let deal_page = timeline.page(user, EntityRef::deal(deal), None, 10).await;
            let lead_page = timeline.page(user, EntityRef::lead(lead), None, 10).await;
            let history = deals.history(user, deal).await;
            if visible {
                assert!(deal_card.is_ok() && lead_card.is_ok(), "{login}: cards");
                assert_eq!(
                    deal_page.unwrap().entries.len(),
                    1,
                    "{login}: deal timeline"
                );
                assert_eq!(
                    lead_page.unwrap().entries.len(),
                    1,
                    "{login}: lead timeline"
                );
                assert!(history.is_ok(), "{login}: history");
            } else {
                assert!(is_not_found(deal_card), "{login}: deal card");
                assert!(is_not_found(lead_card), "{login}: lead card");
                assert!(is_not_found(deal_page), "{login}: deal timeline");
                assert!(is_not_found(lead_page), "{login}: lead timeline");
                assert!(is_not_found(history), "{login}: history");
            }
        }
    }
    // Writes outside the scope are "not found" too.
    let update = deals
        .update(&org.seller, support.0, Default::default())
        .await;
    assert!(is_not_found(update));
    let convert = leads
        .convert(&org.seller, support.1, super::sales::conversion())
        .await;
    assert!(is_not_found(convert));
    assert!(is_not_found(
        deals.delete(&org.seller, support.0, &client()).await
    ));
}
