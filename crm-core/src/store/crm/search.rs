//! Finding records by text (`q`) and by likeness (duplicates), for contacts and companies.
//!
//! `q` matches a record when every word of it is a prefix of one of the record's name words
//! (the word index, as range scans), or when it is, normalized, one of the record's phones
//! or e-mails exactly. How the words are matched depends on how common they are, measured
//! first with a bounded count of each word's range (`Text::measure`):
//!
//! - `Mode::Set`: the rarest word drives; its range gives the candidate ids and every other
//!   word is a correlated `exists` probe through `(contact_id, word)`, so the cost follows
//!   the rarest word, never the commonest. Pages of rare words use it.
//! - `Mode::Probe`: when even the rarest word is common (`DENSE` index entries or more), a
//!   page is read in the records' own order with every word as a probe, and stops after one
//!   page of hits; matches are frequent then, so few records are probed.
//! - `Mode::Driven`: for totals, the rarest word's range is walked as the outer loop (each
//!   record once: only at its first word in the range) and the count stops at a cap, so a
//!   total of a common name costs a bounded walk instead of a count of everything. When the
//!   filter without the search leaves few records (`RECORD_WALK_MAX`), a total of common
//!   words walks those records with probes instead.

use std::collections::HashMap;

use super::{
    reach::Owner,
    sql::{Scope, Sql, prefix_end},
};
use crate::{
    Result,
    domain::crm::{EmailAddress, PhoneNumber, names},
    store::Conn,
};

/// Where a search total stops counting.
pub(crate) const TOTAL_CAP: i64 = 1_000;

/// A search total walks the records themselves, probing each, when there are at most this
/// many before the search (one operator's contacts, one company's): cheaper than walking
/// the range of a common word and dropping most of it as out of scope.
pub(crate) const RECORD_WALK_MAX: i64 = 20_000;

/// Word-index entries from which a word counts as common.
const DENSE: i64 = 2_000;

/// How a search condition is written; see the module comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Set,
    Probe,
    /// The statement reads `from <words> w join <records> c on c.id = w.<key>`.
    Driven,
}

/// A search text taken apart, with the frequency of each word measured.
pub(crate) struct Text {
    /// Words with the number of index entries in their range, up to `DENSE`; rarest first.
    words: Vec<(String, i64)>,
    phone: Option<PhoneNumber>,
    email: Option<EmailAddress>,
}

impl Text {
    /// Splits `q` (already validated) and counts each word's range in `owner`'s index.
    pub async fn measure(conn: &mut Conn, owner: Owner, q: &str) -> Result<Self> {
        let mut words = Vec::new();
        for word in names::search_words([q]) {
            let mut sql = Sql::new("select count(*) from (select 1 from ");
            sql.push(owner.words())
                .push(" w where w.word >= ")
                .text(&word)
                .push(" and w.word < ")
                .text(prefix_end(&word))
                .push(" limit ")
                .int(DENSE)
                .push(") sample");
            let count = sql.fetch_scalar(&mut *conn).await?;
            words.push((word, count));
        }
        words.sort_by_key(|(_, count)| *count);
        Ok(Self {
            words,
            phone: PhoneNumber::parse(q).ok(),
            email: q
                .contains('@')
                .then(|| EmailAddress::parse(q).ok())
                .flatten(),
        })
    }

    /// Whether some word has no match at all, so that only a phone or e-mail can match.
    fn no_words(&self) -> bool {
        self.words.is_empty() || self.words.iter().any(|(_, count)| *count == 0)
    }

    /// Whether every word is common (and all of them have matches).
    pub fn dense(&self) -> bool {
        !self.no_words() && self.words.first().is_some_and(|(_, count)| *count >= DENSE)
    }

    /// How to read a page: in the records' order when every word is common.
    pub fn page_mode(&self) -> Mode {
        if self.dense() { Mode::Probe } else { Mode::Set }
    }

    /// Whether a total can be counted word-driven: only names can match (no phone or e-mail
    /// alternative) and every word has matches.
    pub fn can_drive(&self) -> bool {
        !self.no_words() && self.phone.is_none() && self.email.is_none()
    }

    /// Appends the condition on `c` in the given mode (`Driven` only when `can_drive`).
    pub fn restrict(&self, sql: &mut Sql, owner: Owner, mode: Mode) {
        let no_words = self.no_words();
        if no_words && self.phone.is_none() && self.email.is_none() {
            sql.push(" and 1 = 0");
            return;
        }
        let Some(((driver, _), rest)) = self.words.split_first().filter(|_| !no_words) else {
            sql.push(" and c.id in (");
            self.exact(sql, owner, "", "");
            sql.push(")");
            return;
        };
        match mode {
            Mode::Probe => {
                sql.push(" and (");
                for (index, (word, _)) in self.words.iter().enumerate() {
                    if index > 0 {
                        sql.push(" and ");
                    }
                    word_probe(sql, owner, word, "c.id");
                }
                self.exact(sql, owner, " or c.id in (", ")");
                sql.push(")");
            }
            Mode::Driven => {
                sql.push(" and w.word >= ")
                    .text(driver)
                    .push(" and w.word < ")
                    .text(prefix_end(driver))
                    // Each record once: at the first of its words in the range.
                    .push(" and not exists (select 1 from ")
                    .push(owner.words())
                    .push(" x where x.")
                    .push(owner.key())
                    .push(" = w.")
                    .push(owner.key())
                    .push(" and x.word >= ")
                    .text(driver)
                    .push(" and x.word < w.word limit 1 offset 0)");
                for (word, _) in rest {
                    sql.push(" and ");
                    word_probe(sql, owner, word, "w.");
                }
            }
            Mode::Set => {
                sql.push(" and c.id in (select w.")
                    .push(owner.key())
                    .push(" from ")
                    .push(owner.words())
                    .push(" w where w.word >= ")
                    .text(driver)
                    .push(" and w.word < ")
                    .text(prefix_end(driver));
                for (word, _) in rest {
                    sql.push(" and ");
                    word_probe(sql, owner, word, "w.");
                }
                self.exact(sql, owner, " union ", "");
                sql.push(")");
            }
        }
    }

    /// The phone and e-mail alternatives as `select` statements joined by `union`, opened
    /// with `open` and closed with `close` when there is any.
    fn exact(&self, sql: &mut Sql, owner: Owner, open: &'static str, close: &'static str) {
        if self.phone.is_none() && self.email.is_none() {
            return;
        }
        sql.push(open);
        if let Some(phone) = &self.phone {
            sql.push("select p.")
                .push(owner.key())
                .push(" from ")
                .push(owner.phones())
                .push(" p where p.number = ")
                .text(phone.as_str());
        }
        if let Some(email) = &self.email {
            if self.phone.is_some() {
                sql.push(" union ");
            }
            sql.push("select e.")
                .push(owner.key())
                .push(" from ")
                .push(owner.emails())
                .push(" e where e.email = ")
                .text(email.as_str());
        }
        sql.push(close);
    }
}

/// `exists (…)`: the record `subject` has a word starting with `word`. `subject` is either
/// `c.id` or `w.` (the driving word row, whose key column is appended).
///
/// A probe looks at one record's few words through `(contact_id, word)`, so the prefix test
/// is written as `substr(…) = …`, which no index can serve: given a range on `word`,
/// PostgreSQL, whose estimate for a Cyrillic prefix range is poor (one row for 24,000),
/// scans the range in the `(word, contact_id)` key for every record probed instead.
///
/// Every probe ends in `limit 1 offset 0`, which keeps it a per-row check on both engines:
/// without a limit SQLite (3.51) turns `exists` into a join it may reorder, and then reads
/// the whole table and sorts it instead of walking the records in order (600 ms instead of
/// 2 ms for a common name at a million contacts); PostgreSQL drops a bare `limit` from an
/// `exists` and pulls it up into a semi-join, but leaves one with an `offset` alone.
fn word_probe(sql: &mut Sql, owner: Owner, word: &str, subject: &'static str) {
    sql.push("exists (select 1 from ")
        .push(owner.words())
        .push(" v where v.")
        .push(owner.key())
        .push(" = ")
        .push(subject);
    if subject == "w." {
        sql.push(owner.key());
    }
    sql.push(" and substr(v.word, 1, cast(")
        .int(word.chars().count() as i64)
        .push(" as integer)) = ")
        .text(word)
        .push(" limit 1 offset 0)");
}

/// What makes two records look alike.
pub(crate) struct Similar<'a> {
    pub phones: &'a [PhoneNumber],
    pub emails: &'a [EmailAddress],
    pub name_key: Option<&'a str>,
    /// Record ids never reported (the record being checked).
    pub exclude: &'a [String],
}

/// Ids of live records the scope sees that share a phone, an e-mail or the name key, with
/// which of the three matched. Each criterion is an index lookup, at most `limit` records.
pub(crate) async fn similar(
    conn: &mut Conn,
    owner: Owner,
    scope: &Scope,
    criteria: &Similar<'_>,
    limit: i64,
) -> Result<HashMap<String, [bool; 3]>> {
    let mut found: HashMap<String, [bool; 3]> = HashMap::new();
    let lookups: [(usize, Vec<String>, &'static str, &'static str); 2] = [
        (
            0,
            criteria
                .phones
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            owner.phones(),
            "number",
        ),
        (
            1,
            criteria
                .emails
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
            owner.emails(),
            "email",
        ),
    ];
    for (reason, values, table, column) in lookups {
        if values.is_empty() {
            continue;
        }
        let mut sql = Sql::new("select distinct c.id from ");
        sql.push(table)
            .push(" x join ")
            .push(owner.table())
            .push(" c on c.id = x.")
            .push(owner.key())
            .push(" where x.")
            .push(column)
            .push(" in (")
            .list(values)
            .push(") and c.deleted_at is null");
        exclude(&mut sql, criteria.exclude);
        scope.restrict(&mut sql);
        sql.push(" limit ").int(limit);
        for id in ids(conn, sql).await? {
            found.entry(id).or_default()[reason] = true;
        }
    }
    if let Some(key) = criteria.name_key {
        let mut sql = Sql::new("select c.id from ");
        sql.push(owner.table())
            .push(" c where c.name_key = ")
            .text(key)
            .push(" and c.deleted_at is null");
        exclude(&mut sql, criteria.exclude);
        scope.restrict(&mut sql);
        sql.push(" limit ").int(limit);
        for id in ids(conn, sql).await? {
            found.entry(id).or_default()[2] = true;
        }
    }
    Ok(found)
}

fn exclude(sql: &mut Sql, ids: &[String]) {
    if !ids.is_empty() {
        sql.push(" and c.id not in (").list(ids).push(")");
    }
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

async fn ids(conn: &mut Conn, sql: Sql) -> Result<Vec<String>> {
    Ok(sql
        .fetch_all::<IdRow>(conn)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect())
}
