//! The task reminder worker: finds due notices (reminders before a deadline, overdue at
//! it) through the indexed `due_at`, claims each with a conditional update so that with
//! several nodes every notice goes out once, and publishes it to the responsible user.

use std::time::Duration;

use crm_core::service::Tasks;
use tokio_util::sync::CancellationToken;

use crate::{events, state::AppState};

const BATCH: i64 = 100;
/// How often due notices are looked for: a reminder arrives at most this late.
const POLL: Duration = Duration::from_secs(1);

pub async fn run(state: AppState, shutdown: CancellationToken) {
    let tasks = Tasks::new(state.store.clone());
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let notices = match tasks.claim_due_notices(BATCH).await {
            Ok(notices) => notices,
            Err(error) => {
                tracing::warn!(error.message = %error, "task notices unavailable");
                Vec::new()
            }
        };
        for notice in &notices {
            events::publish_task_notice(&state, notice).await;
        }
        // A full batch means more may be due already.
        if notices.len() as i64 == BATCH {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
