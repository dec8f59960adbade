//! Group commit for clients' messages: webhook handlers hand plain messages to one worker,
//! which stores whatever has queued up meanwhile in one transaction
//! (`OpenLines::receive_batch`) and answers each handler after the commit. Under load a
//! message costs a share of a few statements instead of a dozen round trips of its own; a
//! message alone is stored at once, without waiting for company.

use std::{sync::Arc, time::Duration};

use crm_core::{
    Error, Store,
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

/// What a handler gets back: the stored message, or `None` when it is the one-by-one
/// path's to store.
type Answer = Result<Option<Received>, Error>;

struct Job {
    channel: Channel,
    message: InboundMessage,
    answer: oneshot::Sender<Answer>,
}

pub struct InboundBatcher {
    jobs: mpsc::Sender<Job>,
}

impl InboundBatcher {
    /// Starts the worker, and on SQLite the checkpointer beside it, on the current runtime.
    /// The worker stops when the batcher is dropped or `shutdown` is cancelled, giving its
    /// connection back so the pool can close; messages still arriving then are stored one
    /// by one.
    pub fn start(store: Store, open_lines: OpenLines, shutdown: CancellationToken) -> Self {
        let (jobs, queue) = mpsc::channel(MAX_BATCH * 4);
        let committed = Arc::new(Notify::new());
        tokio::spawn({
            let (committed, shutdown) = (committed.clone(), shutdown.clone());
            async move {
                tokio::select! {
                    () = run(open_lines, queue, committed) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        });
        tokio::spawn(async move {
            tokio::select! {
                () = checkpoint(store, committed) => {}
                () = shutdown.cancelled() => {}
            }
        });
        Self { jobs }
    }

    /// Stores a plain message with whatever else is waiting. Returns only after the commit.
    pub async fn store(&self, channel: &Channel, message: &InboundMessage) -> Answer {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            channel: channel.clone(),
            message: message.clone(),
            answer,
        };
        if self.jobs.send(job).await.is_err() {
            return Ok(None);
        }
        answered.await.unwrap_or(Ok(None))
    }
}

/// The writer's connection leaves SQLite's write-ahead log to this task (`Store::dedicated`):
/// after commits, at most every `CHECKPOINT_INTERVAL`, the log is copied into the database
/// file on another connection, so the copy and its `fsync` run beside the writer instead
/// of inside one of its commits. What a reader still needs stays in the log for the next
/// pass; other connections still checkpoint when they write.
async fn checkpoint(store: Store, committed: Arc<Notify>) {
    loop {
        committed.notified().await;
        match store.checkpoint().await {
            Ok(None) => return,
            Ok(Some((log, copied))) => {
                tracing::trace!(log, copied, "write-ahead log checkpointed");
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
