//! `LocalBlobStore`: blobs as files in a folder, `<root>/ab/cd/<sha256>` (two levels of
//! sharding keep any one folder small). A blob is written to `<root>/tmp/` first and renamed
//! into place once complete and synced, so readers never see a partial file, and a failed or
//! abandoned write removes its temporary file.

use std::{
    io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use crm_core::domain::ContentHash;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::{fs, io::AsyncWriteExt};
use tokio_util::io::ReaderStream;

use crate::blob::{Blob, BlobStore, ByteStream, MediaError, Stored};

/// Temporary files older than this are leftovers of a crash, removed by `open`. Far longer
/// than any request may take, so another node sharing the folder loses no upload in flight.
const STALE_TEMP_AFTER: Duration = Duration::from_secs(3600);

/// Chunk size when streaming a blob out.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct LocalBlobStore {
    root: PathBuf,
    temp: PathBuf,
}

impl LocalBlobStore {
    /// Uses `root` (created if missing, with its `tmp` folder) and clears stale temporary
    /// files from an earlier crash.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let root = root.into();
        let temp = root.join("tmp");
        fs::create_dir_all(&temp)
            .await
            .map_err(MediaError::io("creating the media folder"))?;
        let store = Self { root, temp };
        store.sweep_stale_temp_files().await;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this key lives: `<root>/ab/cd/abcd…`.
    pub fn path_of(&self, key: &ContentHash) -> PathBuf {
        let hex = key.as_str();
        self.root.join(&hex[..2]).join(&hex[2..4]).join(hex)
    }

    async fn sweep_stale_temp_files(&self) {
        let Ok(mut entries) = fs::read_dir(&self.temp).await else {
            return;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let stale = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > STALE_TEMP_AFTER);
            if stale && fs::remove_file(entry.path()).await.is_ok() {
                tracing::info!(file = %entry.path().display(), "removed a stale temporary upload");
            }
        }
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, mut data: ByteStream, limit: u64) -> Result<Stored, MediaError> {
        let (mut temp, mut file) = TempFile::create(&self.temp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = data.next().await {
            let chunk = chunk.map_err(MediaError::Source)?;
            size = size.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
            if size > limit {
                return Err(MediaError::TooLarge { limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(MediaError::io("writing a temporary file"))?;
        }
        file.flush()
            .await
            .map_err(MediaError::io("writing a temporary file"))?;
        file.sync_all()
            .await
            .map_err(MediaError::io("syncing a temporary file"))?;
        drop(file);
        let key = ContentHash::from_digest(hasher.finalize().into());
        let target = self.path_of(&key);
        if fs::try_exists(&target).await.unwrap_or(false) {
            temp.remove().await;
            return Ok(Stored {
                key,
                size,
                created: false,
            });
        }
        let folder = target.parent().unwrap_or(&self.root);
        fs::create_dir_all(folder)
            .await
            .map_err(MediaError::io("creating a media subfolder"))?;
        // Same file system, so the rename is atomic: the blob appears complete or not at all.
        // A concurrent put of the same bytes renames an identical file over it, which is safe.
        fs::rename(&temp.path, &target)
            .await
            .map_err(MediaError::io("moving a file into place"))?;
        temp.disarm();
        // Make the rename itself durable; failing that only risks losing it on power loss.
        if let Ok(dir) = fs::File::open(folder).await {
            let _ = dir.sync_all().await;
        }
        Ok(Stored {
            key,
            size,
            created: true,
        })
    }

    async fn get(&self, key: &ContentHash) -> Result<Blob, MediaError> {
        let file = match fs::File::open(self.path_of(key)).await {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(MediaError::NotFound);
            }
            Err(error) => return Err(MediaError::io("opening a stored file")(error)),
        };
        let size = file
            .metadata()
            .await
            .map_err(MediaError::io("reading a stored file's size"))?
            .len();
        Ok(Blob {
            size,
            stream: Box::pin(ReaderStream::with_capacity(file, READ_CHUNK)),
        })
    }

    async fn exists(&self, key: &ContentHash) -> Result<bool, MediaError> {
        fs::try_exists(self.path_of(key))
            .await
            .map_err(MediaError::io("looking up a stored file"))
    }

    async fn delete(&self, key: &ContentHash) -> Result<bool, MediaError> {
        match fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(MediaError::io("deleting a stored file")(error)),
        }
    }
}

/// A temporary file that is removed when dropped unless it was moved into place, so an
/// error, an oversize upload or a cancelled request (the future dropped mid-upload) leaves
/// nothing behind.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    async fn create(folder: &Path) -> Result<(Self, fs::File), MediaError> {
        let path = folder.join(format!("{}.part", uuid::Uuid::now_v7()));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(MediaError::io("creating a temporary file"))?;
        Ok((Self { path, armed: true }, file))
    }

    async fn remove(&mut self) {
        if fs::remove_file(&self.path).await.is_ok() {
            self.armed = false;
        }
    }

    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Unlinking is quick; doing it synchronously is the only option in `drop`.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests;
