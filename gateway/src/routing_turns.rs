//! One routing pass at a time per line on this node, and no pass that another already did.
//! Overlapping passes raced for the same queued conversations, each trying every one of
//! them: 200 clients writing at once made ~5,400 assignment attempts (and as many operator
//! load counts) for 200 conversations. Taking turns, a pass finds only what the one before
//! left; and a caller whose conversation a later-started pass already saw returns without
//! a pass of its own. Every caller still returns only after a pass that saw its
//! conversation, so "closed, and the next one is assigned" holds when the request answers.
//! Several nodes still route concurrently; assignment stays a conditional update.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use crm_core::domain::LineId;

#[derive(Default)]
pub struct RoutingTurns {
    lines: Mutex<HashMap<LineId, Arc<LineTurns>>>,
}

#[derive(Default)]
struct LineTurns {
    /// Requests made so far, numbered from 1.
    asked: AtomicU64,
    /// Held for a pass; holds the last request the last finished pass covered.
    covered: tokio::sync::Mutex<u64>,
}

impl RoutingTurns {
    /// Runs `pass` for `line` after any pass of it in progress, unless a pass that began
    /// after this call has finished meanwhile (it saw whatever the caller changed before).
    pub async fn run<Pass, Done>(&self, line: LineId, pass: Pass)
    where
        Pass: FnOnce() -> Done,
        Done: Future<Output = ()>,
    {
        let turns = self.of(line);
        let asked = turns.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut covered = turns.covered.lock().await;
        if *covered >= asked {
            return;
        }
        // Read before the pass reads the queue: every request up to here was made after
        // its caller's change was committed, so this pass sees all of them.
        let upto = turns.asked.load(Ordering::SeqCst);
        pass().await;
        // A pass dropped halfway covers nothing; the next caller runs one.
        *covered = upto;
    }

    fn of(&self, line: LineId) -> Arc<LineTurns> {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(lines.entry(line).or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use tokio::sync::Notify;

    use super::*;

    #[tokio::test]
    async fn callers_during_a_pass_share_the_one_pass_after_it() {
        let turns = Arc::new(RoutingTurns::default());
        let line = LineId::new();
        let passes = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Notify::new());
        let first = tokio::spawn({
            let (turns, passes, release) = (turns.clone(), passes.clone(), release.clone());
            async move {
                turns
                    .run(line, || async {
                        passes.fetch_add(1, Ordering::SeqCst);
                        release.notified().await;
                    })
                    .await;
            }
        });
        while passes.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let waiting: Vec<_> = (0..10)
            .map(|_| {
                let (turns, passes) = (turns.clone(), passes.clone());
                tokio::spawn(async move {
                    turns
                        .run(line, || async {
                            passes.fetch_add(1, Ordering::SeqCst);
                        })
                        .await;
                })
            })
            .collect();
        tokio::task::yield_now().await;

        release.notify_one();
        first.await.unwrap();
        for caller in waiting {
            caller.await.unwrap();
        }

        assert_eq!(passes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_caller_after_a_finished_pass_runs_its_own() {
        let turns = RoutingTurns::default();
        let line = LineId::new();
        let passes = AtomicUsize::new(0);
        for _ in 0..3 {
            turns
                .run(line, || async {
                    passes.fetch_add(1, Ordering::SeqCst);
                })
                .await;
        }
        assert_eq!(passes.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn lines_do_not_wait_for_each_other_and_a_dropped_pass_covers_nothing() {
        let turns = Arc::new(RoutingTurns::default());
        let (busy, other) = (LineId::new(), LineId::new());
        let stuck = tokio::spawn({
            let turns = turns.clone();
            async move { turns.run(busy, std::future::pending::<()>).await }
        });
        tokio::task::yield_now().await;
        let passes = AtomicUsize::new(0);

        let elsewhere = turns.run(other, || async {
            passes.fetch_add(1, Ordering::SeqCst);
        });
        tokio::time::timeout(std::time::Duration::from_secs(5), elsewhere)
            .await
            .expect("another line's pass does not wait");
        stuck.abort();
        let _ = stuck.await;
        turns
            .run(busy, || async {
                passes.fetch_add(1, Ordering::SeqCst);
            })
            .await;

        assert_eq!(passes.load(Ordering::SeqCst), 2);
    }
}
