//! The `BlobStore` contract: content-addressed bytes. A blob's key is the SHA-256 of its
//! bytes, computed by the store while it writes, so a caller cannot file bytes under a key
//! that does not match them, and storing the same bytes twice keeps one copy.

use std::{io, pin::Pin};

use bytes::{Bytes, BytesMut};
use crm_core::domain::ContentHash;
use futures_util::{Stream, StreamExt, stream};

/// Bytes arriving or leaving in chunks: an upload being received, a file being sent.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// What `put` stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub key: ContentHash,
    pub size: u64,
    /// `false` when a blob with these bytes was already there and the new copy was dropped.
    pub created: bool,
}

/// A stored blob, opened for reading.
pub struct Blob {
    pub size: u64,
    pub stream: ByteStream,
}

/// Errors callers of a `BlobStore` branch on.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The bytes went over the limit given to `put`; nothing was stored.
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// No blob has this key.
    #[error("no stored file has this hash")]
    NotFound,
    /// The incoming stream failed (the client went away, or a layer cut the body short);
    /// nothing was stored. The source is the stream's own error.
    #[error("reading the upload failed")]
    Source(#[source] io::Error),
    /// The store itself failed: a server error.
    #[error("media store: {context}")]
    Io {
        context: &'static str,
        #[source]
        source: io::Error,
    },
}

impl MediaError {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(io::Error) -> Self {
        move |source| Self::Io { context, source }
    }
}

/// Content-addressed storage for attachments. Implementations: `LocalBlobStore` (a folder);
/// an S3-compatible one can follow behind the same trait.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores the bytes of `data` under their SHA-256 and returns the key. More than
    /// `limit` bytes fail with `TooLarge`; on any failure nothing is left behind, and a blob
    /// becomes visible only complete.
    async fn put(&self, data: ByteStream, limit: u64) -> Result<Stored, MediaError>;

    /// Opens a blob for streaming, with its size.
    async fn get(&self, key: &ContentHash) -> Result<Blob, MediaError>;

    async fn exists(&self, key: &ContentHash) -> Result<bool, MediaError>;

    /// Removes a blob; `false` when there was none. Callers make sure no attachment still
    /// refers to the key: blobs are shared by every upload of the same bytes.
    async fn delete(&self, key: &ContentHash) -> Result<bool, MediaError>;

    /// `put` for bytes already in memory.
    async fn put_bytes(&self, data: Bytes) -> Result<Stored, MediaError> {
        let limit = u64::try_from(data.len()).unwrap_or(u64::MAX);
        self.put(Box::pin(stream::once(async move { Ok(data) })), limit)
            .await
    }

    /// `get` read whole into memory; for small blobs.
    async fn get_bytes(&self, key: &ContentHash) -> Result<Bytes, MediaError> {
        let mut blob = self.get(key).await?;
        let capacity = usize::try_from(blob.size.min(1 << 24)).unwrap_or(0);
        let mut bytes = BytesMut::with_capacity(capacity);
        while let Some(chunk) = blob.stream.next().await {
            bytes.extend_from_slice(&chunk.map_err(MediaError::io("reading a stored file"))?);
        }
        Ok(bytes.freeze())
    }
}
