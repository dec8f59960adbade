//! Keyset pages shared by every CRM list: the page's ids are chosen first, in index order,
//! and only then are their rows read (with every column asked for at once, SQLite may prefer
//! reading the whole table and sorting it to walking an index when the filter is
//! expensive). The order is a numeric key and then the id, or the id alone; a cursor is the
//! last row's (key, id), so pages neither skip nor repeat rows with equal keys.

use super::sql::Sql;
use crate::domain::crm::SortCursor;

/// A list order: `key` is an SQL expression on the record aliased `c` (a literal), `None`
/// for id order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Order {
    pub key: Option<&'static str>,
    pub descending: bool,
}

impl Order {
    /// Newest first: ids are UUIDv7, ordered by creation time.
    pub const NEWEST: Order = Order {
        key: None,
        descending: true,
    };

    fn direction(self) -> &'static str {
        if self.descending { " desc" } else { " asc" }
    }

    fn comparison(self) -> &'static str {
        if self.descending { " < " } else { " > " }
    }

    fn order_by(self, sql: &mut Sql) {
        sql.push(" order by ");
        if let Some(key) = self.key {
            sql.push(key).push(self.direction()).push(", ");
        }
        sql.push("c.id").push(self.direction());
    }
}

/// Starts a page query: `select <columns> from <table> c where c.id in (select c.id from
/// <table> c`. Both arguments are literals; the caller appends its `where` conditions.
pub(crate) fn start(outer: &'static str, inner: &'static str) -> Sql {
    let mut sql = Sql::new(outer);
    sql.push(" where c.id in (").push(inner);
    sql
}

/// Ends a page query begun with `start` once the conditions are in: the cursor condition,
/// the order and the limit of the inner query, and the order of the outer one.
pub(crate) fn finish(sql: &mut Sql, order: Order, after: Option<SortCursor>, limit: i64) {
    if let Some(after) = after {
        match (order.key, after.key) {
            (Some(key), Some(value)) => {
                sql.push(" and (")
                    .push(key)
                    .push(", c.id)")
                    .push(order.comparison())
                    .push("(")
                    .int(value)
                    .push(", ")
                    .text(after.id)
                    .push(")");
            }
            _ => {
                sql.push(" and c.id")
                    .push(order.comparison())
                    .text(after.id);
            }
        }
    }
    order.order_by(sql);
    sql.push(" limit ").int(limit).push(")");
    order.order_by(sql);
}
