//! Delivery of replies to providers: what is due, and what each attempt's outcome means for
//! the next one. Rate limits wait the provider's `retry_after`; temporary faults back off
//! exponentially; refusals and exhausted retries fail the message with the reason. The
//! worker that calls the providers lives in the gateway.

use std::time::Duration;

use crate::{
    Result, Store,
    domain::{ChannelKind, DeliveryError, MessageId, OutboundMessage, RoomId, Timestamp, now},
    store::{OutboxItem, outbox},
};

/// Attempts before a temporary fault becomes a failure.
pub const MAX_ATTEMPTS: i64 = 8;
/// The longest wait between two attempts after temporary faults.
const MAX_BACKOFF_SECS: i64 = 300;

/// Where a message stands after an attempt, for the worker to announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryUpdate {
    Sent {
        message_id: MessageId,
        external_id: String,
    },
    Retrying {
        message_id: MessageId,
        at: Timestamp,
        reason: String,
    },
    Failed {
        message_id: MessageId,
        reason: String,
    },
}

#[derive(Clone)]
pub struct Outbox {
    store: Store,
}

impl Outbox {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Queues a reply on its own; connectors' callers queue within the message's transaction.
    pub async fn enqueue(
        &self,
        message: MessageId,
        room: RoomId,
        channel: ChannelKind,
        account: &str,
        outbound: &OutboundMessage,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        outbox::insert(&mut tx, message, room, channel, account, outbound, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims due rows for `lease`; a worker that dies leaves them to be claimed again after.
    pub async fn claim(&self, limit: i64, lease: Duration) -> Result<Vec<OutboxItem>> {
        let now = now();
        let lease_secs = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
        let mut tx = self.store.begin().await?;
        let claimed = outbox::claim(
            &mut tx,
            self.store.backend(),
            now,
            now.plus_seconds(lease_secs),
            limit,
        )
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt's outcome and decides what comes next.
    pub async fn record(
        &self,
        item: &OutboxItem,
        outcome: Result<String, DeliveryError>,
    ) -> Result<DeliveryUpdate> {
        let now = now();
        let mut tx = self.store.begin().await?;
        let update = match outcome {
            Ok(external_id) => {
                outbox::mark_sent(&mut tx, item, &external_id, now).await?;
                DeliveryUpdate::Sent {
                    message_id: item.message_id,
                    external_id,
                }
            }
            Err(DeliveryError::RetryAfter {
                retry_after_secs,
                reason,
            }) => {
                let at = now.plus_seconds(i64::try_from(retry_after_secs).unwrap_or(i64::MAX));
                outbox::reschedule(&mut tx, item, &reason, at, now).await?;
                DeliveryUpdate::Retrying {
                    message_id: item.message_id,
                    at,
                    reason,
                }
            }
            Err(DeliveryError::Temporary { reason }) if item.attempts < MAX_ATTEMPTS => {
                let at = now.plus_seconds(backoff_secs(item.attempts));
                outbox::reschedule(&mut tx, item, &reason, at, now).await?;
                DeliveryUpdate::Retrying {
                    message_id: item.message_id,
                    at,
                    reason,
                }
            }
            Err(DeliveryError::Temporary { reason } | DeliveryError::Rejected { reason }) => {
                outbox::mark_failed(&mut tx, item, &reason, now).await?;
                DeliveryUpdate::Failed {
                    message_id: item.message_id,
                    reason,
                }
            }
        };
        tx.commit().await?;
        Ok(update)
    }

    /// When the next row falls due, if any.
    pub async fn next_due(&self) -> Result<Option<Timestamp>> {
        let mut conn = self.store.acquire().await?;
        outbox::next_due(&mut conn).await
    }
}

/// 1, 2, 4, … seconds after the first, second, third attempt, capped at five minutes.
fn backoff_secs(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    2_i64.saturating_pow(exponent).min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!([1, 2, 3, 4].map(backoff_secs), [1, 2, 4, 8]);
        assert_eq!(backoff_secs(12), 300);
    }
}
