-- Threads and pinned messages.

-- How many replies a thread root has, and when the newest came: shown on the root message.
alter table messages add column reply_count bigint not null default 0;
alter table messages add column last_reply_at bigint;

create table pins (
    room_id text not null references rooms (id) on delete cascade,
    message_id text not null references messages (id) on delete cascade,
    pinned_by text references users (id) on delete set null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (room_id, message_id)
);
