//! Group commit for clients' messages: webhook handlers hand plain messages to a writer,
//! which stores whatever has queued up meanwhile in one transaction
//! (`OpenLines::receive_batch`) and answers each handler after the commit. Under load a
//! message costs a share of a few statements instead of a dozen round trips of its own; a
//! message alone is stored at once, without waiting for company.
//!
//! SQLite takes one writer at a time, so it gets one. On PostgreSQL a lone writer spends
//! most of each batch waiting for round trips while the database has cores to spare, so
//! several write side by side, each on its own connection. A chat always goes to the same
//! writer: its messages are stored in the order they came, and two writers never lock the
//! same room or conversation, so they neither wait for nor deadlock each other.

use std::{
    hash::{BuildHasher, RandomState},
    sync::Arc,
    time::Duration,
};

use crm_core::{
    Backend, Error, Store,
    domain::{Channel, InboundMessage},
    service::{BatchItem, OpenLines, Received},
};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Most messages in one transaction; bounds the statements' size (placeholders) and what
/// one failed batch sends back to the one-by-one path.
const MAX_BATCH: usize = 256;
/// Least time between two checkpoints of SQLite's write-ahead log.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);
/// Write-ahead log length, in pages, past which a checkpoint makes the log start over
/// (256 MiB with 4 KiB pages): the file's blocks are then written again instead of new
/// ones allocated, and the log's size on disk stays bounded. Each restart holds the
/// writers for its two `fsync`s, ~45 ms here whatever the log's length; at 64 MiB that
/// was twice a second at 8,000 messages/s, a tenth of the writer's time (BENCHMARKS.md
/// "The writer in one thread").
const RESTART_LOG_AT_PAGES: i64 = 65_536;
/// How long the writers wait, at most, while a restart waits for readers to leave the log.
const RESTART_READERS_WAIT: Duration = Duration::from_millis(20);
/// Writers side by side on PostgreSQL, each keeping one of the pool's connections. Measured
/// (docs/BENCHMARKS.md): two sustain more than one; a third splits the batches so small
/// that each message costs the database more, and p99 grows.
const POSTGRES_WRITERS: usize = 2;

/// What a handler gets back: the stored message, or `None` when it is the one-by-one
/// path's to store.
type Answer = Result<Option<Received>, Error>;

struct Job {
    channel: Channel,
    message: InboundMessage,
    answer: oneshot::Sender<Answer>,
}

pub struct InboundBatcher {
    /// One queue per writer.
    writers: Vec<mpsc::Sender<Job>>,
    shard: RandomState,
}

impl InboundBatcher {
    /// Starts the worker, and on SQLite the checkpointer beside it, on the current runtime.
    /// The worker stops when the batcher is dropped or `shutdown` is cancelled, giving its
    /// connection back so the pool can close; messages still arriving then are stored one
    /// by one.
    pub fn start(store: Store, open_lines: OpenLines, shutdown: CancellationToken) -> Self {
        let sqlite = store.backend() == Backend::Sqlite;
        let count = if sqlite { 1 } else { POSTGRES_WRITERS };
        let committed = Arc::new(Notify::new());
        let writers = (0..count)
            .map(|_| {
                let (jobs, queue) = mpsc::channel(MAX_BATCH * 4);
                let (open_lines, committed) = (open_lines.clone(), committed.clone());
                let shutdown = shutdown.clone();
                let writer = async move {
                    tokio::select! {
                        () = run(open_lines, queue, committed) => {}
                        () = shutdown.cancelled() => {}
                    }
                };
                if sqlite {
                    on_own_thread(writer);
                } else {
                    tokio::spawn(writer);
                }
                jobs
            })
            .collect();
        tokio::spawn(async move {
            tokio::select! {
                () = checkpoint(store, committed) => {}
                () = shutdown.cancelled() => {}
            }
        });
        Self {
            writers,
            shard: RandomState::new(),
        }
    }

    /// Stores a plain message with whatever else is waiting. Returns only after the commit.
    pub async fn store(&self, channel: &Channel, message: &InboundMessage) -> Answer {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            channel: channel.clone(),
            message: message.clone(),
            answer,
        };
        let chat = self.shard.hash_one((channel.id, &message.chat_id));
        let writer = &self.writers[(chat % self.writers.len() as u64) as usize];
        if writer.send(job).await.is_err() {
            return Ok(None);
        }
        answered.await.unwrap_or(Ok(None))
    }
}

/// Runs SQLite's writer on a thread of its own, which drives the writer's connection itself
/// (`OpenLines::inbound_writer`): its statements run to completion where they are called,
/// so they must not run on the shared runtime, whose webhook requests would wait behind
/// each batch. If no thread can be started, the queue closes and messages are stored one
/// by one.
fn on_own_thread(writer: impl std::future::Future<Output = ()> + Send + 'static) {
    let started = std::thread::Builder::new()
        .name("inbound-writer".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(writer),
                Err(error) => tracing::error!(%error, "the inbound writer has no runtime"),
            }
        });
    if let Err(error) = started {
        tracing::error!(%error, "the inbound writer's thread did not start");
    }
}

/// The writer's connection leaves SQLite's write-ahead log to this task (`Store::dedicated`):
/// after commits, at most every `CHECKPOINT_INTERVAL`, the log is copied into the database
/// file on another connection, so the copy and its `fsync` run beside the writer instead
/// of inside one of its commits. What a reader still needs stays in the log for the next
/// pass; other connections still checkpoint when they write. Once the log is long, a pass
/// also makes it start over (`Store::restart_log`), pausing the writers for the copy of
/// what the passive pass left.
async fn checkpoint(store: Store, committed: Arc<Notify>) {
    loop {
        committed.notified().await;
        match store.checkpoint().await {
            Ok(None) => return,
            Ok(Some((log, copied))) => {
                tracing::trace!(log, copied, "write-ahead log checkpointed");
                if log >= RESTART_LOG_AT_PAGES {
                    let started = std::time::Instant::now();
                    match store.restart_log(RESTART_READERS_WAIT).await {
                        Ok(restarts) => tracing::debug!(
                            log,
                            ?restarts,
                            elapsed_us = started.elapsed().as_micros() as u64,
                            "write-ahead log restart"
                        ),
                        Err(error) => {
                            tracing::warn!(error.message = %error, "write-ahead log restart failed");
                        }
                    }
                }
            }
            Err(error) => {
                tracing::warn!(error.message = %error, "write-ahead log checkpoint failed");
            }
        }
        tokio::time::sleep(CHECKPOINT_INTERVAL).await;
    }
}

async fn run(open_lines: OpenLines, mut queue: mpsc::Receiver<Job>, committed: Arc<Notify>) {
    let mut writer = open_lines.inbound_writer();
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let items: Vec<BatchItem> = jobs
            .iter()
            .map(|job| BatchItem {
                channel: &job.channel,
                message: &job.message,
            })
            .collect();
        let started = std::time::Instant::now();
        let answers = writer.receive_batch(&items).await;
        drop(items);
        tracing::trace!(
            messages = jobs.len(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "inbound batch"
        );
        match answers {
            Ok(answers) => {
                committed.notify_one();
                for (job, answer) in jobs.drain(..).zip(answers) {
                    let _ = job.answer.send(Ok(answer));
                }
            }
            Err(error) => {
                // Nothing of the batch was stored. Each message is tried again on its own,
                // so one that cannot be stored fails alone (and a lasting fault, the
                // database gone, shows there as each handler's error).
                tracing::warn!(error.message = %error, messages = jobs.len(), "inbound batch failed; storing one by one");
                for job in jobs.drain(..) {
                    let _ = job.answer.send(Ok(None));
                }
            }
        }
    }
}
