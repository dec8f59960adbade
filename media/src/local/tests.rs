use std::{
    io,
    path::{Path, PathBuf},
    task::Poll,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use futures_util::stream;

use super::*;

/// A fresh folder under the system temp dir, removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("switchboard-media-{}", uuid::Uuid::now_v7())))
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file below `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn chunks(parts: &[&'static [u8]]) -> ByteStream {
    let items: Vec<io::Result<Bytes>> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
    Box::pin(stream::iter(items))
}

const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

#[tokio::test]
async fn a_blob_is_filed_under_its_sha256_in_sharded_folders_and_reads_back() {
    // Arrange
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    // Act
    let stored = store.put(chunks(&[b"hel", b"lo"]), 1024).await.unwrap();
    // Assert
    assert_eq!(stored.key.as_str(), HELLO_SHA256);
    assert_eq!((stored.size, stored.created), (5, true));
    let path = folder.0.join("2c").join("f2").join(HELLO_SHA256);
    assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    assert_eq!(store.path_of(&stored.key), path);
    assert!(store.exists(&stored.key).await.unwrap());
    assert_eq!(store.get_bytes(&stored.key).await.unwrap(), "hello");
    assert_eq!(store.get(&stored.key).await.unwrap().size, 5);
    assert!(files_under(&folder.0.join("tmp")).is_empty());
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    let first = store.put_bytes(Bytes::from_static(b"hello")).await.unwrap();
    let second = store.put(chunks(&[b"h", b"ello"]), 5).await.unwrap();
    let other = store.put_bytes(Bytes::from_static(b"world")).await.unwrap();
    assert_eq!(first.key, second.key);
    assert!(first.created && !second.created && other.created);
    assert_eq!(files_under(&folder.0).len(), 2);
}

#[tokio::test]
async fn an_oversize_put_fails_and_leaves_no_file() {
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    let outcome = store.put(chunks(&[b"1234", b"5678", b"9"]), 8).await;
    assert!(matches!(outcome, Err(MediaError::TooLarge { limit: 8 })));
    assert_eq!(files_under(&folder.0), Vec::<PathBuf>::new());
    // Exactly at the limit is accepted.
    assert!(store.put(chunks(&[b"1234", b"5678"]), 8).await.is_ok());
}

#[tokio::test]
async fn a_broken_upload_stream_leaves_no_file() {
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    let items = vec![
        Ok(Bytes::from_static(b"partial")),
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "client left",
        )),
    ];
    let outcome = store.put(Box::pin(stream::iter(items)), 1024).await;
    assert!(matches!(outcome, Err(MediaError::Source(_))));
    assert_eq!(files_under(&folder.0), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn a_put_abandoned_midway_leaves_no_file() {
    // Arrange: a stream that yields one chunk, reports when it is asked for the next (so
    // the first is written by then), and never ends.
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    let (written, mut written_rx) = tokio::sync::oneshot::channel::<()>();
    let mut written = Some(written);
    let mut first = Some(Bytes::from_static(b"first chunk"));
    let endless = stream::poll_fn(move |_| match first.take() {
        Some(chunk) => Poll::Ready(Some(Ok(chunk))),
        None => {
            if let Some(signal) = written.take() {
                let _ = signal.send(());
            }
            Poll::Pending
        }
    });
    // Act: drop the put as a request timeout would.
    let put = store.put(Box::pin(endless), 1024);
    tokio::select! {
        _ = put => panic!("the endless upload finished"),
        _ = &mut written_rx => {}
    }
    // Assert
    assert_eq!(files_under(&folder.0), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn delete_removes_a_blob_and_reports_whether_there_was_one() {
    let folder = Folder::new();
    let store = LocalBlobStore::open(&folder.0).await.unwrap();
    let stored = store.put_bytes(Bytes::from_static(b"hello")).await.unwrap();
    assert!(store.delete(&stored.key).await.unwrap());
    assert!(!store.exists(&stored.key).await.unwrap());
    assert!(matches!(
        store.get(&stored.key).await,
        Err(MediaError::NotFound)
    ));
    assert!(!store.delete(&stored.key).await.unwrap());
}

#[tokio::test]
async fn opening_removes_only_stale_temporary_files() {
    let folder = Folder::new();
    let temp = folder.0.join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let stale = std::fs::File::create(temp.join("old.part")).unwrap();
    stale
        .set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
        .unwrap();
    std::fs::write(temp.join("fresh.part"), b"in flight").unwrap();
    LocalBlobStore::open(&folder.0).await.unwrap();
    assert_eq!(files_under(&temp), vec![temp.join("fresh.part")]);
}
