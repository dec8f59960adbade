//! Channels as the webhooks read them: every provider update names its channel, and reading
//! the row for each one was a database round trip per message (on PostgreSQL a quarter of
//! the inbound path's statements). A channel row is written once, when an admin adds the
//! channel, and nothing edits or removes one; an entry is still read again after
//! `FRESH_FOR`, so a later edit made on any node reaches every node's webhooks within that
//! time. An unknown id is never remembered: a channel added on another node is found at once.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::domain::{Channel, ChannelId};

const FRESH_FOR: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(super) struct ChannelCache {
    entries: RwLock<HashMap<ChannelId, (Instant, Arc<Channel>)>>,
}

impl ChannelCache {
    pub fn get(&self, id: ChannelId) -> Option<Arc<Channel>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&id)
            .filter(|(read, _)| read.elapsed() < FRESH_FOR)
            .map(|(_, channel)| channel.clone())
    }

    pub fn keep(&self, channel: Channel) -> Arc<Channel> {
        let channel = Arc::new(channel);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.insert(channel.id, (Instant::now(), channel.clone()));
        channel
    }
}
