//! Full-text search over the messages a user may read. Which rooms those are is decided in
//! the store's SQL (members' rooms and public channels), never by filtering a page after
//! the fact; this module validates the query and cuts a highlighted snippet from each hit.

use serde::Serialize;

use crate::{
    Error, Result, Store,
    domain::{Message, MessageId, RoomId, User},
    store::search::{self, MessageFilter},
};

/// Longest query accepted, in characters after trimming.
const MAX_QUERY_CHARS: usize = 200;
/// Most hits one page may hold.
const MAX_PAGE: i64 = 100;
/// About how many characters of a long body a snippet shows.
const SNIPPET_CHARS: usize = 160;
/// How much of the text before the first match a snippet keeps, in characters.
const SNIPPET_LEAD: usize = 40;

#[derive(Clone)]
pub struct Search {
    store: Store,
}

/// One matching message, with an excerpt of its body around the first match.
#[derive(Clone, Debug, Serialize)]
pub struct SearchHit {
    pub room_id: RoomId,
    pub message: Message,
    /// The excerpt split into runs; the runs that matched the query have `hit` set. Plain
    /// text rather than markup, so a client never has to escape anything.
    pub snippet: Vec<SnippetPart>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

impl Search {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Messages matching every word of `query` (each as a word prefix, any letter case),
    /// newest first, from the rooms `actor` may read, optionally one `room` only, older than
    /// `before` when given. A room the caller may not read yields no hits rather than an
    /// error, which tells nothing about whether it exists. `limit` is clamped to 1–100.
    #[tracing::instrument(skip_all, fields(user.id = %actor.id), err(level = "warn"))]
    pub async fn messages(
        &self,
        actor: &User,
        query: &str,
        room: Option<RoomId>,
        limit: i64,
        before: Option<MessageId>,
    ) -> Result<Vec<SearchHit>> {
        let text = query.trim();
        let length = text.chars().count();
        if length == 0 || length > MAX_QUERY_CHARS {
            return Err(Error::validation("q", "must be 1 to 200 characters long"));
        }
        let filter = MessageFilter {
            reader: actor.id,
            text,
            room,
            before,
            limit: limit.clamp(1, MAX_PAGE),
        };
        let mut conn = self.store.acquire().await?;
        let found = search::messages(&mut conn, self.store.backend(), &filter).await?;
        let highlight: Vec<String> = found
            .terms
            .iter()
            .flat_map(|term| search::words(term))
            .collect();
        Ok(found
            .messages
            .into_iter()
            .map(|message| SearchHit {
                room_id: message.room_id,
                snippet: snippet(&message.body, &highlight),
                message,
            })
            .collect())
    }
}

/// An excerpt of `body` with whitespace collapsed, starting a little before the first word
/// that begins with one of `terms` (lowercase), at most about `SNIPPET_CHARS` long, with
/// `…` where text was cut and every such word marked as a hit.
fn snippet(body: &str, terms: &[String]) -> Vec<SnippetPart> {
    let text: Vec<char> = collapse_whitespace(body).chars().collect();
    let words = word_spans(&text);
    let is_hit = |&(start, end): &(usize, usize)| {
        let word: String = text[start..end].iter().collect::<String>().to_lowercase();
        terms.iter().any(|term| word.starts_with(term.as_str()))
    };
    let hits: Vec<(usize, usize)> = words.iter().copied().filter(is_hit).collect();
    let (mut from, mut to) = (0, text.len());
    if text.len() > SNIPPET_CHARS {
        let first = hits.first().map_or(0, |&(start, _)| start);
        // Start and end on word boundaries so no word is shown cut in half; near the end of
        // the body, start earlier so the excerpt stays full.
        let earliest = first
            .saturating_sub(SNIPPET_LEAD)
            .min(text.len() - SNIPPET_CHARS);
        from = if earliest == 0 {
            0
        } else {
            words
                .iter()
                .map(|&(start, _)| start)
                .find(|&start| start >= earliest)
                .unwrap_or(first)
        };
        let limit = from + SNIPPET_CHARS;
        to = if limit >= text.len() {
            text.len()
        } else {
            words
                .iter()
                .map(|&(_, end)| end)
                .take_while(|&end| end <= limit)
                .last()
                .filter(|&end| end > from)
                .unwrap_or(limit)
        };
    }
    let mut parts = Vec::new();
    let mut push = |chars: &[char], hit: bool| {
        if !chars.is_empty() {
            parts.push(SnippetPart {
                text: chars.iter().collect(),
                hit,
            });
        }
    };
    if from > 0 {
        push(&['…'], false);
    }
    let mut at = from;
    for &(start, end) in hits
        .iter()
        .filter(|&&(start, end)| start >= from && end <= to)
    {
        push(&text[at..start], false);
        push(&text[start..end], true);
        at = end;
    }
    push(&text[at..to], false);
    if to < text.len() {
        push(&['…'], false);
    }
    merge_plain_runs(parts)
}

fn collapse_whitespace(body: &str) -> String {
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Start and end (exclusive) of every run of letters and digits.
fn word_spans(text: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (index, c) in text.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(index),
            (false, Some(begun)) => {
                spans.push((begun, index));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begun) = start {
        spans.push((begun, text.len()));
    }
    spans
}

/// Joins neighbouring runs that are both plain text (an ellipsis next to a cut), so each
/// part alternates between plain and hit.
fn merge_plain_runs(parts: Vec<SnippetPart>) -> Vec<SnippetPart> {
    let mut merged: Vec<SnippetPart> = Vec::with_capacity(parts.len());
    for part in parts {
        match merged.last_mut() {
            Some(last) if !last.hit && !part.hit => last.text.push_str(&part.text),
            _ => merged.push(part),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|part| {
                if part.hit {
                    format!("[{}]", part.text)
                } else {
                    part.text.clone()
                }
            })
            .collect()
    }

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn a_short_body_is_shown_whole_with_every_prefix_match_marked() {
        let parts = snippet(
            "Привет,\n\nколлеги! Сообщение   об ошибке",
            &terms(&["привет", "сообщ"]),
        );
        assert_eq!(render(&parts), "[Привет], коллеги! [Сообщение] об ошибке");
    }

    #[test]
    fn a_long_body_is_cut_around_the_first_match_on_word_boundaries() {
        let body = format!("{} needle {}", "lorem ".repeat(40), "ipsum ".repeat(40));
        let rendered = render(&snippet(&body, &terms(&["needle"])));
        assert!(rendered.starts_with("…lorem"), "{rendered}");
        assert!(rendered.contains("[needle]"), "{rendered}");
        assert!(rendered.ends_with("ipsum…"), "{rendered}");
        assert!(rendered.chars().count() <= SNIPPET_CHARS + 2, "{rendered}");
    }

    #[test]
    fn a_match_near_the_end_keeps_the_excerpt_full() {
        let body = format!("{} needle.", "lorem ".repeat(60));
        let rendered = render(&snippet(&body, &terms(&["needle"])));
        assert!(rendered.starts_with('…'), "{rendered}");
        assert!(rendered.ends_with("[needle]."), "{rendered}");
        assert!(rendered.chars().count() >= SNIPPET_CHARS - 6, "{rendered}");
    }

    #[test]
    fn without_a_visible_match_the_start_of_the_body_is_shown() {
        let body = "word ".repeat(100);
        let rendered = render(&snippet(&body, &terms(&["absent"])));
        assert!(rendered.starts_with("word word"), "{rendered}");
        assert!(rendered.ends_with('…'), "{rendered}");
    }

    #[test]
    fn parts_alternate_between_plain_text_and_hits() {
        let parts = snippet("a b a", &terms(&["a"]));
        assert_eq!(
            parts.iter().map(|part| part.hit).collect::<Vec<_>>(),
            [true, false, true]
        );
    }
}
