-- CRM tasks: the task itself, which tasks block which, and one row per reminder to send.
-- Conventions as in 20261127000001_foundation.sql.
--
-- Visibility: a task is seen by its responsible user, its creator, supervisors of the
-- responsible user's department subtree (department_id, copied on assignment) and admins;
-- the indexes put those columns first so a role-restricted page is a range scan.

create table tasks (
    id text primary key,
    title text not null,
    description text,
    -- epoch ms; null when the task has no deadline
    deadline_at integer,
    -- deadline_at, or the largest bigint when there is none: a not-null sort key, so a
    -- page sorted by deadline is a keyset range scan with undated tasks last
    deadline_key integer not null,
    priority text not null check (priority in ('low', 'normal', 'high')),
    -- 0 low, 1 normal, 2 high: the priority sort key
    priority_rank integer not null,
    status text not null check (status in ('new', 'in_progress', 'waiting', 'done')),
    responsible_id text not null references users (id),
    -- the responsible user's department when they were assigned; visibility reads it
    department_id text references departments (id) on delete set null,
    creator_id text references users (id) on delete set null,
    -- the record the task is about (contact, company, later lead or deal); no foreign key,
    -- since the kinds live in different tables
    entity_kind text,
    entity_id text,
    -- json array of reminder offsets in minutes before the deadline
    reminders text not null default '[]',
    completed_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index tasks_responsible on tasks (responsible_id, id);
create index tasks_creator on tasks (creator_id, id);
create index tasks_department on tasks (department_id, id);
create index tasks_entity on tasks (entity_kind, entity_id, id) where entity_id is not null;
create index tasks_deadline on tasks (deadline_key, id);
create index tasks_priority on tasks (priority_rank, id);

-- task_id cannot move to in_progress or done while blocker_id is not done.
create table task_dependencies (
    task_id text not null references tasks (id) on delete cascade,
    blocker_id text not null references tasks (id) on delete cascade,
    created_at integer not null,
    updated_at integer not null,
    primary key (task_id, blocker_id)
);

create index task_dependencies_blocker on task_dependencies (blocker_id);

-- One row per notice to send: a reminder offset_minutes before the deadline, or the
-- overdue notice (kind 'overdue', offset 0) at the deadline. A worker on any node claims a
-- due row by setting sent_at where it is still null, so each is sent once.
create table task_reminders (
    id text primary key,
    task_id text not null references tasks (id) on delete cascade,
    kind text not null check (kind in ('reminder', 'overdue')),
    offset_minutes integer not null,
    due_at integer not null,
    sent_at integer,
    created_at integer not null,
    updated_at integer not null
);

create index task_reminders_due on task_reminders (due_at) where sent_at is null;
create index task_reminders_task on task_reminders (task_id);
