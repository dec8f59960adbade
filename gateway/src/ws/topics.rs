//! A connection's bus subscriptions, keyed by where they come from. `StreamMap` polled every
//! subscription whenever the connection looked for an event: an operator holding 200
//! conversations paid 200 polls (each taking the lock of a topic's tail) per message and
//! as many again to find the queue empty, a tenth of the server's CPU on the inbound
//! benchmark. Here a subscription is polled only after its topic woke it (`SelectAll`,
//! a `FuturesUnordered` underneath), so an event costs the same in 2 rooms or 2,000.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use futures_util::{Stream, StreamExt, stream::SelectAll};
use realtime::BusItem;

use super::session::{Fanned, Source};

type Item = (BusItem, usize);

/// Removing a subscription rebuilds the set (leaving a room, closing a CRM screen: rare),
/// so a subscription carries nothing for its removal and an idle connection stays small.
#[derive(Default)]
pub(super) struct Topics {
    streams: SelectAll<Keyed>,
}

impl Topics {
    /// Receives `source` from `stream`, instead of whatever it was received from before.
    pub fn insert(&mut self, source: Source, stream: Fanned) {
        self.remove(&source);
        self.streams.push(Keyed { source, stream });
    }

    pub fn contains_key(&self, source: &Source) -> bool {
        self.streams.iter().any(|keyed| keyed.source == *source)
    }

    /// Stops receiving `source`: its subscription is dropped (leaving the topic) at once,
    /// with whatever it still held. The others are polled once more on the next poll, so
    /// nothing ready is missed.
    pub fn remove(&mut self, source: &Source) {
        if self.contains_key(source) {
            self.streams = std::mem::take(&mut self.streams)
                .into_iter()
                .filter(|keyed| keyed.source != *source)
                .collect();
        }
    }
}

impl Stream for Topics {
    type Item = (Source, Item);

    /// Ends (`None`) while it holds no subscription, as `StreamMap` did. A subscription whose
    /// topic ends is dropped from the set.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.streams.poll_next_unpin(cx)
    }
}

struct Keyed {
    source: Source,
    stream: Fanned,
}

impl Stream for Keyed {
    type Item = (Source, Item);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let source = self.source;
        self.stream
            .poll_next_unpin(cx)
            .map(|item| item.map(|item| (source, item)))
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use crm_core::domain::RoomId;
    use futures_util::FutureExt;
    use realtime::{Bus, InProcessBus, Topic};

    use super::*;

    async fn subscribed(bus: &InProcessBus, room: RoomId) -> Fanned {
        let topic = Topic::room(room).unwrap();
        Fanned(bus.subscribe(&topic).await.unwrap())
    }

    async fn publish(bus: &InProcessBus, room: RoomId, text: &'static str) -> usize {
        let topic = Topic::room(room).unwrap();
        bus.publish(&topic, Bytes::from_static(text.as_bytes()))
            .await
            .unwrap()
    }

    /// Everything ready now, as (room, payload).
    fn ready(topics: &mut Topics) -> Vec<(Source, String)> {
        let mut out = Vec::new();
        while let Some(Some((source, (item, _)))) = topics.next().now_or_never() {
            if let BusItem::Message(bytes) = item {
                out.push((source, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        out
    }

    #[tokio::test]
    async fn each_source_delivers_its_topics_events_in_order() {
        let bus = InProcessBus::new(16);
        let (a, b) = (RoomId::new(), RoomId::new());
        let mut topics = Topics::default();
        topics.insert(Source::Room(a), subscribed(&bus, a).await);
        topics.insert(Source::Room(b), subscribed(&bus, b).await);

        publish(&bus, a, "a1").await;
        publish(&bus, b, "b1").await;
        publish(&bus, a, "a2").await;

        let got = ready(&mut topics);
        let of = |room| -> Vec<&str> {
            got.iter()
                .filter(|(source, _)| *source == Source::Room(room))
                .map(|(_, text)| text.as_str())
                .collect()
        };
        assert_eq!(of(a), ["a1", "a2"]);
        assert_eq!(of(b), ["b1"]);
    }

    #[tokio::test]
    async fn a_removed_source_delivers_nothing_more_and_leaves_its_topic() {
        let bus = InProcessBus::new(16);
        let (a, b) = (RoomId::new(), RoomId::new());
        let mut topics = Topics::default();
        topics.insert(Source::Room(a), subscribed(&bus, a).await);
        topics.insert(Source::Room(b), subscribed(&bus, b).await);
        publish(&bus, a, "sent before the removal").await;

        topics.remove(&Source::Room(a));
        publish(&bus, b, "b1").await;

        assert_eq!(ready(&mut topics), [(Source::Room(b), "b1".to_owned())]);
        assert!(!topics.contains_key(&Source::Room(a)));
        assert_eq!(publish(&bus, a, "nobody listens").await, 0);
    }

    #[tokio::test]
    async fn a_source_subscribed_again_delivers_each_event_once() {
        let bus = InProcessBus::new(16);
        let a = RoomId::new();
        let mut topics = Topics::default();
        topics.insert(Source::Room(a), subscribed(&bus, a).await);
        topics.insert(Source::Room(a), subscribed(&bus, a).await);

        publish(&bus, a, "once").await;

        assert_eq!(ready(&mut topics), [(Source::Room(a), "once".to_owned())]);
        assert!(topics.contains_key(&Source::Room(a)));
    }

    #[tokio::test]
    async fn a_source_whose_topic_closed_is_forgotten() {
        let bus = InProcessBus::new(16);
        let a = RoomId::new();
        let mut topics = Topics::default();
        topics.insert(Source::Room(a), subscribed(&bus, a).await);

        bus.close().await;

        assert!(ready(&mut topics).is_empty());
        assert!(!topics.contains_key(&Source::Room(a)));
    }
}
