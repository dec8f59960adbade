//! The line policies that act on their own when time passes: the SLA (re-offer an
//! unanswered conversation, tell the supervisors), auto-close after the client went quiet,
//! and snoozed conversations waking up. The gateway's router calls `run_timers` on every
//! node; each due row is claimed by a conditional update, so exactly one node acts on it.

use super::{OpenLines, actions::ConversationChange, routing::close_in};
use crate::{
    Error, Result,
    domain::{ChatEvent, Conversation, LineId, RoomId, Timestamp, now},
    store::{
        conversation_timers::{self, Timer},
        conversations, lines, room_store,
    },
};

/// Rows handled per timer and pass; the rest wait for the next pass.
const BATCH: i64 = 100;

/// What one pass over the timers changed, for the gateway to publish and route.
#[derive(Default)]
pub struct TimerPass {
    pub changes: Vec<ConversationChange>,
    /// Lines whose queue grew or whose operators have room again.
    pub lines: Vec<LineId>,
}

impl OpenLines {
    /// Acts on the timers due at `at` (the current time, or a later one in tests); what
    /// they change is written at the current time, so automatic messages go out at once.
    pub async fn run_timers(&self, at: Timestamp) -> Result<TimerPass> {
        let mut pass = TimerPass::default();
        let mut conn = self.store.acquire().await?;
        let breaches = conversation_timers::due(&mut conn, Timer::Sla, at, BATCH).await?;
        let closes = conversation_timers::due(&mut conn, Timer::AutoClose, at, BATCH).await?;
        let wakes = conversation_timers::due(&mut conn, Timer::Snooze, at, BATCH).await?;
        drop(conn);
        let now = now();
        for (room, due) in breaches {
            self.breach(&mut pass, room, due, now).await?;
        }
        for (room, due) in closes {
            self.auto_close(&mut pass, room, due, now).await?;
        }
        for (room, due) in wakes {
            let mut tx = self.store.begin().await?;
            if !conversation_timers::claim(&mut tx, Timer::Snooze, room, due, now).await? {
                continue;
            }
            let woken = current(&mut tx, room).await?;
            tx.commit().await?;
            let watchers = self.line_watchers(woken.line_id).await?;
            pass.changes.push(ConversationChange {
                events: vec![ChatEvent::ConversationUpdated {
                    conversation: woken,
                }],
                notify_users: Vec::new(),
                watchers,
                route: None,
            });
        }
        pass.lines.sort_unstable();
        pass.lines.dedup();
        Ok(pass)
    }

    async fn breach(
        &self,
        pass: &mut TimerPass,
        room: RoomId,
        due: i64,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let Some(operator) = current(&mut tx, room).await?.assignee_id else {
            return Ok(());
        };
        if !conversation_timers::claim_sla(&mut tx, room, due, now).await? {
            return Ok(());
        }
        room_store::remove_member(&mut tx, room, operator).await?;
        let requeued = current(&mut tx, room).await?;
        let supervisors = lines::supervisors(&mut tx, requeued.line_id).await?;
        tx.commit().await?;
        tracing::info!(conversation.id = %room, "SLA breached; offering to the next operator");
        pass.lines.push(requeued.line_id);
        pass.changes.push(ConversationChange {
            events: vec![
                ChatEvent::MemberLeft {
                    room_id: room,
                    user_id: operator,
                },
                ChatEvent::SlaBreached {
                    conversation: requeued,
                    operator_id: operator,
                },
            ],
            notify_users: vec![operator],
            watchers: supervisors,
            route: None,
        });
        Ok(())
    }

    async fn auto_close(
        &self,
        pass: &mut TimerPass,
        room: RoomId,
        due: i64,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if !conversation_timers::claim(&mut tx, Timer::AutoClose, room, due, now).await? {
            return Ok(());
        }
        let conversation = current(&mut tx, room).await?;
        let line = lines::get_line(&mut tx, conversation.line_id)
            .await?
            .ok_or(Error::not_found("line"))?;
        let Some(events) = close_in(&mut tx, &line, room, None, now).await? else {
            return Ok(());
        };
        tx.commit().await?;
        pass.lines.push(line.id);
        pass.changes.push(ConversationChange {
            events,
            notify_users: Vec::new(),
            watchers: [line.operators, line.supervisors].concat(),
            route: None,
        });
        Ok(())
    }
}

async fn current(tx: &mut crate::store::Conn, room: RoomId) -> Result<Conversation> {
    conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))
}
