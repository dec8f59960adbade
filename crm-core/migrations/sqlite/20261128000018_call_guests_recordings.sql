-- Calls, continued: how a call ended for the people rung, the timeline entry it left on a
-- contact's timeline, guests (people without an account who join one call by a link) and
-- recordings made with every participant's consent.

-- the first member who declined the ringing; an ended call nobody answered that someone
-- declined is 'declined' rather than 'missed'
alter table calls add column declined_by text references users (id) on delete set null;
-- the entry on the CRM timeline (open-line conversations with a contact); null for internal rooms
alter table calls add column timeline_entry_id text;

-- a link a room member hands to someone without an account: whoever opens it before it
-- expires (and while it is not revoked) may join the room's live call as a named guest
create table call_guest_links (
    id text primary key,
    room_id text not null references rooms (id) on delete cascade,
    -- sha-256 of the token in the link; the token itself is shown once, to its creator
    token_hash text not null unique,
    created_by text references users (id) on delete set null,
    expires_at integer not null,
    revoked_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index call_guest_links_room on call_guest_links (room_id, created_at);

-- a guest session: one person who opened a link and named themself; its token reaches only
-- this one call
create table call_guests (
    id text primary key,
    link_id text not null references call_guest_links (id) on delete cascade,
    call_id text not null references calls (id) on delete cascade,
    display_name text not null,
    -- sha-256 of the guest's bearer token
    token_hash text not null unique,
    expires_at integer not null,
    -- the first time the guest's media joined the call; null when they never got in
    joined_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index call_guests_call on call_guests (call_id, created_at);

-- a recorded track of one participant (recorded only with everyone's consent); the file is
-- an attachment of the call's summary message, so whoever may read the room may download it
create table call_recordings (
    id text primary key,
    call_id text not null references calls (id) on delete cascade,
    attachment_id text not null references attachments (id) on delete cascade,
    -- whose media it is: a member or a guest (both null once they are gone)
    user_id text references users (id) on delete set null,
    guest_id text references call_guests (id) on delete set null,
    -- the name the others saw, kept with the file
    display_name text not null,
    -- 'audio' (Ogg/Opus) or 'video' (IVF/VP8)
    kind text not null,
    -- Opus packets or video frames in the file
    frames integer not null,
    created_at integer not null,
    updated_at integer not null
);

create index call_recordings_call on call_recordings (call_id, created_at);
