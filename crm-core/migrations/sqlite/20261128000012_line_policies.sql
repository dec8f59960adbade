-- Line policies (working hours, automatic messages, SLA, auto-close, rating, reopen window),
-- the CRM contact of each conversation with its measured times, operators' notes, labels,
-- snooze and canned responses.

-- json: {"time_zone": "Europe/Berlin", "week": {"mon": ["09:00-18:00"], …}}; null = always open
alter table lines add column working_hours text;
alter table lines add column off_hours_message text;
-- close a conversation this many minutes after the operator's last answer when the client
-- has not written since; 0 turns it off
alter table lines add column auto_close_minutes integer not null default 0;
-- 'off', 'csat' (1–5) or 'thumbs' (👍/👎)
alter table lines add column rating_mode text not null default 'off';
-- a client message this many minutes after closing reopens the conversation; later ones
-- start a new one
alter table lines add column reopen_minutes integer not null default 0;

-- supervisors of a line are notified of SLA breaches and are never routed conversations
alter table line_operators add column supervisor integer not null default 0;

alter table conversations add column contact_id text;
alter table conversations add column first_response_ms integer;
alter table conversations add column resolution_ms integer;
alter table conversations add column rating integer;
alter table conversations add column rating_requested_at integer;
-- timers, each claimed by a conditional update on its own value
alter table conversations add column sla_due_at integer;
alter table conversations add column auto_close_at integer;
alter table conversations add column snoozed_until integer;
-- the operator who let the SLA run out; routing offers the conversation to someone else first
alter table conversations add column passed_over_id text;
create index conversations_sla_due on conversations (sla_due_at) where sla_due_at is not null;
create index conversations_auto_close on conversations (auto_close_at) where auto_close_at is not null;
create index conversations_snoozed on conversations (snoozed_until) where snoozed_until is not null;
create index conversations_chat on conversations (channel_id, external_chat_id, closed_at);

-- 'message' (to or from the client), 'note' (operators only, never sent), 'auto' (sent by
-- the line's policies: greeting, off-hours, rating request)
alter table messages add column kind text not null default 'message';

create table conversation_labels (
    room_id text not null references conversations (room_id) on delete cascade,
    label text not null,
    created_at integer not null,
    updated_at integer not null,
    primary key (room_id, label)
);
create index conversation_labels_label on conversation_labels (label, room_id);

create table canned_responses (
    id text primary key,
    -- exactly one of line_id (shared on the line) and owner_id (personal)
    line_id text references lines (id) on delete cascade,
    owner_id text references users (id) on delete cascade,
    -- 'line:<id>' or 'user:<id>': shortcuts are unique within it
    scope text not null,
    shortcut text not null,
    body text not null,
    created_at integer not null,
    updated_at integer not null,
    unique (scope, shortcut)
);
