//! Staff accounts: roles, logins, display names and the password policy.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{DepartmentId, Timestamp, UserId};
use crate::Error;

/// What a staff member may do. Visibility of records follows from the role: admins see
/// everything, supervisors the department subtree they head, operators and viewers their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Supervisor,
    Operator,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Supervisor, Role::Operator, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| {
                Error::validation("role", "must be one of admin, supervisor, operator, viewer")
            })
    }

    /// Viewers read; every other role may write within what it sees.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login name: 2–64 characters of lowercase letters, digits, `.`, `_`, `-` or `@`,
/// compared case-insensitively (stored lowercased).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let login = raw.trim().to_lowercase();
        let length = login.chars().count();
        if !(2..=64).contains(&length) {
            return Err(Error::validation(
                "login",
                "must be 2 to 64 characters long",
            ));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !login.chars().all(allowed) {
            return Err(Error::validation(
                "login",
                "may contain only letters, digits, '.', '_', '-' and '@'",
            ));
        }
        Ok(Self(login))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown to colleagues and clients: 1–100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 || length > 100 {
            return Err(Error::validation(
                "display_name",
                "must be 1 to 100 characters long",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::validation(
                "display_name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plaintext password on its way to being hashed or checked. Never logged.
pub struct Password(SecretString);

impl Password {
    pub const MIN_LENGTH: usize = 10;
    pub const MAX_LENGTH: usize = 256;

    /// A password chosen by a person: long enough to resist guessing, bounded so hashing
    /// cannot be used to burn CPU.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let length = raw.chars().count();
        if length < Self::MIN_LENGTH {
            return Err(Error::validation(
                "password",
                "must be at least 10 characters long",
            ));
        }
        if length > Self::MAX_LENGTH {
            return Err(Error::validation(
                "password",
                "must be at most 256 characters long",
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// A password typed at login: any length up to the bound, so the check itself decides.
    pub fn attempt(raw: &str) -> Result<Self, Error> {
        if raw.chars().count() > Self::MAX_LENGTH {
            return Err(Error::Unauthenticated);
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// A random password for bootstrap and CLI-created accounts (about 120 bits).
    pub fn generate() -> Self {
        use rand::Rng;
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::thread_rng();
        let text: String = (0..21)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        Self(SecretString::from(text))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A staff account as the rest of the system sees it (no password hash).
#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: UserId,
    pub login: Login,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
}

#[derive(Debug)]
pub struct NewUser {
    pub login: Login,
    pub display_name: DisplayName,
    pub email: Option<String>,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub password: Password,
    pub must_change_password: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_lowercased_and_trimmed() {
        assert_eq!(Login::parse("  Anna.K ").unwrap().as_str(), "anna.k");
    }

    #[test]
    fn login_rejects_spaces_and_too_short_names() {
        assert!(Login::parse("a").is_err());
        assert!(Login::parse("anna k").is_err());
    }

    #[test]
    fn cyrillic_logins_are_allowed() {
        assert_eq!(Login::parse("Оператор1").unwrap().as_str(), "оператор1");
    }

    #[test]
    fn short_passwords_are_rejected_with_the_field_named() {
        let error = Password::parse("short").unwrap_err();
        assert!(matches!(error, Error::Validation { ref field, .. } if field == "password"));
    }

    #[test]
    fn generated_passwords_satisfy_the_policy_and_differ() {
        let a = Password::generate();
        let b = Password::generate();
        assert!(Password::parse(a.expose()).is_ok());
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn unknown_role_lists_the_valid_ones() {
        let message = Role::parse("root").unwrap_err().to_string();
        assert!(
            message.contains("admin, supervisor, operator, viewer"),
            "{message}"
        );
    }
}
