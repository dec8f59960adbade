//! Reading a file: the header is checked first (a bad one refuses the file), then every row
//! goes through the same service the create and update endpoints use, each in its own
//! transaction. A bad row is reported with its line and leaves nothing behind; the rest
//! are imported.

use std::str::FromStr;

use csv::StringRecord;

use super::{
    Entity, ImportReport, Outcome, RowError, companies, contacts, deals,
    header::{Header, Row},
    lines::Lines,
    refs::{Pipelines, Users},
};
use crate::{
    Error, Result, Store,
    domain::User,
    service::crm::{require_writer, scope_of},
    store::crm::{Scope, pipelines as pipeline_store},
};

/// What every row of one import shares: who imports, what they see, and the users and
/// pipelines that references are resolved against.
pub struct Context<'a> {
    pub store: &'a Store,
    pub actor: &'a User,
    pub scope: Scope,
    pub users: Users,
    pub pipelines: Pipelines,
}

impl Context<'_> {
    /// The record id of the row's `id` cell; empty is `None`.
    pub fn existing_id<T: FromStr>(&self, row: &Row<'_>, entity: &str) -> Result<Option<T>> {
        let cell = row.text("id").trim();
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse()
            .map(Some)
            .map_err(|_| Error::validation("id", format!("not a valid {entity} id")))
    }
}

/// A data row as read: its line, or why it could not be read.
type ReadRow = (u64, std::result::Result<StringRecord, String>);

pub async fn run(
    store: &Store,
    actor: &User,
    entity: Entity,
    data: &[u8],
    max_rows: Option<usize>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport> {
    require_writer(actor)?;
    let (header, rows) = read(entity, data)?;
    if let Some(max) = max_rows.filter(|max| rows.len() > *max) {
        return Err(Error::validation(
            "file",
            format!(
                "has {} rows; at most {max} are imported at once here, so split the file \
                 or use `switchboard import`",
                rows.len()
            ),
        ));
    }
    let context = {
        let mut conn = store.acquire().await?;
        Context {
            store,
            actor,
            scope: scope_of(&mut conn, actor).await?,
            users: Users::load(&mut conn).await?,
            pipelines: Pipelines(pipeline_store::all(&mut conn).await?),
        }
    };
    let mut report = ImportReport::default();
    let total = rows.len();
    for (done, (line, record)) in rows.into_iter().enumerate() {
        let outcome = match record {
            Ok(record) => {
                let row = Row {
                    header: &header,
                    record: &record,
                };
                let imported = match entity {
                    Entity::Contacts => contacts::import(&context, &row).await,
                    Entity::Companies => companies::import(&context, &row).await,
                    Entity::Deals => deals::import(&context, &row).await,
                };
                match imported {
                    Ok(outcome) => Ok(outcome),
                    Err(error) => Err(row_error(line, &header, error)?),
                }
            }
            Err(message) => Err(RowError {
                line,
                column: None,
                code: "malformed_row".into(),
                message,
            }),
        };
        match outcome {
            Ok(Outcome::Created) => report.imported += 1,
            Ok(Outcome::Updated) => {
                report.imported += 1;
                report.updated += 1;
            }
            Err(error) => {
                report.failed += 1;
                report.errors.push(error);
            }
        }
        progress(done + 1, total);
    }
    Ok(report)
}

/// The header and the data rows, blank rows left out. Nothing is imported from a file whose
/// header is refused.
fn read(entity: Entity, data: &[u8]) -> Result<(Header, Vec<ReadRow>)> {
    // Spreadsheets often start a UTF-8 file with a byte-order mark.
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    // Row lengths are checked here, so that a row of empty cells shorter than the header
    // (as spreadsheets leave at the end) is skipped rather than refused.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut records = reader.records();
    let (header, width) = match records.next() {
        Some(Ok(record)) => (Header::parse(entity.layout(), &record)?, record.len()),
        Some(Err(error)) => {
            return Err(Error::validation(
                "header",
                format!("the first line cannot be read: {error}"),
            ));
        }
        None => {
            return Err(Error::validation(
                "header",
                "the file is empty; its first line must name the columns",
            ));
        }
    };
    let mut lines = Lines::new(data);
    let mut rows = Vec::new();
    for record in records {
        match record {
            Ok(record) => {
                let line = lines.at(record.position());
                let blank = Row {
                    header: &header,
                    record: &record,
                }
                .is_blank();
                if blank {
                    continue;
                }
                if record.len() != width {
                    let cells = record.len();
                    rows.push((
                        line,
                        Err(format!("has {cells} cells; the header has {width}")),
                    ));
                } else {
                    rows.push((line, Ok(record)));
                }
            }
            Err(error) => {
                let line = lines.at(error.position());
                rows.push((line, Err(malformed(&error))));
            }
        }
    }
    Ok((header, rows))
}

fn malformed(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

/// What went wrong with a row, in the terms of the file; an error of the database itself
/// stops the import instead.
fn row_error(line: u64, header: &Header, error: Error) -> Result<RowError> {
    let (column, code, message) = match error {
        Error::Validation { field, message } => {
            let column = column_of(header, &field);
            let message = match &column {
                Some(column) if column == &*field => message.into_owned(),
                _ => format!("{field}: {message}"),
            };
            (column, "validation_failed".to_owned(), message)
        }
        Error::Conflict { message, .. } => (None, "conflict".to_owned(), message.into_owned()),
        Error::Refused { code, message } => (None, code.to_owned(), message.into_owned()),
        Error::NotFound { entity } => (None, "not_found".to_owned(), format!("{entity} not found")),
        Error::Forbidden(message) => (None, "forbidden".to_owned(), message.into_owned()),
        Error::FieldForbidden { field, message } => (
            column_of(header, &field),
            "field_forbidden".to_owned(),
            format!("{field}: {message}"),
        ),
        other @ (Error::Batch { .. }
        | Error::Unauthenticated
        | Error::Database(_)
        | Error::Migrate(_)
        | Error::Internal(_)) => return Err(other),
    };
    Ok(RowError {
        line,
        column,
        code,
        message,
    })
}

/// The column a service's field name stands for: the same name, the list it is an element
/// of (`phones[1].number`), or the column that carries it under another name.
fn column_of(header: &Header, field: &str) -> Option<String> {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    let renamed = match base {
        "responsible_id" => "responsible",
        "stage_id" => "stage",
        "pipeline_id" => "pipeline",
        other => other,
    };
    if field.starts_with(super::header::CUSTOM_PREFIX) || base == "custom" {
        let column = if base == "custom" && field != "custom" {
            field
        } else {
            "custom"
        };
        return header.has_custom().then(|| column.to_owned());
    }
    header.has(renamed).then(|| renamed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(file: &str) -> Vec<u64> {
        let (_, rows) = read(Entity::Contacts, file.as_bytes()).unwrap();
        rows.into_iter().map(|(line, _)| line).collect()
    }

    #[test]
    fn rows_are_numbered_by_the_line_they_start_on() {
        assert_eq!(lines("first_name,address\na,\"x\ny\"\nb,\n"), [2, 4]);
        assert_eq!(lines("first_name,address\r\na,\"x\ny\"\r\nb,\r\n"), [2, 4]);
        assert_eq!(
            lines("first_name,address\r\na,\"x\r\ny\"\r\n,\r\nb,\r\n"),
            [2, 5]
        );
    }
}
