-- The outbox: replies to clients waiting to be sent to a provider by the delivery worker,
-- written in the same transaction as the message they carry.

create table outbox (
    id text primary key,
    message_id text not null references messages (id) on delete cascade,
    room_id text not null references rooms (id) on delete cascade,
    -- the provider ('telegram', …) and which of our accounts sends (the bot id, the number)
    channel text not null,
    account text not null,
    -- json of the outbound message (chat id, text, reply-to)
    payload text not null,
    status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    -- not before this instant (backoff, or the provider's retry_after)
    next_attempt_at integer not null,
    -- a worker holds the row until then; past it, another worker may take it over
    lease_until integer,
    external_id text,
    last_error text,
    created_at integer not null,
    updated_at integer not null
);

create index outbox_due on outbox (status, next_attempt_at);
create index outbox_message on outbox (message_id);

-- Where a message to a client stands with its provider.
alter table messages add column delivery_status text;
alter table messages add column delivery_error text;
