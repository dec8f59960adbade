//! Leases for long-polled channels: exactly one node polls a bot, and a node that goes away
//! hands over either on shutdown (release) or when its lease runs out.

use std::time::Duration;

use super::OpenLines;
use crate::{
    Result,
    domain::{Channel, ChannelId, Timestamp, now},
    store::{PollerState, lines, pollers},
};

/// Whether a channel receives by polling the provider rather than by webhook.
pub fn is_polled(channel: &Channel) -> bool {
    channel.config["mode"].as_str() == Some("polling")
}

impl OpenLines {
    pub async fn polled_channels(&self) -> Result<Vec<Channel>> {
        let mut conn = self.store.acquire().await?;
        let channels = lines::list_channels(&mut conn).await?;
        Ok(channels.into_iter().filter(is_polled).collect())
    }

    /// Takes or renews `holder`'s lease on the channel; the offset to poll from when it is
    /// `holder`'s, `None` while another node holds it.
    pub async fn claim_poller(
        &self,
        channel: ChannelId,
        holder: &str,
        lease: Duration,
    ) -> Result<Option<i64>> {
        let now = now();
        let until = Timestamp::from_millis(now.millis() + lease.as_millis() as i64);
        let mut conn = self.store.acquire().await?;
        pollers::claim(&mut conn, channel, holder, until, now).await
    }

    /// Saves how far the holder has stored; false when the lease was lost meanwhile.
    pub async fn record_poll(
        &self,
        channel: ChannelId,
        holder: &str,
        next_offset: i64,
        error: Option<&str>,
    ) -> Result<bool> {
        let mut conn = self.store.acquire().await?;
        pollers::record_poll(&mut conn, channel, holder, next_offset, error, now()).await
    }

    pub async fn release_poller(&self, channel: ChannelId, holder: &str) -> Result<()> {
        let mut conn = self.store.acquire().await?;
        pollers::release(&mut conn, channel, holder).await
    }

    pub async fn poller_state(&self, channel: ChannelId) -> Result<Option<PollerState>> {
        let mut conn = self.store.acquire().await?;
        pollers::state(&mut conn, channel).await
    }
}
