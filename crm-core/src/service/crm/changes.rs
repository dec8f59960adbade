//! Field changes that matter (responsible user, company, phones, e-mails, a company's
//! name; a deal's title, amount, close date, probability and links) become one `field_change` timeline entry, written in the transaction of the change.
//! Its payload lists `{field, from, to}`; its summary says the same in words, with people
//! and companies by name.

use serde_json::{Value, json};

use crate::{
    Result,
    domain::{
        Timestamp, UserId,
        crm::{
            Company, CompanyId, Contact, Email, EntityRef, NewTimelineEntry, Phone, TimelineKind,
            summarize,
        },
    },
    store::{
        Conn,
        crm::{Scope, companies as company_store},
        user_store,
    },
};

pub(super) struct Change {
    field: &'static str,
    from: Value,
    to: Value,
    text: String,
}

impl Change {
    /// A change of `field` from one value to another, `text` saying it in words.
    pub(super) fn new(field: &'static str, from: Value, to: Value, text: String) -> Self {
        Self {
            field,
            from,
            to,
            text,
        }
    }
}

pub(super) async fn user_name(conn: &mut Conn, id: Option<UserId>) -> Result<String> {
    let Some(id) = id else {
        return Ok("nobody".to_owned());
    };
    Ok(user_store::get(conn, id)
        .await?
        .map_or_else(|| "a removed user".to_owned(), |user| user.display_name))
}

pub(super) async fn company_name(conn: &mut Conn, id: Option<CompanyId>) -> Result<String> {
    let Some(id) = id else {
        return Ok("none".to_owned());
    };
    Ok(company_store::get(conn, &Scope::All, id)
        .await?
        .map_or_else(|| "a deleted company".to_owned(), |company| company.name))
}

fn phones_text(phones: &[Phone]) -> String {
    if phones.is_empty() {
        return "none".to_owned();
    }
    phones
        .iter()
        .map(|p| p.number.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn emails_text(emails: &[Email]) -> String {
    if emails.is_empty() {
        return "none".to_owned();
    }
    emails
        .iter()
        .map(|e| e.address.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn responsible_change(
    conn: &mut Conn,
    from: Option<UserId>,
    to: Option<UserId>,
) -> Result<Option<Change>> {
    if from == to {
        return Ok(None);
    }
    let text = format!(
        "Responsible: {} → {}",
        user_name(conn, from).await?,
        user_name(conn, to).await?
    );
    Ok(Some(Change {
        field: "responsible_id",
        from: json!(from),
        to: json!(to),
        text,
    }))
}

fn reach_changes(
    changes: &mut Vec<Change>,
    (phones_before, phones_after): (&[Phone], &[Phone]),
    (emails_before, emails_after): (&[Email], &[Email]),
) {
    if phones_before != phones_after {
        changes.push(Change {
            field: "phones",
            from: json!(phones_before),
            to: json!(phones_after),
            text: format!(
                "Phones: {} → {}",
                phones_text(phones_before),
                phones_text(phones_after)
            ),
        });
    }
    if emails_before != emails_after {
        changes.push(Change {
            field: "emails",
            from: json!(emails_before),
            to: json!(emails_after),
            text: format!(
                "E-mails: {} → {}",
                emails_text(emails_before),
                emails_text(emails_after)
            ),
        });
    }
}

/// The changes between two versions of a contact that go on the timeline.
pub(super) async fn of_contact(
    conn: &mut Conn,
    before: &Contact,
    after: &Contact,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    if let Some(change) =
        responsible_change(conn, before.responsible_id, after.responsible_id).await?
    {
        changes.push(change);
    }
    if before.company_id != after.company_id {
        let text = format!(
            "Company: {} → {}",
            company_name(conn, before.company_id).await?,
            company_name(conn, after.company_id).await?
        );
        changes.push(Change {
            field: "company_id",
            from: json!(before.company_id),
            to: json!(after.company_id),
            text,
        });
    }
    reach_changes(
        &mut changes,
        (&before.phones, &after.phones),
        (&before.emails, &after.emails),
    );
    Ok(changes)
}

/// The changes between two versions of a company that go on the timeline.
pub(super) async fn of_company(
    conn: &mut Conn,
    before: &Company,
    after: &Company,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    if before.name != after.name {
        changes.push(Change {
            field: "name",
            from: json!(before.name),
            to: json!(after.name),
            text: format!("Name: {} → {}", before.name, after.name),
        });
    }
    if let Some(change) =
        responsible_change(conn, before.responsible_id, after.responsible_id).await?
    {
        changes.push(change);
    }
    reach_changes(
        &mut changes,
        (&before.phones, &after.phones),
        (&before.emails, &after.emails),
    );
    Ok(changes)
}

/// One entry for all the changes, linked to every entity they concern; `None` when nothing
/// that matters changed.
pub(super) fn entry(
    author: UserId,
    changes: Vec<Change>,
    links: Vec<EntityRef>,
    now: Timestamp,
) -> Option<NewTimelineEntry> {
    if changes.is_empty() {
        return None;
    }
    let summary = summarize(
        &changes
            .iter()
            .map(|change| change.text.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    let payload = json!({
        "changes": changes
            .iter()
            .map(|change| json!({"field": change.field, "from": change.from, "to": change.to}))
            .collect::<Vec<_>>(),
    });
    Some(NewTimelineEntry {
        kind: TimelineKind::FieldChange,
        author_id: Some(author),
        occurred_at: now,
        summary,
        payload,
        links,
    })
}

fn money_text(money: &crate::domain::crm::Money) -> String {
    format!("{} {}", money.amount_text(), money.currency)
}

fn optional_text<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "none".to_owned(), |value| value.to_string())
}

/// The changes between two versions of a deal that go on the timeline; its stage is
/// recorded on its own, as a stage change.
pub(super) async fn of_deal(
    conn: &mut Conn,
    before: &crate::domain::crm::Deal,
    after: &crate::domain::crm::Deal,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    if before.title != after.title {
        changes.push(Change::new(
            "title",
            json!(before.title),
            json!(after.title),
            format!("Title: {} → {}", before.title, after.title),
        ));
    }
    if before.money != after.money {
        changes.push(Change::new(
            "amount",
            json!(before.money),
            json!(after.money),
            format!(
                "Amount: {} → {}",
                money_text(&before.money),
                money_text(&after.money)
            ),
        ));
    }
    if before.expected_close != after.expected_close {
        changes.push(Change::new(
            "expected_close",
            json!(before.expected_close),
            json!(after.expected_close),
            format!(
                "Expected close: {} → {}",
                optional_text(before.expected_close),
                optional_text(after.expected_close)
            ),
        ));
    }
    if before.probability != after.probability && before.stage_id == after.stage_id {
        changes.push(Change::new(
            "probability",
            json!(before.probability),
            json!(after.probability),
            format!(
                "Probability: {}% → {}%",
                before.probability.percent(),
                after.probability.percent()
            ),
        ));
    }
    if let Some(change) =
        responsible_change(conn, before.responsible_id, after.responsible_id).await?
    {
        changes.push(change);
    }
    if before.contact_id != after.contact_id {
        changes.push(Change::new(
            "contact_id",
            json!(before.contact_id),
            json!(after.contact_id),
            "Contact changed".to_owned(),
        ));
    }
    if before.company_id != after.company_id {
        let text = format!(
            "Company: {} → {}",
            company_name(conn, before.company_id).await?,
            company_name(conn, after.company_id).await?
        );
        changes.push(Change::new(
            "company_id",
            json!(before.company_id),
            json!(after.company_id),
            text,
        ));
    }
    Ok(changes)
}
