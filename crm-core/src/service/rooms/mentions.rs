//! @mentions: who a message names and may read it, so they are notified even when they are
//! not watching the room.

use super::{Rooms, access::Access};
use crate::{
    Result,
    domain::{Login, Message, UserId},
    store::user_store,
};

/// Most people one message can notify; the rest of a long list is ignored.
const MAX_MENTIONS: usize = 20;

/// The logins written as `@login` in a text, in order, without repeats.
pub fn mentioned_logins(body: &str) -> Vec<Login> {
    let mut found: Vec<Login> = Vec::new();
    for (index, _) in body.match_indices('@') {
        // An @ inside a word (an e-mail address) is not a mention.
        let before = body[..index].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &body[index + 1..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')))
            .unwrap_or(rest.len());
        let candidate = rest[..end].trim_end_matches(['.', '-']);
        if let Ok(login) = Login::parse(candidate)
            && !found.contains(&login)
        {
            found.push(login);
        }
        if found.len() == MAX_MENTIONS {
            break;
        }
    }
    found
}

impl Rooms {
    /// The users a message mentions who may read its room, without its author.
    pub async fn mentioned_readers(&self, message: &Message) -> Result<Vec<UserId>> {
        let logins = mentioned_logins(&message.body);
        if logins.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.store.acquire().await?;
        let mut readers = Vec::new();
        for login in logins {
            let Some(found) = user_store::find_by_login(&mut conn, &login).await? else {
                continue;
            };
            let user = found.user;
            if Some(user.id) == message.author_id || user.disabled {
                continue;
            }
            if Access::load(&mut conn, message.room_id, &user)
                .await
                .is_ok()
            {
                readers.push(user.id);
            }
        }
        Ok(readers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(body: &str) -> Vec<String> {
        mentioned_logins(body)
            .into_iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn finds_mentions_at_word_starts_and_ignores_email_addresses() {
        assert_eq!(
            names("@anna, ask @Boris.K. please"),
            vec!["anna", "boris.k"]
        );
        assert_eq!(names("write to anna@example.com"), Vec::<String>::new());
        assert_eq!(names("@оля и @anna и снова @anna"), vec!["оля", "anna"]);
    }
}
