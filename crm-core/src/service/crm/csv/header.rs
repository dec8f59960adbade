//! The header row: which columns an entity's file may have, which it must have, and where
//! each one is. A header that names an unknown column, names one twice or lacks a required
//! one refuses the whole file before any row is read.

use std::collections::HashMap;

use csv::StringRecord;

use crate::{Error, Result};

/// Prefix of a column that sets one key of the custom-fields object.
pub const CUSTOM_PREFIX: &str = "custom.";

/// The columns of one entity's file, in the order export writes them.
pub struct Layout {
    /// What export writes and import reads.
    pub columns: &'static [&'static str],
    /// Written by export for people reading the file, ignored by import.
    pub export_only: &'static [&'static str],
    /// At least one of these must be in the header.
    pub required_any: &'static [&'static str],
    /// Whether the entity has custom fields (`custom` and `custom.<key>` columns).
    pub custom: bool,
}

impl Layout {
    /// Every column of an exported file.
    pub fn exported(&self) -> impl Iterator<Item = &'static str> {
        self.columns
            .iter()
            .chain(self.custom.then_some(&"custom"))
            .chain(self.export_only.iter())
            .copied()
    }
}

/// Where each column of the file is.
pub struct Header {
    index: HashMap<String, usize>,
    custom_keys: Vec<(String, usize)>,
}

impl Header {
    /// Column names are matched without surrounding spaces and in any letter case, except
    /// the key of a `custom.<key>` column, which is kept as written.
    pub fn parse(layout: &Layout, record: &StringRecord) -> Result<Self> {
        let mut index = HashMap::new();
        let mut custom_keys: Vec<(String, usize)> = Vec::new();
        for (position, raw) in record.iter().enumerate() {
            let name = raw.trim();
            let lower = name.to_lowercase();
            let column = position + 1;
            if layout.custom && lower.starts_with(CUSTOM_PREFIX) {
                let key = name[CUSTOM_PREFIX.len()..].trim();
                if key.is_empty() || custom_keys.iter().any(|(known, _)| known == key) {
                    return Err(header_error(format!(
                        "column {column} (\"{name}\") must name a custom field once"
                    )));
                }
                custom_keys.push((key.to_owned(), position));
                continue;
            }
            let known = layout.exported().any(|known| known == lower);
            if !known {
                return Err(header_error(format!(
                    "column {column} (\"{name}\") is not a column of this file; the columns are {}{}",
                    layout.exported().collect::<Vec<_>>().join(", "),
                    if layout.custom {
                        " and custom.<key>"
                    } else {
                        ""
                    },
                )));
            }
            if index.insert(lower, position).is_some() {
                return Err(header_error(format!(
                    "column {column} (\"{name}\") appears twice"
                )));
            }
        }
        let has_required = layout
            .required_any
            .iter()
            .any(|column| index.contains_key(*column));
        if !has_required {
            return Err(header_error(format!(
                "the first line must name the columns and include {}",
                layout.required_any.join(" or ")
            )));
        }
        Ok(Self { index, custom_keys })
    }

    /// Whether the file has a column, so that an update leaves absent columns alone.
    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    pub fn has_custom(&self) -> bool {
        self.has("custom") || !self.custom_keys.is_empty()
    }
}

fn header_error(message: String) -> Error {
    Error::validation("header", message)
}

/// One data row read through the header.
pub struct Row<'a> {
    pub header: &'a Header,
    pub record: &'a StringRecord,
}

impl<'a> Row<'a> {
    /// The cell of a column, `None` when the file has no such column.
    pub fn cell(&self, column: &str) -> Option<&'a str> {
        self.header
            .index
            .get(column)
            .map(|position| self.record.get(*position).unwrap_or_default())
    }

    /// The cell, or empty when the file has no such column.
    pub fn text(&self, column: &str) -> &'a str {
        self.cell(column).unwrap_or_default()
    }

    /// The `custom.<key>` cells as (key, cell).
    pub fn custom_cells(&self) -> Vec<(&'a str, &'a str)> {
        self.header
            .custom_keys
            .iter()
            .map(|(key, position)| (key.as_str(), self.record.get(*position).unwrap_or_default()))
            .collect()
    }

    pub fn is_blank(&self) -> bool {
        self.record.iter().all(|cell| cell.trim().is_empty())
    }
}
