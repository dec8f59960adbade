-- The first schema: accounts, departments, sessions, rooms, messages and the audit log.
-- Ids are UUIDv7 strings; timestamps are unix epoch milliseconds (integer) so that one set of
-- queries serves SQLite and PostgreSQL alike.

create table roles (
    name text primary key,
    description text not null,
    -- how far the role sees records: 'all', 'department' (subtree it heads) or 'own'
    visibility text not null,
    created_at integer not null,
    updated_at integer not null
);

insert into roles (name, description, visibility, created_at, updated_at) values
    ('admin', 'Manages users, lines and settings; sees everything', 'all', 0, 0),
    ('supervisor', 'Head of a department; sees the department subtree', 'department', 0, 0),
    ('operator', 'Answers conversations; sees own records', 'own', 0, 0),
    ('viewer', 'Reads what the department shares; cannot change anything', 'own', 0, 0);

create table departments (
    id text primary key,
    name text not null,
    parent_id text references departments (id) on delete restrict,
    -- the supervisor who heads this department
    head_user_id text references users (id) on delete set null,
    created_at integer not null,
    updated_at integer not null
);

create index departments_parent on departments (parent_id);

create table users (
    id text primary key,
    -- stored lowercased; logins are case-insensitive
    login text not null unique,
    display_name text not null,
    email text,
    role text not null references roles (name),
    department_id text references departments (id) on delete set null,
    password_hash text not null,
    -- 1 while the password is a generated one that its owner has not replaced yet
    must_change_password integer not null default 0,
    disabled_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index users_department on users (department_id);

create table sessions (
    id text primary key,
    user_id text not null references users (id) on delete cascade,
    -- sha-256 of the bearer token; the token itself is never stored
    token_hash text not null unique,
    client_addr text,
    user_agent text,
    expires_at integer not null,
    revoked_at integer,
    last_seen_at integer not null,
    created_at integer not null,
    updated_at integer not null
);

create index sessions_user on sessions (user_id);

create table rooms (
    id text primary key,
    kind text not null check (kind in ('dm', 'group', 'channel', 'open_line')),
    name text,
    topic text,
    is_private integer not null default 0,
    -- 'smaller-user-id:larger-user-id' for a dm, so a pair has exactly one
    dm_key text unique,
    -- the sequence number given to the newest message in the room
    last_seq integer not null default 0,
    created_by text references users (id) on delete set null,
    archived_at integer,
    created_at integer not null,
    updated_at integer not null
);

create table room_members (
    room_id text not null references rooms (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    role text not null default 'member' check (role in ('owner', 'member')),
    last_read_seq integer not null default 0,
    joined_at integer not null,
    created_at integer not null,
    updated_at integer not null,
    primary key (room_id, user_id)
);

create index room_members_user on room_members (user_id);

create table messages (
    id text primary key,
    room_id text not null references rooms (id) on delete cascade,
    seq integer not null,
    -- the sender's idempotency key: a resend with the same key returns the stored message
    client_id text,
    -- null for messages not written by a staff account (clients, the system)
    author_id text references users (id) on delete set null,
    body text not null,
    -- json array of attachment references
    attachments text not null default '[]',
    thread_root_id text references messages (id) on delete set null,
    edited_at integer,
    deleted_at integer,
    created_at integer not null,
    updated_at integer not null,
    unique (room_id, seq)
);

create unique index messages_client_id on messages (room_id, author_id, client_id)
    where client_id is not null;
create index messages_thread on messages (thread_root_id) where thread_root_id is not null;

create table audit_log (
    id text primary key,
    actor_id text references users (id) on delete set null,
    -- dotted verb, e.g. 'user.create', 'session.revoke'
    action text not null,
    target_kind text,
    target_id text,
    -- json object with what changed; never secrets
    detail text not null default '{}',
    client_addr text,
    created_at integer not null,
    updated_at integer not null
);

create index audit_log_created on audit_log (created_at);
create index audit_log_target on audit_log (target_kind, target_id);
