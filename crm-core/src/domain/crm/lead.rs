//! Leads: someone who may become a customer, before anyone knows who they are for sure.
//! A lead is worked on, then either converted (into a deal and a contact) or dropped as
//! junk with a reason.

use serde::Serialize;

use super::{
    CalendarDate, CompanyId, ContactId, DealId, LeadId, Money, PipelineId, StageId,
    timeline::text_enum,
};
use crate::{
    Error,
    domain::{DepartmentId, Timestamp, UserId},
};

text_enum!(
    /// Where a lead stands. `converted` is reached only by converting.
    LeadStatus, "status", "new, in_work, converted, junk",
    { New => "new", InWork => "in_work", Converted => "converted", Junk => "junk" }
);

#[derive(Clone, Debug, Serialize)]
pub struct Lead {
    pub id: LeadId,
    pub title: Option<String>,
    /// The person's name as given.
    pub name: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// Lowercased.
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub status: LeadStatus,
    /// Why it is junk; set exactly when the status is junk.
    pub junk_reason: Option<String>,
    pub source: Option<String>,
    pub responsible_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    /// The client's contact (a lead from the open lines), or what converting it produced
    /// or reused.
    pub contact_id: Option<ContactId>,
    pub deal_id: Option<DealId>,
    pub converted_at: Option<Timestamp>,
    /// Custom field values (`custom_fields`).
    pub custom: serde_json::Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Lead {
    /// What the lead is called in lists and on the deal it becomes.
    pub fn label(&self) -> String {
        [
            &self.title,
            &self.name,
            &self.company_name,
            &self.email,
            &self.phone,
        ]
        .into_iter()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_else(|| "Lead".to_owned())
    }

    /// The lowercased text the `q` filter looks in.
    pub fn search_key(&self) -> String {
        [
            &self.title,
            &self.name,
            &self.phone,
            &self.email,
            &self.company_name,
        ]
        .into_iter()
        .flatten()
        .map(|part| part.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// A status a caller may set, with the junk reason it needs.
pub fn check_status(status: LeadStatus, junk_reason: Option<&str>) -> Result<(), Error> {
    match status {
        LeadStatus::Converted => Err(Error::validation(
            "status",
            "a lead becomes converted only through POST /leads/{id}/convert",
        )),
        LeadStatus::Junk if junk_reason.is_none() => Err(Error::validation(
            "junk_reason",
            "is required when the status is junk",
        )),
        _ => Ok(()),
    }
}

#[derive(Clone, Debug, Default)]
pub struct NewLead {
    pub title: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub company_name: Option<String>,
    /// `None`: new.
    pub status: Option<LeadStatus>,
    pub junk_reason: Option<String>,
    pub source: Option<String>,
    /// `None` from staff means "me".
    pub responsible_id: Option<UserId>,
    /// Custom field values, checked against the definitions by the service (`Null` is none).
    pub custom: serde_json::Value,
}

impl NewLead {
    /// A lead needs something to call it by or reach it through, and a valid status.
    pub fn check(&self) -> Result<(), Error> {
        let known = [
            &self.title,
            &self.name,
            &self.phone,
            &self.email,
            &self.company_name,
        ]
        .iter()
        .any(|field| field.is_some());
        if !known {
            return Err(Error::validation(
                "name",
                "give a title, name, phone, e-mail or company name",
            ));
        }
        check_status(
            self.status.unwrap_or(LeadStatus::New),
            self.junk_reason.as_deref(),
        )
    }
}

/// A change to a lead; `None` leaves a field as it is, `Some(None)` clears it. A status
/// other than junk clears the junk reason.
#[derive(Clone, Debug, Default)]
pub struct LeadPatch {
    pub title: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub company_name: Option<Option<String>>,
    pub status: Option<LeadStatus>,
    pub junk_reason: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub responsible_id: Option<UserId>,
    /// The custom values to change, by key; `null` clears one, keys not named stay.
    pub custom: Option<serde_json::Value>,
}

/// Which leads to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct LeadFilter {
    /// Part of the title, name, phone, e-mail or company name, any letter case.
    pub q: Option<String>,
    pub status: Option<LeadStatus>,
    pub source: Option<String>,
    pub responsible_id: Option<UserId>,
    /// Custom field values the leads must hold, all of them.
    pub custom: Vec<super::CustomMatch>,
    pub after: Option<LeadId>,
    pub limit: i64,
}

/// How to convert a lead: into a deal (title, amount, pipeline and stage as for a new deal;
/// the title defaults to the lead's) for an existing contact, or for a new one made from
/// the lead's name, phone and e-mail.
#[derive(Clone, Debug)]
pub struct ConvertLead {
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub title: Option<String>,
    pub money: Money,
    pub expected_close: Option<CalendarDate>,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_needs_a_reason_and_converted_cannot_be_set() {
        assert!(check_status(LeadStatus::Junk, None).is_err());
        assert!(check_status(LeadStatus::Junk, Some("spam")).is_ok());
        assert!(check_status(LeadStatus::Converted, None).is_err());
        assert!(NewLead::default().check().is_err());
    }
}
