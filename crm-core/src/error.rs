//! The one error type of `crm-core`. Its variants are the cases callers branch on; everything
//! else is `Database` or `Internal` and surfaces as a server error.

use std::borrow::Cow;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The named entity does not exist (or the caller may not know that it does).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// A uniqueness or reference rule was violated; `constraint` names it for the caller.
    #[error("conflict: {message}")]
    Conflict {
        constraint: Cow<'static, str>,
        message: Cow<'static, str>,
    },
    /// The request cannot be carried out in the record's current state (a stage that still
    /// holds deals, a lead converted already); `code` is machine-readable.
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: Cow<'static, str>,
    },
    /// Some items of an all-or-nothing batch failed, so none was applied: the position of
    /// each failed item and why.
    #[error("{} items failed", failures.len())]
    Batch { failures: Vec<(usize, String)> },
    /// A value failed a domain rule; `field` names the input at fault.
    #[error("invalid {field}: {message}")]
    Validation {
        field: Cow<'static, str>,
        message: Cow<'static, str>,
    },
    /// Login or token was not accepted. Deliberately says nothing about which part was wrong.
    #[error("invalid credentials")]
    Unauthenticated,
    /// The caller is known but its role does not allow the action.
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    /// The caller's role may not change one input (a custom field); `field` names it.
    #[error("{field}: {message}")]
    FieldForbidden {
        field: Cow<'static, str>,
        message: Cow<'static, str>,
    },
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Internal(Cow<'static, str>),
}

impl Error {
    pub fn validation(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn refused(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound { entity: "record" },
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let constraint = db
                    .constraint()
                    .map(|c| Cow::Owned(c.to_owned()))
                    .unwrap_or_else(|| Cow::Owned(unique_target(db.message())));
                Self::Conflict {
                    message: Cow::Owned(format!("{constraint} already exists")),
                    constraint,
                }
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::Conflict {
                constraint: Cow::Owned(db.constraint().unwrap_or("foreign_key").to_owned()),
                message: Cow::Borrowed("a referenced record does not exist or is still in use"),
            },
            _ => Self::Database(error),
        }
    }
}

/// SQLite reports no constraint name, only "UNIQUE constraint failed: users.login".
fn unique_target(message: &str) -> String {
    message
        .rsplit_once(": ")
        .map(|(_, target)| target.replace(['.', ','], "_").replace(' ', ""))
        .unwrap_or_else(|| "unique".to_owned())
}
