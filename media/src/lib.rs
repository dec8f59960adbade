//! Attachments, call media and recordings. The attachment store and the SFU arrive with the
//! realtime and calls work; the crate exists now so the dependency rules hold from day one.
#![forbid(unsafe_code)]
