//! A connection's bus subscriptions, keyed by where they come from. `StreamMap` polled every
//! subscription whenever the connection looked for an event: an operator holding 200
//! conversations paid 200 polls (each taking the lock of a topic's tail) per message and
//! as many again to find the queue empty, a tenth of the server's CPU on the inbound
//! benchmark. Here a subscription is polled only after its topic woke it (`SelectAll`,
//! a `FuturesUnordered` underneath), so an event costs the same in 2 rooms or 2,000.

use std::{
    collections::HashMap,
    pin::Pin,
    task::{Context, Poll},
};

use futures_util::{
    Stream, StreamExt,
    stream::{AbortHandle, Abortable, SelectAll},
};
use realtime::BusItem;

use super::session::{Fanned, Source};

type Item = (BusItem, usize);

#[derive(Default)]
pub(super) struct Topics {
    streams: SelectAll<Keyed>,
    /// The subscription each source has now, by the number it was inserted with.
    live: HashMap<Source, (u64, AbortHandle)>,
    inserted: u64,
}

impl Topics {
    /// Receives `source` from `stream`, instead of whatever it was received from before.
    pub fn insert(&mut self, source: Source, stream: Fanned) {
        self.inserted += 1;
        let (handle, registration) = AbortHandle::new_pair();
        if let Some((_, replaced)) = self.live.insert(source, (self.inserted, handle)) {
            replaced.abort();
        }
        self.streams.push(Keyed {
            source,
            inserted: self.inserted,
            stream: Abortable::new(stream, registration),
            ended: false,
        });
    }

    pub fn contains_key(&self, source: &Source) -> bool {
        self.live.contains_key(source)
    }

    /// Stops receiving `source`. Its subscription is dropped (leaving the topic) the next
    /// time the set is polled; nothing it still holds is delivered.
    pub fn remove(&mut self, source: &Source) {
        if let Some((_, handle)) = self.live.remove(source) {
            handle.abort();
        }
    }
}

impl Stream for Topics {
    type Item = (Source, Item);

    /// Ends (`None`) while it holds no subscription, as `StreamMap` did.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match self.streams.poll_next_unpin(cx) {
                Poll::Ready(Some((source, _, Some(item)))) => {
                    return Poll::Ready(Some((source, item)));
                }
                // A subscription ended (its topic closed, or it was replaced or removed):
                // forget it unless another has taken its source since.
                Poll::Ready(Some((source, inserted, None))) => {
                    if self
                        .live
                        .get(&source)
                        .is_some_and(|(now, _)| *now == inserted)
                    {
                        self.live.remove(&source);
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// One subscription with its source; says once that it ended, then ends.
struct Keyed {
    source: Source,
    inserted: u64,
    stream: Abortable<Fanned>,
    ended: bool,
}

impl Stream for Keyed {
    type Item = (Source, u64, Option<Item>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let (source, inserted) = (self.source, self.inserted);
        self.stream.poll_next_unpin(cx).map(|item| {
            self.ended = item.is_none();
            Some((source, inserted, item))
        })
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
