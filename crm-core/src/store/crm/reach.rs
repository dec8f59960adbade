//! Phones and e-mails of contacts and companies, and the word index.
//! Contacts and companies keep them in tables of the same shape (`contact_phones`,
//! `company_phones`, …); `Owner` names the tables.

use std::collections::HashMap;

use super::sql::Sql;
use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{Email, EmailAddress, EmailKind, Phone, PhoneKind, PhoneNumber},
    },
    store::Conn,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Contact,
    Company,
}

impl Owner {
    pub(super) fn table(self) -> &'static str {
        match self {
            Owner::Contact => "contacts",
            Owner::Company => "companies",
        }
    }

    pub(super) fn phones(self) -> &'static str {
        match self {
            Owner::Contact => "contact_phones",
            Owner::Company => "company_phones",
        }
    }

    pub(super) fn emails(self) -> &'static str {
        match self {
            Owner::Contact => "contact_emails",
            Owner::Company => "company_emails",
        }
    }

    pub(super) fn words(self) -> &'static str {
        match self {
            Owner::Contact => "contact_words",
            Owner::Company => "company_words",
        }
    }

    pub(super) fn key(self) -> &'static str {
        match self {
            Owner::Contact => "contact_id",
            Owner::Company => "company_id",
        }
    }
}

/// Replaces the phones of a record with `phones`, in their order.
pub(crate) async fn replace_phones(
    conn: &mut Conn,
    owner: Owner,
    id: &str,
    phones: &[Phone],
    now: Timestamp,
) -> Result<()> {
    let rows: Vec<(&str, &str)> = phones
        .iter()
        .map(|phone| (phone.number.as_str(), phone.kind.as_str()))
        .collect();
    replace_typed(conn, owner.phones(), owner.key(), "number", id, &rows, now).await
}

/// Replaces the e-mails of a record with `emails`, in their order.
pub(crate) async fn replace_emails(
    conn: &mut Conn,
    owner: Owner,
    id: &str,
    emails: &[Email],
    now: Timestamp,
) -> Result<()> {
    let rows: Vec<(&str, &str)> = emails
        .iter()
        .map(|email| (email.address.as_str(), email.kind.as_str()))
        .collect();
    replace_typed(conn, owner.emails(), owner.key(), "email", id, &rows, now).await
}

/// Replaces a record's rows of (value, kind) in `table` (phones, e-mails), keeping their order.
async fn replace_typed(
    conn: &mut Conn,
    table: &'static str,
    key: &'static str,
    value_column: &'static str,
    id: &str,
    rows: &[(&str, &str)],
    now: Timestamp,
) -> Result<()> {
    let mut delete = Sql::new("delete from ");
    delete
        .push(table)
        .push(" where ")
        .push(key)
        .push(" = ")
        .text(id);
    delete.execute(conn).await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = Sql::new("insert into ");
    insert
        .push(table)
        .push(" (")
        .push(key)
        .push(", ")
        .push(value_column)
        .push(", kind, position, created_at, updated_at) values ");
    for (position, (value, kind)) in rows.iter().enumerate() {
        if position > 0 {
            insert.push(", ");
        }
        insert
            .push("(")
            .text(id)
            .push(", ")
            .text(value)
            .push(", ")
            .text(kind)
            .push(", ")
            .int(position as i64)
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(")");
    }
    insert.execute(conn).await?;
    Ok(())
}

/// Replaces the indexed words of a record.
pub(crate) async fn replace_words(
    conn: &mut Conn,
    owner: Owner,
    id: &str,
    words: &[String],
) -> Result<()> {
    let mut delete = Sql::new("delete from ");
    delete
        .push(owner.words())
        .push(" where ")
        .push(owner.key())
        .push(" = ")
        .text(id);
    delete.execute(conn).await?;
    if words.is_empty() {
        return Ok(());
    }
    let mut insert = Sql::new("insert into ");
    insert
        .push(owner.words())
        .push(" (word, ")
        .push(owner.key())
        .push(") values ");
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            insert.push(", ");
        }
        insert.push("(").text(word).push(", ").text(id).push(")");
    }
    insert.execute(conn).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PhoneRow {
    owner_id: String,
    value: String,
    kind: String,
}

/// Phones and e-mails of the given records, by record id, each list in its stored order.
pub(crate) async fn reach_of(
    conn: &mut Conn,
    owner: Owner,
    ids: &[String],
) -> Result<HashMap<String, (Vec<Phone>, Vec<Email>)>> {
    let mut found: HashMap<String, (Vec<Phone>, Vec<Email>)> = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut phones = Sql::new("select ");
    phones
        .push(owner.key())
        .push(" as owner_id, number as value, kind from ")
        .push(owner.phones())
        .push(" where ")
        .push(owner.key())
        .push(" in (")
        .list(ids)
        .push(") order by ")
        .push(owner.key())
        .push(", position");
    for row in phones.fetch_all::<PhoneRow>(conn).await? {
        // Stored values were normalized on the way in; parse again only to get the types.
        let phone = Phone {
            number: PhoneNumber::parse(&row.value)?,
            kind: PhoneKind::parse(&row.kind)?,
        };
        found.entry(row.owner_id).or_default().0.push(phone);
    }
    let mut emails = Sql::new("select ");
    emails
        .push(owner.key())
        .push(" as owner_id, email as value, kind from ")
        .push(owner.emails())
        .push(" where ")
        .push(owner.key())
        .push(" in (")
        .list(ids)
        .push(") order by ")
        .push(owner.key())
        .push(", position");
    for row in emails.fetch_all::<PhoneRow>(conn).await? {
        let email = Email {
            address: EmailAddress::parse(&row.value)?,
            kind: EmailKind::parse(&row.kind)?,
        };
        found.entry(row.owner_id).or_default().1.push(email);
    }
    Ok(found)
}
