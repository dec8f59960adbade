//! Multi-row inserts for the fill: values collected per table and sent as one statement
//! of many rows.

use std::fmt::Write as _;

use sqlx::AssertSqlSafe;

use super::Error;

/// Values of one multi-row insert statement. SQLite looks each `$N` parameter up by name
/// while parsing, which costs quadratic time in the number of parameters, so its statements
/// stay small; PostgreSQL takes up to 65,535 and gains from fewer round trips.
pub struct Batch {
    head: &'static str,
    columns: usize,
    values: Vec<Option<String>>,
    numbers: Vec<Option<i64>>,
    /// Per column: true when it is an integer.
    integer: &'static [bool],
    /// Most parameters per statement.
    limit: usize,
}

impl Batch {
    pub fn new(head: &'static str, integer: &'static [bool], limit: usize) -> Self {
        Self {
            head,
            columns: integer.len(),
            values: Vec::new(),
            numbers: Vec::new(),
            integer,
            limit,
        }
    }

    pub fn text(&mut self, value: impl Into<String>) {
        self.values.push(Some(value.into()));
        self.numbers.push(None);
    }

    pub fn opt(&mut self, value: Option<String>) {
        self.values.push(value);
        self.numbers.push(None);
    }

    pub fn int(&mut self, value: i64) {
        self.opt_int(Some(value));
    }

    pub fn opt_int(&mut self, value: Option<i64>) {
        self.values.push(None);
        self.numbers.push(value);
    }

    pub fn full(&self) -> bool {
        self.values.len() + self.columns > self.limit
    }

    pub async fn flush(&mut self, conn: &mut sqlx::AnyConnection) -> Result<(), Error> {
        if self.values.is_empty() {
            return Ok(());
        }
        let mut sql = String::from(self.head);
        for (index, _) in self.values.iter().enumerate() {
            let column = index % self.columns;
            sql.push_str(match column {
                0 if index == 0 => "(",
                0 => "), (",
                _ => ", ",
            });
            let _ = write!(sql, "${}", index + 1);
        }
        sql.push(')');
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (index, (text, number)) in self
            .values
            .drain(..)
            .zip(self.numbers.drain(..))
            .enumerate()
        {
            query = if self.integer[index % self.columns] {
                query.bind(number)
            } else {
                query.bind(text)
            };
        }
        query.execute(conn).await?;
        Ok(())
    }
}

/// Column kinds: text and integer.
pub const T: bool = false;
pub const I: bool = true;

/// The batches of the contact loop, flushed together in foreign-key order.
pub struct Batches {
    pub contacts: Batch,
    pub phones: Batch,
    pub emails: Batch,
    pub identities: Batch,
    pub words: Batch,
    pub entries: Batch,
    pub links: Batch,
}

impl Batches {
    pub fn new(limit: usize) -> Self {
        Self {
            contacts: Batch::new(
                "insert into contacts (id, first_name, last_name, middle_name, name_key, company_id, \
                 source, responsible_id, department_id, custom, created_at, updated_at) values ",
                &[T, T, T, T, T, T, T, T, T, T, I, I],
                limit,
            ),
            phones: Batch::new(
                "insert into contact_phones (contact_id, number, kind, position, created_at, updated_at) values ",
                &[T, T, T, I, I, I],
                limit,
            ),
            emails: Batch::new(
                "insert into contact_emails (contact_id, email, kind, position, created_at, updated_at) values ",
                &[T, T, T, I, I, I],
                limit,
            ),
            identities: Batch::new(
                "insert into contact_identities (id, contact_id, channel, external_id, created_at, updated_at) values ",
                &[T, T, T, T, I, I],
                limit,
            ),
            words: Batch::new(
                "insert into contact_words (word, contact_id) values ",
                &[T, T],
                limit,
            ),
            entries: Batch::new(
                "insert into timeline_entries (id, kind, author_id, occurred_at, summary, payload, created_at, updated_at) values ",
                &[T, T, T, I, T, T, I, I],
                limit,
            ),
            links: Batch::new(
                "insert into timeline_links (entity_kind, entity_id, occurred_at, entry_id, created_at, updated_at) values ",
                &[T, T, I, T, I, I],
                limit,
            ),
        }
    }

    fn all(&mut self) -> [&mut Batch; 7] {
        [
            &mut self.contacts,
            &mut self.phones,
            &mut self.emails,
            &mut self.identities,
            &mut self.words,
            &mut self.entries,
            &mut self.links,
        ]
    }

    /// Flushes all batches, parents before children for the foreign keys, once any of them
    /// is full (or always, with `force`).
    pub async fn flush(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        force: bool,
    ) -> Result<(), Error> {
        if !force && !self.all().iter().any(|batch| batch.full()) {
            return Ok(());
        }
        for batch in self.all() {
            batch.flush(conn).await?;
        }
        Ok(())
    }
}
