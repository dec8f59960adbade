//! Argon2id password hashing, run off the async executor because it is CPU-bound by design.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::{Error, Result, domain::Password};

pub(crate) async fn hash(password: Password) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| Error::Internal(format!("password hashing failed: {error}").into()))
    })
    .await
    .map_err(|_| Error::Internal("password hashing task failed".into()))?
}

/// Checks a password against a stored hash. With no hash (unknown login) it still does the
/// same work against a fixed hash, so response time does not reveal which logins exist.
pub(crate) async fn verify(password: Password, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DECOY_HASH.to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|_| Error::Internal("stored password hash is malformed".into()))?;
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(|_| Error::Internal("password check task failed".into()))?
}

/// A well-formed argon2id hash with the default parameters whose digest is random bytes, so
/// no password matches it.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3dpdGNoYm9hcmRkZWNveQ$3ujmTgxJRw3d9fqEeMWc3SCQyzvPDOz5DrrgowD8Fsk";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let stored = hash(Password::parse("correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify(
                Password::attempt("correct horse battery").unwrap(),
                Some(stored.clone())
            )
            .await
            .unwrap()
        );
        assert!(
            !verify(
                Password::attempt("wrong horse battery").unwrap(),
                Some(stored)
            )
            .await
            .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_login_never_verifies() {
        assert!(
            !verify(Password::attempt("anything at all").unwrap(), None)
                .await
                .unwrap()
        );
    }
}
