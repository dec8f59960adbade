//! Media: the attachment store and the SFU that forwards call media (`sfu`).
//!
//! The attachment store keeps bytes under their SHA-256 (`BlobStore`), so identical files are
//! stored once. It knows nothing about who uploaded what or who may download it: that is
//! `crm-core`'s attachments service, and the gateway wires the two together. This crate uses
//! only `crm-core::domain` types, never its storage.
#![forbid(unsafe_code)]

mod blob;
mod local;
pub mod recording;
pub mod sfu;

pub use blob::{Blob, BlobStore, ByteStream, MediaError, Stored};
pub use local::LocalBlobStore;
