//! `Sql`: a statement assembled from `&'static str` pieces and numbered `$N` placeholders,
//! for queries whose shape depends on the filters given (a list of department ids, optional
//! filters). Only placeholders are generated; every value is bound, and text pieces must be
//! literals, which is what makes `AssertSqlSafe` true here. Each filter appears in the SQL
//! only when set (no `$1 is null or …`), so PostgreSQL plans every variant for its indexes.

use std::fmt::Write as _;

use sqlx::{AssertSqlSafe, FromRow, any::AnyRow};

use super::super::{Backend, Conn};
use crate::{
    Result,
    domain::{DepartmentId, UserId},
};

/// The rows a multi-row statement is written with for `rows` rows: the next power of two,
/// the rows past `rows` bound to nulls and written like the others. A statement's text is
/// what the connection's prepared-statement cache (100 entries) keys it by; one text per
/// row count churned that cache on every batch, and a statement missing from it is parsed,
/// planned and, on PostgreSQL, described in a round trip of its own before it runs. Padded,
/// a statement has at most nine texts up to 256 rows. The caller makes sure a row of nulls
/// matches or inserts nothing (`where column1 is not null` for an insert).
pub(crate) fn padded(rows: usize) -> usize {
    rows.max(1).next_power_of_two()
}

/// A bound value.
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
    /// Where each placeholder sits in `text`, to write it as SQLite's bare `?` (see `sql_for`).
    placeholders: Vec<std::ops::Range<usize>>,
}

impl Sql {
    pub fn new(text: &'static str) -> Self {
        Self {
            text: text.to_owned(),
            values: Vec::new(),
            placeholders: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn placeholder(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        let start = self.text.len();
        let _ = write!(self.text, "${}", self.values.len());
        self.placeholders.push(start..self.text.len());
        self
    }

    pub fn text(&mut self, value: impl ToString) -> &mut Self {
        self.placeholder(Value::Text(Some(value.to_string())))
    }

    pub fn opt_text(&mut self, value: Option<impl ToString>) -> &mut Self {
        self.placeholder(Value::Text(value.map(|value| value.to_string())))
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.placeholder(Value::Int(Some(value)))
    }

    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        self.placeholder(Value::Int(value))
    }

    /// Appends `next` as a statement of its own after this one, its placeholders numbered on
    /// from this one's. SQLite runs such a script in one call on its connection's thread
    /// (binding the values in order across the statements); PostgreSQL prepares one
    /// statement at a time, so only SQLite's callers use it.
    pub fn followed_by(&mut self, next: Sql) -> &mut Self {
        self.text.push_str("; ");
        let mut from = 0;
        for (placeholder, value) in next.placeholders.iter().zip(next.values) {
            self.text.push_str(&next.text[from..placeholder.start]);
            self.placeholder(value);
            from = placeholder.end;
        }
        self.text.push_str(&next.text[from..]);
        self
    }

    /// `$a, $b, …` for each value; the caller writes the parentheses and never passes an
    /// empty list (`in ()` is not SQL).
    pub fn list<T: ToString>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        for (index, value) in values.into_iter().enumerate() {
            if index > 0 {
                self.text.push_str(", ");
            }
            self.text(value);
        }
        self
    }

    /// `(values ($a), ($b), …)`: a one-column table (its column is `column1` on both
    /// engines) to join against instead of `in (…)`. PostgreSQL evaluates a long `in` list
    /// of parameters as an array built again for every row it filters — 160 ms for 172
    /// values over 200 rows — while a join against the list looks each value up in an index.
    /// Padded to `padded` rows with nulls, which no join or `=` matches. Never empty.
    pub fn values<T: ToString>(&mut self, values: &[T]) -> &mut Self {
        self.values_of(values, values.len())
    }

    /// `values` written as `padded(rows)` rows (`rows` at least `values.len()`): a statement
    /// whose row count follows another list's.
    pub fn values_of<T: ToString>(&mut self, values: &[T], rows: usize) -> &mut Self {
        self.text.push_str("(values ");
        for row in 0..padded(rows.max(values.len())) {
            self.text.push_str(if row > 0 { ", (" } else { "(" });
            self.opt_text(values.get(row).map(|value| value.to_string()));
            self.text.push(')');
        }
        self.text.push(')');
        self
    }

    /// The statement for `conn`'s engine. SQLite gets bare `?` placeholders, bound in order:
    /// for each numbered one, sqlx asks SQLite its name, a scan of every named placeholder,
    /// which makes binding a statement with thousands of values (a multi-row insert)
    /// quadratic. Each placeholder is used once and in order, so the two forms agree.
    fn sql_for(&mut self, conn: &Conn) -> String {
        let unnumbered = match Backend::of(conn) {
            Backend::Sqlite => self.unnumbered(),
            Backend::Postgres => None,
        };
        unnumbered.unwrap_or_else(|| std::mem::take(&mut self.text))
    }

    /// The text with bare `?` placeholders; none when the statement has a `$` of its own
    /// (a JSON path, say), which the numbered form keeps unambiguous.
    fn unnumbered(&self) -> Option<String> {
        let mut text = String::with_capacity(self.text.len());
        let mut from = 0;
        for placeholder in &self.placeholders {
            let piece = &self.text[from..placeholder.start];
            if piece.contains('$') {
                return None;
            }
            text.push_str(piece);
            text.push('?');
            from = placeholder.end;
        }
        let rest = &self.text[from..];
        if rest.contains('$') {
            return None;
        }
        text.push_str(rest);
        Some(text)
    }

    /// SQLite's text (see `sql_for`) and the values in the order they bind.
    pub fn into_sqlite(self) -> (String, Vec<Value>) {
        let text = self.unnumbered().unwrap_or(self.text);
        (text, self.values)
    }

    pub async fn fetch_all<T>(mut self, conn: &mut Conn) -> Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let mut query = sqlx::query_as::<_, T>(AssertSqlSafe(self.sql_for(conn)));
        for value in self.values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(number) => query.bind(number),
            };
        }
        Ok(query.fetch_all(conn).await?)
    }

    pub async fn fetch_scalar(mut self, conn: &mut Conn) -> Result<i64> {
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(self.sql_for(conn)));
        for value in self.values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(number) => query.bind(number),
            };
        }
        Ok(query.fetch_one(conn).await?)
    }

    pub async fn execute(mut self, conn: &mut Conn) -> Result<u64> {
        let mut query = sqlx::query(AssertSqlSafe(self.sql_for(conn)));
        for value in self.values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(number) => query.bind(number),
            };
        }
        Ok(query.execute(conn).await?.rows_affected())
    }
}

/// Which records a caller may see, as the SQL filter on the record's `responsible_id` and
/// `department_id` (the record is always aliased `c`). The service derives it from the role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Admins: everything.
    All,
    /// Operators and viewers: records they are responsible for.
    Own(UserId),
    /// Supervisors: records in the departments of the subtree they head, and their own.
    Managed {
        user: UserId,
        departments: Vec<DepartmentId>,
    },
}

impl Scope {
    /// Appends ` and (…)` restricting `c` to what the scope sees.
    pub fn restrict(&self, sql: &mut Sql) {
        match self {
            Scope::All => {}
            Scope::Own(user) => {
                sql.push(" and c.responsible_id = ").text(user);
            }
            Scope::Managed { user, departments } if departments.is_empty() => {
                sql.push(" and c.responsible_id = ").text(user);
            }
            Scope::Managed { user, departments } => {
                sql.push(" and (c.responsible_id = ")
                    .text(user)
                    .push(" or c.department_id in (")
                    .list(departments)
                    .push("))");
            }
        }
    }
}

impl Scope {
    /// Appends ` and (…)` restricting the task aliased `t`: tasks are also seen by their
    /// creator, so a task set for a colleague stays on its author's list.
    pub fn restrict_tasks(&self, sql: &mut Sql) {
        match self {
            Scope::All => {}
            Scope::Own(user) | Scope::Managed { user, .. } => {
                sql.push(" and (t.responsible_id = ")
                    .text(user)
                    .push(" or t.creator_id = ")
                    .text(user);
                if let Scope::Managed { departments, .. } = self
                    && !departments.is_empty()
                {
                    sql.push(" or t.department_id in (")
                        .list(departments)
                        .push(")");
                }
                sql.push(")");
            }
        }
    }
}

/// The smallest text greater than every text that starts with `prefix` under byte order
/// (SQLite's default, PostgreSQL's "C" collation): the exclusive upper end of a prefix scan.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    end.push(char::MAX);
    end
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("select 1 where a = ");
        sql.text("x").push(" and b in (").list(["y", "z"]).push(")");
        assert_eq!(sql.text, "select 1 where a = $1 and b in ($2, $3)");
        assert_eq!(sql.values.len(), 3);
    }

    #[test]
    fn value_lists_are_padded_with_null_rows_to_a_power_of_two() {
        let mut three = Sql::new("select * from ");
        three.values(&["a", "b", "c"]);
        assert_eq!(three.text, "select * from (values ($1), ($2), ($3), ($4))");
        assert!(
            matches!(three.values[3], Value::Text(None)),
            "the fourth row is a null"
        );
        let mut four = Sql::new("select * from ");
        four.values(&["a", "b", "c", "d"]);
        assert_eq!(four.text, three.text);

        // Every row count up to 256 is written in one of nine texts.
        let texts: HashSet<String> = (1..=256)
            .map(|rows| {
                let mut sql = Sql::new("select * from ");
                let values: Vec<usize> = (0..rows).collect();
                sql.values(&values);
                sql.text
            })
            .collect();
        assert_eq!(texts.len(), 9);
    }

    #[test]
    fn sqlite_gets_bare_placeholders_unless_the_statement_has_a_dollar_of_its_own() {
        let mut sql = Sql::new("select 1 where a = ");
        sql.int(10).push(" and b in (").list(["y", "z"]).push(")");
        assert_eq!(
            sql.unnumbered().as_deref(),
            Some("select 1 where a = ? and b in (?, ?)")
        );
        let mut path = Sql::new("select json_extract(c, '$.k') = ");
        path.text("v");
        assert_eq!(path.unnumbered(), None);
    }

    #[test]
    fn a_supervisor_without_departments_sees_only_their_own() {
        let user = UserId::new();
        let mut own = Sql::new("");
        Scope::Own(user).restrict(&mut own);
        let mut managed = Sql::new("");
        Scope::Managed {
            user,
            departments: vec![],
        }
        .restrict(&mut managed);
        assert_eq!(own.text, managed.text);
    }

    #[test]
    fn the_prefix_end_is_above_every_extension() {
        let end = prefix_end("ив");
        assert!("иван".as_bytes() < end.as_bytes());
        assert!("ивя".as_bytes() < end.as_bytes());
        assert!("ий".as_bytes() > end.as_bytes());
    }
}
