//! The end-to-end test crate; all tests live in the `e2e` test binary.
