//! The staff of the data set: 103 people in two department trees, created through the
//! services, and how `--measure-only` finds them again.

use crm_core::{
    Store,
    domain::{DepartmentId, DisplayName, Login, NewUser, Password, Role, Timestamp, User, UserId},
    service::{Accounts, ClientInfo},
    store::NewDepartment,
};

use super::Error;

pub struct Staff {
    pub admin: User,
    /// Heads Sales: five departments, about half of all contacts.
    pub head_of_sales: User,
    pub operators: Vec<User>,
    /// Every contact with its responsible user.
    pub contacts: Vec<(String, UserId)>,
    /// Contacts with 1,000 timeline entries.
    pub heavy: Vec<String>,
    pub company_ids: Vec<String>,
}

fn client() -> ClientInfo {
    ClientInfo::default()
}

async fn person(
    accounts: &Accounts,
    login: &str,
    role: Role,
    department_id: Option<DepartmentId>,
) -> Result<User, Error> {
    let new = NewUser {
        login: Login::parse(login)?,
        display_name: DisplayName::parse(login)?,
        email: None,
        role,
        department_id,
        password: Password::parse("a long enough password")?,
        must_change_password: false,
    };
    Ok(accounts.create_user(None, new, &client()).await?)
}

/// An admin, the head of Sales, and 100 operators: ten in each of Sales and its four
/// teams, then in Support and its four teams.
pub async fn organisation(store: &Store) -> Result<(User, User, Vec<User>), Error> {
    let accounts = Accounts::new(store.clone(), 3600);
    let admin = person(&accounts, "admin", Role::Admin, None).await?;
    let head = person(&accounts, "head.sales", Role::Supervisor, None).await?;
    let department = |name: &str, parent, head| NewDepartment {
        name: name.into(),
        parent_id: parent,
        head_user_id: head,
    };
    let sales = accounts
        .create_department(&admin, department("Sales", None, Some(head.id)), &client())
        .await?;
    let support = accounts
        .create_department(&admin, department("Support", None, None), &client())
        .await?;
    let mut departments = vec![sales.id, support.id];
    for n in 0..8 {
        let parent = if n < 4 { sales.id } else { support.id };
        let child = accounts
            .create_department(
                &admin,
                department(&format!("Team {n}"), Some(parent), None),
                &client(),
            )
            .await?;
        departments.push(child.id);
    }
    // Sales and its four teams come first: departments 0 and 2..6.
    let order = [0, 2, 3, 4, 5, 1, 6, 7, 8, 9];
    let mut operators = Vec::new();
    for n in 0..100 {
        let department = departments[order[n / 10]];
        operators.push(
            person(
                &accounts,
                &format!("op-{n:02}"),
                Role::Operator,
                Some(department),
            )
            .await?,
        );
    }
    Ok((admin, head, operators))
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    login: String,
    role: String,
    department_id: Option<String>,
}

/// The staff and contacts of an earlier fill, for `--measure-only`.
pub async fn existing_staff(store: &Store) -> Result<Staff, Error> {
    let mut conn = store.acquire().await?;
    let rows: Vec<UserRow> =
        sqlx::query_as("select id, login, role, department_id from users order by login")
            .fetch_all(&mut *conn)
            .await?;
    let mut users = Vec::new();
    for row in rows {
        users.push(User {
            id: row.id.parse()?,
            login: Login::parse(&row.login)?,
            display_name: row.login.clone(),
            email: None,
            role: Role::parse(&row.role)?,
            department_id: row.department_id.as_deref().map(str::parse).transpose()?,
            must_change_password: false,
            disabled: false,
            created_at: Timestamp::from_millis(0),
        });
    }
    let find = |login: &str| {
        users
            .iter()
            .find(|u| u.login.as_str() == login)
            .cloned()
            .ok_or("staff missing: fill first")
    };
    let pairs: Vec<(String, String, String)> =
        sqlx::query_as("select id, responsible_id, source from contacts where deleted_at is null")
            .fetch_all(&mut *conn)
            .await?;
    let company_ids: Vec<String> = sqlx::query_scalar("select id from companies")
        .fetch_all(&mut *conn)
        .await?;
    Ok(Staff {
        admin: find("admin")?,
        head_of_sales: find("head.sales")?,
        operators: users
            .iter()
            .filter(|u| u.role == Role::Operator)
            .cloned()
            .collect(),
        heavy: pairs
            .iter()
            .filter(|(_, _, source)| source == "heavy")
            .map(|(id, _, _)| id.clone())
            .collect(),
        contacts: pairs
            .into_iter()
            .map(|(id, owner, _)| Ok((id, owner.parse()?)))
            .collect::<Result<_, Error>>()?,
        company_ids,
    })
}
