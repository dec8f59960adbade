//! Turning a store page into a `Page`: the store is asked for one record more than the
//! page holds, which tells whether another page follows without counting.

use crate::domain::crm::Page;

/// How many records to ask the store for when a page holds `limit`.
pub(super) fn probe(limit: i64) -> i64 {
    limit + 1
}

/// Cuts `items` (fetched with `probe(limit)`) to the page and names the cursor of the next
/// one, taken from the page's last record.
pub(super) fn page<T>(
    mut items: Vec<T>,
    limit: i64,
    total: Option<(i64, bool)>,
    cursor_of: impl Fn(&T) -> String,
) -> Page<T> {
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    Page {
        items,
        next_cursor,
        total: total.map(|(total, _)| total),
        total_capped: total.is_some_and(|(_, capped)| capped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_probe_names_the_next_page_and_a_short_one_does_not() {
        let full = page(vec![1, 2, 3], 2, Some((9, false)), i32::to_string);
        assert_eq!(
            (full.items, full.next_cursor),
            (vec![1, 2], Some("2".into()))
        );
        let last = page(vec![1], 2, None, i32::to_string);
        assert_eq!((last.next_cursor, last.total), (None, None));
    }
}
