//! The system creating records through the same services as staff: the contact the open
//! lines make for a client's first message is not asked for required values (nobody is there
//! to give them), but whatever values it does carry are still checked.

use crm_core::{
    Error, Store,
    domain::{
        ChannelKind, DisplayName, Login, NewUser, Password, Role, User,
        crm::{
            EntityKind, NewContact, NewIdentity,
            custom_fields::{FieldAccess, FieldKind, NewFieldDefinition},
        },
    },
    service::{Accounts, ClientInfo, Contacts, CustomFields},
};
use serde_json::json;

crate::on_both_stores!(the_open_lines_contact_skips_required_fields_but_not_checks);

async fn admin(store: &Store) -> User {
    let new = NewUser {
        login: Login::parse("admin").unwrap(),
        display_name: DisplayName::parse("Admin").unwrap(),
        email: None,
        role: Role::Admin,
        department_id: None,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    let client = ClientInfo {
        addr: None,
        user_agent: None,
    };
    Accounts::new(store.clone(), 3600)
        .create_user(None, new, &client)
        .await
        .unwrap()
}

fn client_contact(external_id: &str) -> NewContact {
    NewContact {
        first_name: Some("Client".into()),
        source: Some("telegram".into()),
        identities: vec![NewIdentity {
            channel: ChannelKind::Telegram,
            external_id: external_id.into(),
        }],
        custom: json!({}),
        ..NewContact::default()
    }
}

async fn the_open_lines_contact_skips_required_fields_but_not_checks(store: Store) {
    // Arrange
    let admin = admin(&store).await;
    CustomFields::new(store.clone())
        .create(
            &admin,
            NewFieldDefinition {
                entity: EntityKind::Contact,
                key: "inn".into(),
                label: "INN".into(),
                kind: FieldKind::Number,
                required: true,
                sort_order: None,
                access: FieldAccess::open(),
            },
        )
        .await
        .unwrap();
    let contacts = Contacts::new(store.clone());
    // Act: the system (no actor), then staff, create the same kind of contact.
    let by_system = contacts.create(None, client_contact("100")).await;
    let by_staff = contacts.create(Some(&admin), client_contact("200")).await;
    let wrong = contacts
        .create(
            None,
            NewContact {
                custom: json!({"inn": "n/a"}),
                ..client_contact("300")
            },
        )
        .await;
    // Assert
    let created = by_system.expect("the system is not asked for required values");
    assert_eq!(created.custom, json!({}));
    assert!(
        matches!(by_staff, Err(Error::Validation { ref field, .. }) if field == "custom.inn"),
        "{by_staff:?}"
    );
    assert!(
        matches!(wrong, Err(Error::Validation { ref field, .. }) if field == "custom.inn"),
        "{wrong:?}"
    );
    let found = contacts
        .find_by_identity(ChannelKind::Telegram, "300")
        .await
        .unwrap();
    assert!(found.is_none(), "the refused contact was not written");
}
