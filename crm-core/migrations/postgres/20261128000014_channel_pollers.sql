-- Long-polling channels (Telegram getUpdates): exactly one node polls a bot at a time. The
-- node holding an unexpired lease polls and advances the offset; another node may take the
-- lease only once it has expired (or was released on shutdown).
create table channel_pollers (
    channel_id text primary key references channels (id) on delete cascade,
    holder text not null,
    lease_until bigint not null,
    -- the next update id to ask for; everything below it is stored
    next_offset bigint not null default 0,
    last_polled_at bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null
);
