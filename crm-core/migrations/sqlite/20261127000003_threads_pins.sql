-- Threads and pinned messages.

-- How many replies a thread root has, and when the newest came: shown on the root message.
alter table messages add column reply_count integer not null default 0;
alter table messages add column last_reply_at integer;

create table pins (
    room_id text not null references rooms (id) on delete cascade,
    message_id text not null references messages (id) on delete cascade,
    pinned_by text references users (id) on delete set null,
    created_at integer not null,
    updated_at integer not null,
    primary key (room_id, message_id)
);
