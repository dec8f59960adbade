-- Calls: audio/video calls held in a room. Live participants (which browser tab is
-- connected) exist only on the node that runs the call; what is kept is who took part.

create table calls (
    id text primary key,
    room_id text not null references rooms (id) on delete cascade,
    started_by text references users (id) on delete set null,
    started_at integer not null,
    -- null while the call is going on
    ended_at integer,
    -- the system message in the room that summarises the ended call
    message_id text references messages (id) on delete set null,
    created_at integer not null,
    updated_at integer not null
);

-- at most one live call per room: starting a call where one is going on joins it instead
create unique index calls_live_room on calls (room_id) where ended_at is null;

-- everyone who joined a call at least once
create table call_participants (
    call_id text not null references calls (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    -- the first time the user joined
    joined_at integer not null,
    created_at integer not null,
    updated_at integer not null,
    primary key (call_id, user_id)
);

-- (a call's summary is a message of kind 'call': the column comes with the line policies)
-- for system messages, what they are about as a json object (a call's times and people)
alter table messages add column meta text;
