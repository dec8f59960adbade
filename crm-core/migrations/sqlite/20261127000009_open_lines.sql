-- Open lines: lines with their operators and channels, and the client conversations they
-- serve. A conversation is a room of kind 'open_line'; this table holds its routing state.

create table lines (
    id text primary key,
    name text not null,
    -- how a new conversation finds an operator: 'round_robin' (longest idle first),
    -- 'least_busy' (fewest open conversations) or 'offer_all' (every operator may take it)
    distribution text not null default 'round_robin'
        check (distribution in ('round_robin', 'least_busy', 'offer_all')),
    max_open_per_operator integer not null default 10,
    greeting text,
    -- re-offer an unanswered conversation after this many seconds; 0 turns it off
    sla_seconds integer not null default 0,
    created_at integer not null,
    updated_at integer not null
);

create table line_operators (
    line_id text not null references lines (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    -- when this operator was last given a conversation on this line (round robin order)
    last_assigned_at integer not null default 0,
    created_at integer not null,
    updated_at integer not null,
    primary key (line_id, user_id)
);

create table channels (
    id text primary key,
    line_id text references lines (id) on delete set null,
    kind text not null,
    -- our identity on the provider: the bot id, the business number id
    account text not null,
    name text not null,
    -- json: provider credentials and options (token, webhook secret, mode, base url)
    config text not null,
    created_at integer not null,
    updated_at integer not null,
    unique (kind, account)
);

create table conversations (
    room_id text primary key references rooms (id) on delete cascade,
    line_id text not null references lines (id),
    channel_id text not null references channels (id),
    -- the provider's chat: a private chat with one client, or a group of them
    external_chat_id text not null,
    client_name text,
    status text not null default 'queued' check (status in ('queued', 'assigned', 'closed')),
    assignee_id text references users (id) on delete set null,
    queued_at integer not null,
    assigned_at integer,
    first_response_at integer,
    closed_at integer,
    last_client_message_at integer,
    created_at integer not null,
    updated_at integer not null
);

-- At most one open conversation per provider chat.
create unique index conversations_open_chat on conversations (channel_id, external_chat_id)
    where status <> 'closed';
create index conversations_queue on conversations (line_id, status, queued_at);
create index conversations_assignee on conversations (assignee_id, status);

-- Provider deliveries already stored, so a retried webhook stores nothing twice.
create table inbound_receipts (
    dedup_key text primary key,
    message_id text references messages (id) on delete cascade,
    created_at integer not null,
    updated_at integer not null
);

-- Messages from clients: the provider's id (for replies and edits) and the sender's name.
alter table messages add column external_id text;
alter table messages add column sender_name text;
create index messages_external on messages (room_id, external_id) where external_id is not null;
