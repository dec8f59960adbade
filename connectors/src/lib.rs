//! Channel connectors: one module per provider that verifies and parses inbound payloads into
//! normalized messages and sends outbound ones. Connectors never touch the database; the
//! gateway wires them to storage and the bus. Channels arrive with the open-lines work.
#![forbid(unsafe_code)]
