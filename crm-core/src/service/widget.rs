//! The website widget's visitors: issuing and resuming their anonymous tokens, and what each
//! may read of its conversations. Messages a visitor sends go through the open-lines inbound
//! pipeline like any provider's; replies reach it through the outbox.

use crate::{
    Error, Result, Store,
    domain::{
        Channel, ChannelKind, ChatEvent, FieldRule, Message, MessageId, PrechatForm, RawDetails,
        RoomId, Visitor, VisitorId, WidgetConfig, now,
    },
    service::SessionToken,
    store::{conversations, message_store, widget},
};

/// Most messages a connecting visitor is sent at once.
pub const HISTORY_LIMIT: i64 = 500;

/// A visitor and the token its browser keeps.
pub struct VisitorSession {
    pub visitor: Visitor,
    pub token: SessionToken,
    /// True when an existing token was presented.
    pub resumed: bool,
}

#[derive(Clone)]
pub struct Widget {
    store: Store,
}

impl Widget {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Issues a visitor for a widget channel, or resumes the one `token` names. The pre-chat
    /// form is checked before anything is written: a bad field stores nothing. A resuming
    /// visitor may add details but is not asked again for required ones.
    pub async fn join(
        &self,
        channel: &Channel,
        token: Option<&str>,
        raw: RawDetails,
    ) -> Result<VisitorSession> {
        if channel.kind != ChannelKind::Widget {
            return Err(Error::not_found("channel"));
        }
        let form = WidgetConfig::of(&channel.config).prechat;
        let now = now();
        let mut tx = self.store.begin().await?;
        let session = match token {
            Some(token) => {
                let token = SessionToken::from_bearer(token);
                let mut visitor = widget::visitor_by_token(&mut tx, &token.hash())
                    .await?
                    .filter(|visitor| visitor.channel_id == channel.id)
                    .ok_or(Error::Unauthenticated)?;
                let details = relaxed(form).check(raw)?;
                widget::update_details(&mut tx, visitor.id, &details, now).await?;
                visitor.details.name = details.name.or(visitor.details.name);
                visitor.details.email = details.email.or(visitor.details.email);
                visitor.details.phone = details.phone.or(visitor.details.phone);
                VisitorSession {
                    visitor,
                    token,
                    resumed: true,
                }
            }
            None => {
                let details = form.check(raw)?;
                let visitor = Visitor {
                    id: VisitorId::new(),
                    channel_id: channel.id,
                    details,
                    created_at: now,
                };
                let token = SessionToken::generate();
                widget::insert_visitor(&mut tx, &visitor, &token.hash()).await?;
                VisitorSession {
                    visitor,
                    token,
                    resumed: false,
                }
            }
        };
        tx.commit().await?;
        Ok(session)
    }

    /// The visitor a token belongs to.
    pub async fn visitor(&self, token: &str) -> Result<Visitor> {
        let mut conn = self.store.acquire().await?;
        widget::visitor_by_token(&mut conn, &SessionToken::from_bearer(token).hash())
            .await?
            .ok_or(Error::Unauthenticated)
    }

    /// The visitor's conversations, oldest first, each with its newest sequence number.
    pub async fn rooms(&self, visitor: &Visitor) -> Result<Vec<(RoomId, i64)>> {
        let mut conn = self.store.acquire().await?;
        widget::rooms(&mut conn, visitor.channel_id, visitor.id).await
    }

    /// What the visitor has not seen yet, oldest first, at most `HISTORY_LIMIT` messages:
    /// with no `after`, the newest of all its conversations; after a room and sequence, what
    /// follows it — and `true` when there is more than was returned.
    pub async fn history(
        &self,
        visitor: &Visitor,
        after: Option<(RoomId, i64)>,
    ) -> Result<(Vec<Message>, bool)> {
        let mut conn = self.store.acquire().await?;
        let rooms: Vec<RoomId> = widget::rooms(&mut conn, visitor.channel_id, visitor.id)
            .await?
            .into_iter()
            .map(|(room, _)| room)
            .collect();
        let Some((cursor, seq)) = after else {
            let mut newest = Vec::new();
            for room in rooms.iter().rev() {
                let left = HISTORY_LIMIT - i64::try_from(newest.len()).unwrap_or(HISTORY_LIMIT);
                if left <= 0 {
                    break;
                }
                let mut older = widget::newest_visible(&mut conn, *room, left).await?;
                older.append(&mut newest);
                newest = older;
            }
            return Ok((newest, false));
        };
        let start = rooms
            .iter()
            .position(|room| *room == cursor)
            .ok_or_else(|| Error::validation("after", "not a conversation of this visitor"))?;
        let mut messages = Vec::new();
        for room in &rooms[start..] {
            let from = if *room == cursor { seq } else { 0 };
            messages.extend(
                widget::visible(&mut conn, *room, from, i64::MAX, HISTORY_LIMIT + 1).await?,
            );
        }
        let limit = usize::try_from(HISTORY_LIMIT).unwrap_or(usize::MAX);
        let more = messages.len() > limit;
        messages.truncate(limit);
        Ok((messages, more))
    }

    /// What the visitor sees of a room with a sequence in `(after, until]`.
    pub async fn visible(&self, room: RoomId, after: i64, until: i64) -> Result<Vec<Message>> {
        let mut conn = self.store.acquire().await?;
        widget::visible(&mut conn, room, after, until, HISTORY_LIMIT).await
    }

    /// A reply to deliver to the visitor, if it is still there.
    pub async fn reply(&self, id: MessageId) -> Result<Option<Message>> {
        let mut conn = self.store.acquire().await?;
        Ok(message_store::get(&mut conn, id)
            .await?
            .filter(|message| message.deleted_at.is_none()))
    }

    /// The message stored for an inbound delivery key (a resend of the same client id).
    pub async fn received(&self, dedup_key: &str) -> Result<Option<Message>> {
        let mut conn = self.store.acquire().await?;
        widget::received(&mut conn, dedup_key).await
    }

    /// The visitor has read its conversation up to `seq`.
    pub async fn mark_read(&self, visitor: &Visitor, room: RoomId, seq: i64) -> Result<ChatEvent> {
        let mut tx = self.store.begin().await?;
        self.require_own(&mut tx, visitor, room).await?;
        let seq = widget::client_read(&mut tx, room, seq.max(0), now()).await?;
        tx.commit().await?;
        Ok(ChatEvent::ClientRead { room_id: room, seq })
    }

    /// A typing notice from the visitor, for its operators.
    pub async fn typing(&self, visitor: &Visitor, room: RoomId) -> Result<ChatEvent> {
        let mut conn = self.store.acquire().await?;
        self.require_own(&mut conn, visitor, room).await?;
        Ok(ChatEvent::ClientTyping {
            room_id: room,
            expires_in_ms: 6_000,
        })
    }

    /// How far the operators have read a room.
    pub async fn operators_read(&self, room: RoomId) -> Result<i64> {
        let mut conn = self.store.acquire().await?;
        widget::operators_read(&mut conn, room).await
    }

    async fn require_own(
        &self,
        conn: &mut crate::store::Conn,
        visitor: &Visitor,
        room: RoomId,
    ) -> Result<()> {
        let conversation = conversations::get(conn, room).await?;
        match conversation {
            Some(c)
                if c.channel_id == visitor.channel_id
                    && c.external_chat_id == visitor.id.to_string() =>
            {
                Ok(())
            }
            _ => Err(Error::not_found("conversation")),
        }
    }
}

/// The form as a returning visitor sees it: nothing is required any more.
fn relaxed(form: PrechatForm) -> PrechatForm {
    let relax = |rule| match rule {
        FieldRule::Required => FieldRule::Optional,
        other => other,
    };
    PrechatForm {
        name: relax(form.name),
        email: relax(form.email),
        phone: relax(form.phone),
    }
}
