//! Where each row of a file starts, as a 1-based line number.

/// Line numbers of record starts. The reader's own count is one short for a record after
/// a CRLF, because it records the start before stepping over the `\n`; so lines are counted
/// here from the byte offset, past any line breaks the record starts with.
pub struct Lines<'a> {
    data: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            offset: 0,
            line: 1,
        }
    }

    /// Positions come in increasing order, so each byte is counted once.
    pub fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return self.line;
        };
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        while start < self.data.len() && matches!(self.data[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            let breaks = self.data[self.offset..start]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count();
            self.line += breaks as u64;
            self.offset = start;
        }
        self.line
    }
}
