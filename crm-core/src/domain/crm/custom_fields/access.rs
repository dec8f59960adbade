//! Who sees a custom field's value and who may change it, by role.

use crate::{Error, domain::Role};

/// Who sees a field's value and who may change it. Admins always do both (they define the
/// fields); whoever may change a value must see it; viewers never change records, so they
/// are never among the editors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldAccess {
    visible_to: Vec<Role>,
    editable_by: Vec<Role>,
}

impl FieldAccess {
    pub fn parse(visible_to: &[Role], editable_by: &[Role]) -> Result<Self, Error> {
        if editable_by.contains(&Role::Viewer) {
            return Err(Error::validation(
                "editable_by",
                "viewers read records and never change them",
            ));
        }
        if let Some(role) = editable_by
            .iter()
            .find(|role| **role != Role::Admin && !visible_to.contains(role))
        {
            return Err(Error::validation(
                "editable_by",
                format!("{role} may change the field only if it also sees it (visible_to)"),
            ));
        }
        let with_admin = |roles: &[Role]| {
            Role::ALL
                .into_iter()
                .filter(|role| *role == Role::Admin || roles.contains(role))
                .collect()
        };
        Ok(Self {
            visible_to: with_admin(visible_to),
            editable_by: with_admin(editable_by),
        })
    }

    /// Everyone sees it; everyone who writes records may change it.
    pub fn open() -> Self {
        Self {
            visible_to: Role::ALL.to_vec(),
            editable_by: vec![Role::Admin, Role::Supervisor, Role::Operator],
        }
    }

    pub fn visible_to(&self) -> &[Role] {
        &self.visible_to
    }

    pub fn editable_by(&self) -> &[Role] {
        &self.editable_by
    }

    pub fn sees(&self, role: Role) -> bool {
        self.visible_to.contains(&role)
    }

    pub fn edits(&self, role: Role) -> bool {
        self.editable_by.contains(&role)
    }
}

/// A roles list as stored: comma-separated names.
pub fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A roles list from its stored text (unknown names, which no write produces, are skipped).
pub fn roles_from_text(text: &str) -> Vec<Role> {
    text.split(',')
        .filter_map(|name| Role::parse(name.trim()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_always_see_and_edit_and_editors_must_see() {
        let access = FieldAccess::parse(&[Role::Operator], &[]).unwrap();
        assert_eq!(access.visible_to(), &[Role::Admin, Role::Operator]);
        assert_eq!(access.editable_by(), &[Role::Admin]);
        assert!(FieldAccess::parse(&[Role::Operator], &[Role::Supervisor]).is_err());
        assert!(FieldAccess::parse(&Role::ALL, &[Role::Viewer]).is_err());
    }

    #[test]
    fn roles_round_trip_through_their_stored_text() {
        let roles = [Role::Admin, Role::Viewer];
        assert_eq!(roles_from_text(&roles_text(&roles)), roles);
    }
}
