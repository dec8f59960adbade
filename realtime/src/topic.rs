//! Typed, validated bus topics. This module owns the topic naming scheme (`room:{id}`,
//! `user:{id}`, `visitor:{id}`, `presence:{tenant}`, `crm:{tenant}`) and the rules every
//! topic obeys; it does not know which bus carries them or who may subscribe to what
//! (authorisation is the gateway's job).

use std::borrow::Borrow;
use std::fmt;

use crate::BusError;

/// Longest topic accepted, in bytes. Keeps Redis channel names and map keys small.
pub const MAX_TOPIC_LEN: usize = 200;

/// A validated topic name: non-empty, at most [`MAX_TOPIC_LEN`] bytes, and free of
/// whitespace and control characters, so it is safe as a Redis channel name and in logs.
///
/// The invariant is enforced at construction; every constructor goes through [`Topic::new`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Topic(String);

impl Topic {
    /// Validates `raw` and wraps it.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `raw` is empty, too long, or contains whitespace or
    /// control characters.
    pub fn new(raw: impl Into<String>) -> Result<Self, BusError> {
        let raw = raw.into();
        let reason = if raw.is_empty() {
            Some("is empty")
        } else if raw.len() > MAX_TOPIC_LEN {
            Some("is longer than 200 bytes")
        } else if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("contains whitespace or control characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(BusError::InvalidTopic {
                topic: raw.chars().take(64).collect(),
                reason,
            }),
            None => Ok(Self(raw)),
        }
    }

    /// The topic carrying a room's (conversation's) events: `room:{id}`.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `id` renders to something a topic may not contain.
    pub fn room(id: impl fmt::Display) -> Result<Self, BusError> {
        Self::new(format!("room:{id}"))
    }

    /// The topic carrying events addressed to one user on any of their sessions: `user:{id}`.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `id` renders to something a topic may not contain.
    pub fn user(id: impl fmt::Display) -> Result<Self, BusError> {
        Self::new(format!("user:{id}"))
    }

    /// The topic carrying what reaches one website-widget visitor: `visitor:{id}`.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `id` renders to something a topic may not contain.
    pub fn visitor(id: impl fmt::Display) -> Result<Self, BusError> {
        Self::new(format!("visitor:{id}"))
    }

    /// The topic carrying a tenant's presence changes: `presence:{tenant}`.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `tenant` is not valid inside a topic.
    pub fn presence(tenant: &str) -> Result<Self, BusError> {
        Self::new(format!("presence:{tenant}"))
    }

    /// The topic telling CRM screens that a record changed: `crm:{tenant}`. It carries ids
    /// only; whoever receives one reads the record again, under their own visibility.
    ///
    /// # Errors
    /// [`BusError::InvalidTopic`] when `tenant` is not valid inside a topic.
    pub fn crm(tenant: &str) -> Result<Self, BusError> {
        Self::new(format!("crm:{tenant}"))
    }

    /// The topic as a string slice (also its Redis channel name).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lets maps keyed by `Topic` be queried with a `&str` (e.g. a Redis channel name).
impl Borrow<str> for Topic {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Topic {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_constructors_build_the_documented_names() {
        assert_eq!(
            Topic::room(42).map(|t| t.to_string()).ok(),
            Some("room:42".into())
        );
        assert_eq!(
            Topic::user("u1").map(|t| t.to_string()).ok(),
            Some("user:u1".into())
        );
        assert_eq!(
            Topic::visitor("v1").map(|t| t.to_string()).ok(),
            Some("visitor:v1".into())
        );
        assert_eq!(
            Topic::presence("acme").map(|t| t.to_string()).ok(),
            Some("presence:acme".into())
        );
        assert_eq!(
            Topic::crm("acme").map(|t| t.to_string()).ok(),
            Some("crm:acme".into())
        );
    }

    #[test]
    fn empty_long_spaced_and_control_topics_are_rejected() {
        for raw in [
            String::new(),
            "x".repeat(MAX_TOPIC_LEN + 1),
            "room 1".into(),
            "room:\n1".into(),
            "room:\u{7}".into(),
        ] {
            assert!(
                matches!(Topic::new(raw.clone()), Err(BusError::InvalidTopic { .. })),
                "{raw:?} should be rejected"
            );
        }
        assert!(Topic::new("x".repeat(MAX_TOPIC_LEN)).is_ok());
    }
}
