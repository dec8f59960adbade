//! References from a row to other records, by id or by something people recognise: users
//! by login, companies by name, contacts by e-mail or phone, pipelines and stages by name.
//! The natural key is what makes a file portable to another installation, where the ids
//! differ. Every lookup of a record stays within what the importer may see.

use std::collections::HashMap;

use crate::{
    Error, Result,
    domain::{
        UserId,
        crm::{
            CompanyFilter, CompanyId, ContactFilter, ContactId, EmailAddress, PhoneNumber,
            Pipeline, PipelineId, StageId,
        },
    },
    store::{
        Conn,
        crm::{Scope, companies as company_store, contacts as contact_store},
        user_store,
    },
};

/// Candidates read when a name search could match more than one record.
const MATCH_PROBE: i64 = 20;

/// Staff, for the `responsible` column: written as the login, read as a login or an id.
pub struct Users {
    logins: HashMap<UserId, String>,
    ids: HashMap<String, UserId>,
}

impl Users {
    pub async fn load(conn: &mut Conn) -> Result<Self> {
        let users = user_store::list(conn).await?;
        Ok(Self {
            logins: users
                .iter()
                .map(|user| (user.id, user.login.to_string()))
                .collect(),
            ids: users
                .iter()
                .map(|user| (user.login.to_string(), user.id))
                .collect(),
        })
    }

    pub fn login(&self, id: Option<UserId>) -> &str {
        id.and_then(|id| self.logins.get(&id))
            .map_or("", String::as_str)
    }

    /// Empty is `None`; whether the user may be responsible is the service's check.
    pub fn resolve(&self, cell: &str) -> Result<Option<UserId>> {
        let cell = cell.trim();
        if cell.is_empty() {
            return Ok(None);
        }
        if let Ok(id) = cell.parse::<UserId>() {
            return Ok(Some(id));
        }
        self.ids
            .get(&cell.to_lowercase())
            .copied()
            .map(Some)
            .ok_or_else(|| Error::validation("responsible", "no user has this login"))
    }
}

/// Exactly one match, or a validation error on `column` saying why not.
fn single<T>(mut found: Vec<T>, column: &'static str, what: &str) -> Result<T> {
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::validation(
            column,
            format!("no {what} you can see matches"),
        )),
        n => Err(Error::validation(
            column,
            format!("{n} {what}s match; give the id instead"),
        )),
    }
}

/// A company by id when it names one the importer sees, else by its exact name (any
/// letter case). Both cells empty: no company.
pub async fn company(
    conn: &mut Conn,
    scope: &Scope,
    id: &str,
    name: &str,
) -> Result<Option<CompanyId>> {
    let (id, name) = (id.trim(), name.trim());
    if !id.is_empty() {
        let parsed: CompanyId = id
            .parse()
            .map_err(|_| Error::validation("company_id", "not a valid company id"))?;
        if company_store::get(conn, scope, parsed).await?.is_some() {
            return Ok(Some(parsed));
        }
        if name.is_empty() {
            return Err(Error::validation("company_id", "no such company"));
        }
    }
    if name.is_empty() {
        return Ok(None);
    }
    let filter = CompanyFilter {
        q: Some(crate::domain::crm::search_text(name).map_err(rename("company_name"))?),
        limit: MATCH_PROBE,
        ..CompanyFilter::default()
    };
    let wanted = name.to_lowercase();
    let found = company_store::list(conn, scope, &filter)
        .await?
        .into_iter()
        .filter(|company| company.name.to_lowercase() == wanted)
        .map(|company| company.id)
        .collect();
    single(found, "company_name", "company").map(Some)
}

/// A contact by id when it names one the importer sees, else by an e-mail or a phone it
/// has. All cells empty: no contact.
pub async fn contact(
    conn: &mut Conn,
    scope: &Scope,
    id: &str,
    email: &str,
    phone: &str,
) -> Result<Option<ContactId>> {
    let (id, email, phone) = (id.trim(), email.trim(), phone.trim());
    if !id.is_empty() {
        let parsed: ContactId = id
            .parse()
            .map_err(|_| Error::validation("contact_id", "not a valid contact id"))?;
        if contact_store::get(conn, scope, parsed).await?.is_some() {
            return Ok(Some(parsed));
        }
        if email.is_empty() && phone.is_empty() {
            return Err(Error::validation("contact_id", "no such contact"));
        }
    }
    if !email.is_empty() {
        let address = EmailAddress::parse(email).map_err(rename("contact_email"))?;
        let found = contacts_matching(conn, scope, address.as_str(), |contact| {
            contact.emails.iter().any(|e| e.address == address)
        })
        .await?;
        return single(found, "contact_email", "contact").map(Some);
    }
    if !phone.is_empty() {
        let number = PhoneNumber::parse(phone).map_err(rename("contact_phone"))?;
        let found = contacts_matching(conn, scope, number.as_str(), |contact| {
            contact.phones.iter().any(|p| p.number == number)
        })
        .await?;
        return single(found, "contact_phone", "contact").map(Some);
    }
    Ok(None)
}

/// Contacts found by the list search for `q` that pass `keep`.
async fn contacts_matching(
    conn: &mut Conn,
    scope: &Scope,
    q: &str,
    keep: impl Fn(&crate::domain::crm::Contact) -> bool,
) -> Result<Vec<ContactId>> {
    let filter = ContactFilter {
        q: Some(q.to_owned()),
        limit: MATCH_PROBE,
        ..ContactFilter::default()
    };
    Ok(contact_store::list(conn, scope, &filter)
        .await?
        .into_iter()
        .filter(|contact| keep(contact))
        .map(|contact| contact.id)
        .collect())
}

/// Pipelines and their stages, read once per import.
pub struct Pipelines(pub Vec<Pipeline>);

impl Pipelines {
    pub fn name_of(&self, id: PipelineId) -> &str {
        self.0
            .iter()
            .find(|pipeline| pipeline.id == id)
            .map_or("", |pipeline| pipeline.name.as_str())
    }

    pub fn stage_name(&self, pipeline: PipelineId, stage: StageId) -> &str {
        self.0
            .iter()
            .find(|p| p.id == pipeline)
            .and_then(|p| p.stage(stage))
            .map_or("", |stage| stage.name.as_str())
    }

    /// The pipeline (id or name; empty: none named) and the stage (id or name) within it,
    /// or within the default pipeline when none is named.
    pub fn resolve(
        &self,
        pipeline: &str,
        stage: &str,
    ) -> Result<(Option<PipelineId>, Option<StageId>)> {
        let (pipeline, stage) = (pipeline.trim(), stage.trim());
        let named = if pipeline.is_empty() {
            None
        } else {
            let wanted = pipeline.to_lowercase();
            let found = self
                .0
                .iter()
                .filter(|p| p.id.to_string() == wanted || p.name.to_lowercase() == wanted)
                .collect();
            Some(single(found, "pipeline", "pipeline")?)
        };
        if stage.is_empty() {
            return Ok((named.map(|p| p.id), None));
        }
        let within = named.or_else(|| self.0.iter().find(|p| p.is_default));
        let wanted = stage.to_lowercase();
        let found = within
            .map(|p| {
                p.stages
                    .iter()
                    .filter(|s| s.id.to_string() == wanted || s.name.to_lowercase() == wanted)
                    .collect()
            })
            .unwrap_or_default();
        let stage = single(found, "stage", "stage of the pipeline")?;
        Ok((named.map(|p| p.id), Some(stage.id)))
    }
}

/// Renames a validation error to the column the value came from.
pub fn rename(column: &'static str) -> impl FnOnce(Error) -> Error {
    move |error| match error {
        Error::Validation { message, .. } => Error::Validation {
            field: column.into(),
            message,
        },
        other => other,
    }
}
