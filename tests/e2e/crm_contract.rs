//! The CRM storage contract: contacts, companies, the timeline, visibility by role,
//! duplicates and merge, pipelines, deals, leads and analytics, written once against the services and run on SQLite and on
//! PostgreSQL (`crm_contract::<topic>::sqlite::*`, `crm_contract::<topic>::postgres::*`).

use std::{collections::HashSet, future::Future};

use crm_core::{
    Error, Store,
    domain::{
        ChannelKind, DepartmentId, DisplayName, Login, NewUser, Password, Role, User,
        crm::{
            CompanyFilter, CompanyPatch, ContactField, ContactFilter, ContactId, ContactPatch,
            Email, EntityRef, Likeness, MatchReason, MergeContacts, NewCompany, NewContact,
            NewIdentity, Phone, PhoneNumber, TimelineCursor, TimelineKind, company_key, person_key,
        },
    },
    service::{Accounts, ClientInfo, Companies, Contacts, Timeline},
    store::NewDepartment,
};
use serde_json::json;

use crate::support::db::{self, Backend};

pub async fn with_store<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(database) = db::fresh(backend).await else {
        return;
    };
    let store = Store::open(&database.options())
        .await
        .expect("open and migrate");
    test(store.clone()).await;
    store.close().await;
}

/// Instantiates each listed `async fn(Store)` once per database backend.
macro_rules! crm_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::crm_contract::with_store($crate::support::db::Backend::Sqlite, super::$case).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::crm_contract::with_store($crate::support::db::Backend::Postgres, super::$case).await;
            })*
        }
    };
}
use crm_suite;

mod analytics;
mod deal_totals;
mod deals;
mod leads;
mod merge;
mod pipelines;
mod records;
pub(crate) mod sales;
mod search;
mod task_lists;
mod tasks;
mod timeline;
mod visibility;

fn client() -> ClientInfo {
    ClientInfo {
        addr: Some("127.0.0.1".into()),
        user_agent: Some("crm-contract".into()),
    }
}

/// Staff in two department trees: Sales (headed by `supervisor`) with Sales North below it,
/// and Support. `seller` works in Sales North, `agent` in Support, `viewer` in Sales.
struct Org {
    pub accounts: Accounts,
    pub admin: User,
    pub supervisor: User,
    pub seller: User,
    pub agent: User,
    pub viewer: User,
}

async fn user(
    accounts: &Accounts,
    login: &str,
    role: Role,
    department: Option<DepartmentId>,
) -> User {
    let new = NewUser {
        login: Login::parse(login).unwrap(),
        display_name: DisplayName::parse(login).unwrap(),
        email: None,
        role,
        department_id: department,
        password: Password::parse("a long enough password").unwrap(),
        must_change_password: false,
    };
    accounts.create_user(None, new, &client()).await.unwrap()
}

async fn org(store: &Store) -> Org {
    let accounts = Accounts::new(store.clone(), 3600);
    let admin = user(&accounts, "admin", Role::Admin, None).await;
    let supervisor = user(&accounts, "supervisor", Role::Supervisor, None).await;
    let department = |name: &str, parent, head| NewDepartment {
        name: name.into(),
        parent_id: parent,
        head_user_id: head,
    };
    let sales = accounts
        .create_department(
            &admin,
            department("Sales", None, Some(supervisor.id)),
            &client(),
        )
        .await
        .unwrap();
    let north = accounts
        .create_department(
            &admin,
            department("Sales North", Some(sales.id), None),
            &client(),
        )
        .await
        .unwrap();
    let support = accounts
        .create_department(&admin, department("Support", None, None), &client())
        .await
        .unwrap();
    Org {
        seller: user(&accounts, "seller", Role::Operator, Some(north.id)).await,
        agent: user(&accounts, "agent", Role::Operator, Some(support.id)).await,
        viewer: user(&accounts, "viewer", Role::Viewer, Some(sales.id)).await,
        accounts,
        admin,
        supervisor,
    }
}

fn person(first: &str, last: &str) -> NewContact {
    NewContact {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        custom: json!({}),
        ..NewContact::default()
    }
}

fn phone(raw: &str) -> Phone {
    Phone::parse(raw, None).unwrap()
}

fn company(name: &str) -> NewCompany {
    NewCompany {
        name: name.into(),
        address: None,
        responsible_id: None,
        custom: json!({}),
        phones: vec![],
        emails: vec![],
    }
}

fn everything() -> ContactFilter {
    ContactFilter {
        limit: 200,
        ..ContactFilter::default()
    }
}

fn search(q: &str) -> ContactFilter {
    ContactFilter {
        q: Some(q.into()),
        ..everything()
    }
}

async fn visible_ids(
    contacts: &Contacts,
    user: &User,
    filter: ContactFilter,
) -> (HashSet<ContactId>, i64) {
    let page = contacts.list(user, filter).await.unwrap();
    (
        page.items.iter().map(|c| c.id).collect(),
        page.total.unwrap(),
    )
}

async fn entries_of(
    timeline: &Timeline,
    user: &User,
    entity: EntityRef,
) -> Vec<crm_core::domain::crm::TimelineEntry> {
    timeline.page(user, entity, None, 10).await.unwrap().entries
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::NotFound { .. }))
}
