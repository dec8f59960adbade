-- The website widget: anonymous visitors of a widget channel, each holding a long-lived
-- token (stored only as a SHA-256 hash). A visitor's id is the provider user id and chat
-- id of its conversations on that channel.

create table widget_visitors (
    id text primary key,
    channel_id text not null references channels (id) on delete cascade,
    token_hash text not null unique,
    -- what the visitor entered in the pre-chat form, if the channel asks for it
    name text,
    email text,
    phone text,
    last_seen_at integer not null,
    created_at integer not null,
    updated_at integer not null
);

create index widget_visitors_channel on widget_visitors (channel_id);

-- How far the client has read its conversation (the operators' side is room_members).
alter table conversations add column client_read_seq integer not null default 0;
