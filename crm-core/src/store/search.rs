//! Full-text search over message bodies: SQLite's FTS5 index `message_search` and
//! PostgreSQL's expression GIN index `messages_search` (migration `…000005_search`).
//!
//! The caller's text is always a bound parameter. It is first reduced to plain words and then
//! rewritten in the engine's query syntax with every word quoted, so quotes, `*`, `-`, `:`,
//! parentheses or operator words in the input are searched for as text (or dropped as
//! punctuation) and never parsed as syntax. Each word matches as a prefix, and all words must
//! match. Which rooms may be searched is part of the SQL: rooms the reader belongs to and
//! public channels. Deleted messages never match.

use super::{
    Backend, Conn,
    rows::{MessageRow, message_columns},
};
use crate::{
    Result,
    domain::{Message, MessageId, RoomId, UserId},
};

/// What to search for, and on whose behalf.
pub(crate) struct MessageFilter<'a> {
    pub reader: UserId,
    /// The caller's text, already validated and trimmed.
    pub text: &'a str,
    pub room: Option<RoomId>,
    /// Only messages older than this one (the last hit of the previous page).
    pub before: Option<MessageId>,
    pub limit: i64,
}

/// A page of matching messages, newest first, and the lowercased terms the engine matched
/// as prefixes, for highlighting.
pub(crate) struct Found {
    pub messages: Vec<Message>,
    pub terms: Vec<String>,
}

/// The part of the search SQL both engines share: the reading rule, the optional room, the
/// cursor and the order. `m` is the message, `r` its room; `$2` is the reader, `$3` the room,
/// `$4` the cursor and `$5` the page size.
macro_rules! readable_page {
    () => {
        " and m.deleted_at is null \
          and ((r.kind = 'channel' and r.is_private = 0) \
               or exists (select 1 from room_members rm where rm.room_id = m.room_id and rm.user_id = $2)) \
          and ($3 is null or m.room_id = $3) \
          and ($4 is null or m.id < $4) \
          order by m.id desc limit $5) \
         order by id desc"
    };
}

pub(crate) async fn messages(
    conn: &mut Conn,
    backend: Backend,
    filter: &MessageFilter<'_>,
) -> Result<Found> {
    match backend {
        Backend::Sqlite => sqlite::messages(conn, filter).await,
        Backend::Postgres => postgres::messages(conn, filter).await,
    }
}

/// The words of a text: runs of letters and digits, lowercased, each once, in order.
/// Everything else (quotes, operators, punctuation) separates words.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

async fn fetch_page(
    conn: &mut Conn,
    sql: &'static str,
    query: String,
    filter: &MessageFilter<'_>,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(sql)
        .bind(query)
        .bind(filter.reader.to_string())
        .bind(filter.room.map(|id| id.to_string()))
        .bind(filter.before.map(|id| id.to_string()))
        .bind(filter.limit)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(Message::try_from).collect()
}

mod sqlite {
    use super::*;

    pub(super) async fn messages(conn: &mut Conn, filter: &MessageFilter<'_>) -> Result<Found> {
        let terms = words(filter.text);
        if terms.is_empty() {
            return Ok(Found {
                messages: Vec::new(),
                terms,
            });
        }
        let messages = fetch_page(
            conn,
            concat!(
                "select ",
                message_columns!(),
                " from messages where id in (select m.id from message_search \
                 join message_search_keys k on k.key = message_search.rowid \
                 join messages m on m.id = k.message_id join rooms r on r.id = m.room_id \
                 where message_search match $1",
                readable_page!()
            ),
            fts5_query(&terms),
            filter,
        )
        .await?;
        Ok(Found { messages, terms })
    }

    /// Every word as a quoted FTS5 string with a prefix star; juxtaposed strings must all
    /// match. Inside quotes `AND`, `OR`, `NOT`, `NEAR`, `*`, `:` and `-` are plain text.
    pub(super) fn fts5_query(terms: &[String]) -> String {
        terms
            .iter()
            .map(|term| format!("\"{}\"*", term.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

mod postgres {
    use std::collections::BTreeMap;

    use super::*;

    pub(super) async fn messages(conn: &mut Conn, filter: &MessageFilter<'_>) -> Result<Found> {
        if words(filter.text).is_empty() {
            return Ok(Found {
                messages: Vec::new(),
                terms: Vec::new(),
            });
        }
        // The words as the index sees them (the parser of the `simple` configuration, so
        // `e-mail`, `3.14` or `anna@example.com` split the same way as in bodies), each with
        // the stems the `russian` configuration gives it: Russian words through the Russian
        // Snowball stemmer, Latin ones through the English one, stop words none.
        let pairs: Vec<(String, Option<String>)> = sqlx::query_as(
            "select w.lexeme, s.lexeme from unnest(to_tsvector('simple', $1)) w \
             left join lateral unnest(to_tsvector('russian', w.lexeme)) s on true",
        )
        .bind(without_controls(filter.text))
        .fetch_all(&mut *conn)
        .await?;
        let mut alternatives: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (word, stem) in pairs {
            let forms = alternatives.entry(word.clone()).or_default();
            if let Some(stem) = stem.filter(|stem| *stem != word && !forms.contains(stem)) {
                forms.push(stem);
            }
        }
        if alternatives.is_empty() {
            return Ok(Found {
                messages: Vec::new(),
                terms: Vec::new(),
            });
        }
        let messages = fetch_page(
            conn,
            concat!(
                "select ",
                message_columns!(),
                " from messages where id in (select m.id from messages m \
                 join rooms r on r.id = m.room_id \
                 where to_tsvector('simple', m.body) @@ cast($1 as tsquery)",
                readable_page!()
            ),
            tsquery(&alternatives),
            filter,
        )
        .await?;
        let mut terms = Vec::new();
        for (word, stems) in alternatives {
            terms.push(word);
            terms.extend(stems);
        }
        Ok(Found { messages, terms })
    }

    /// `('word':* | 'stem':*) & …` in tsquery syntax. A stem matched as a prefix of the
    /// unstemmed index finds the other forms of a word (a Russian stem is always a prefix of
    /// the word), so one `simple` index serves both.
    pub(super) fn tsquery(alternatives: &BTreeMap<String, Vec<String>>) -> String {
        alternatives
            .iter()
            .map(|(word, stems)| {
                let forms: Vec<String> = std::iter::once(word)
                    .chain(stems)
                    .map(|form| format!("{}:*", quote_lexeme(form)))
                    .collect();
                format!("({})", forms.join(" | "))
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// PostgreSQL text cannot hold NUL; control characters separate words anyway.
    fn without_controls(text: &str) -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }

    /// A lexeme as a tsquery literal: single-quoted, with quotes doubled and backslashes
    /// escaped, so that its text is taken as is.
    fn quote_lexeme(lexeme: &str) -> String {
        format!("'{}'", lexeme.replace('\\', "\\\\").replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits_lowercased_once() {
        assert_eq!(
            words("Привет, ПРИВЕТ! \"e-mail\" OR (3.14) -x:y*"),
            ["привет", "e", "mail", "or", "3", "14", "x", "y"]
        );
        assert!(words("\"*-:()' ;--").is_empty());
    }

    #[test]
    fn fts5_terms_are_quoted_prefix_strings() {
        let terms = words("NEAR(a b) OR \"x\"");
        assert_eq!(
            sqlite::fts5_query(&terms),
            "\"near\"* \"a\"* \"b\"* \"or\"* \"x\"*"
        );
    }

    #[test]
    fn tsquery_lexemes_are_quoted_with_their_stems_as_alternatives() {
        let mut alternatives = BTreeMap::new();
        alternatives.insert("сообщения".to_owned(), vec!["сообщен".to_owned()]);
        alternatives.insert("o'neil\\".to_owned(), Vec::new());
        assert_eq!(
            postgres::tsquery(&alternatives),
            "('o''neil\\\\':*) & ('сообщения':* | 'сообщен':*)"
        );
    }
}
