//! Search by text and duplicate search.

use super::*;

super::crm_suite!(
    search_matches_name_prefixes_and_phones_and_emails_in_any_spelling,
    duplicates_match_by_phone_email_and_similar_names,
    a_name_search_total_stops_counting_at_a_thousand,
);

async fn search_matches_name_prefixes_and_phones_and_emails_in_any_spelling(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let anna = contacts
        .create(
            Some(&org.admin),
            NewContact {
                middle_name: Some("Сергеевна".into()),
                phones: vec![phone("+7 916 123-45-67")],
                emails: vec![Email::parse("anna@example.com", None).unwrap()],
                ..person("Анна", "Ёлкина")
            },
        )
        .await
        .unwrap();
    contacts
        .create(Some(&org.admin), person("Борис", "Анников"))
        .await
        .unwrap();
    let ivan = contacts
        .create(
            Some(&org.admin),
            NewContact {
                middle_name: Some("Иванович".into()),
                ..person("Иван", "Иванов")
            },
        )
        .await
        .unwrap();
    // Three of Ivan's words start with "иван": he is still one match, also in the total.
    let (found, total) = visible_ids(&contacts, &org.admin, search("иван")).await;
    assert_eq!((found, total), (HashSet::from([ivan.id]), 1));
    let only_anna = HashSet::from([anna.id]);
    for q in [
        "елк",
        "Ёлкина Анна",
        "анна серг",
        "8 (916) 123-45-67",
        "ANNA@example.com",
    ] {
        assert_eq!(
            visible_ids(&contacts, &org.admin, search(q)).await.0,
            only_anna,
            "{q}"
        );
    }
    assert_eq!(visible_ids(&contacts, &org.admin, search("ан")).await.1, 2);
    assert_eq!(
        visible_ids(&contacts, &org.admin, search("+7 916 000-00-00"))
            .await
            .1,
        0
    );
    assert_eq!(visible_ids(&contacts, &org.admin, search("!!!")).await.1, 0);
}

async fn duplicates_match_by_phone_email_and_similar_names(store: Store) {
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    let companies = Companies::new(store.clone());
    let cyrillic = contacts
        .create(
            Some(&org.admin),
            NewContact {
                phones: vec![phone("8 916 123-45-67")],
                ..person("Иван", "Иванов")
            },
        )
        .await
        .unwrap();
    let latin = contacts
        .create(Some(&org.admin), person("Ivan", "Ivanov"))
        .await
        .unwrap();
    let same_phone = contacts
        .create(
            Some(&org.admin),
            NewContact {
                phones: vec![phone("+79161234567")],
                ..person("Пётр", "Сидоров")
            },
        )
        .await
        .unwrap();
    contacts
        .create(Some(&org.admin), person("Иван", "Петров"))
        .await
        .unwrap();
    // Act
    let found = contacts
        .duplicates_of(&org.admin, cyrillic.id)
        .await
        .unwrap();
    // Assert: the Latin spelling by name, Sidorov by phone, Petrov not at all.
    let reasons: Vec<(ContactId, Vec<MatchReason>)> = found
        .iter()
        .map(|m| (m.contact.id, m.reasons.clone()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.contains(&(latin.id, vec![MatchReason::Name])));
    assert!(reasons.contains(&(same_phone.id, vec![MatchReason::Phone])));
    let by_values = contacts
        .find_similar(
            &org.admin,
            Likeness {
                name_key: person_key(Some("Ivan"), Some("Iwanow")),
                ..Likeness::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_values.len(), 2);
    // Companies: the legal form and the quotes do not matter.
    let horns = companies
        .create(Some(&org.admin), company("ООО «Рога и Копыта»"))
        .await
        .unwrap();
    companies
        .create(Some(&org.admin), company("Рога и Хвосты"))
        .await
        .unwrap();
    let similar = companies
        .find_similar(
            &org.admin,
            Likeness {
                name_key: company_key("Рога и Копыта"),
                ..Likeness::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        similar.iter().map(|m| m.company.id).collect::<Vec<_>>(),
        [horns.id]
    );
    assert_eq!(similar[0].reasons, [MatchReason::Name]);
    // Nobody sees duplicates outside their scope.
    assert!(
        contacts
            .find_similar(
                &org.seller,
                Likeness {
                    name_key: person_key(Some("Иван"), Some("Иванов")),
                    ..Likeness::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_name_search_total_stops_counting_at_a_thousand(store: Store) {
    // Arrange: 2,001 namesakes, enough for the search to treat the name as common (read in
    // the records' order, counted by walking them), and one other.
    let org = org(&store).await;
    let contacts = Contacts::new(store.clone());
    for _ in 0..2001 {
        contacts
            .create(Some(&org.seller), person("Пётр", "Однофамильцев"))
            .await
            .unwrap();
    }
    contacts
        .create(Some(&org.seller), person("Павел", "Другой"))
        .await
        .unwrap();
    // Act
    let found = contacts
        .list(
            &org.seller,
            ContactFilter {
                limit: 10,
                ..search("однофам")
            },
        )
        .await
        .unwrap();
    let two_words = contacts
        .list(&org.admin, search("петр однофамильцев"))
        .await
        .unwrap();
    let none = contacts
        .list(&org.admin, search("однофамильцев павел"))
        .await
        .unwrap();
    let all = contacts.list(&org.seller, everything()).await.unwrap();
    // Assert: the search total is a lower bound; unsearched totals stay exact.
    assert_eq!((found.total, found.total_capped), (Some(1000), true));
    assert_eq!(found.items.len(), 10);
    assert_eq!(
        (two_words.total, two_words.total_capped),
        (Some(1000), true)
    );
    assert_eq!(two_words.items.len(), 200);
    assert_eq!((none.total, none.items.len()), (Some(0), 0));
    assert_eq!((all.total, all.total_capped), (Some(2002), false));
}
