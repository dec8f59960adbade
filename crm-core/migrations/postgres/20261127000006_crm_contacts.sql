-- CRM, first slice: companies, contacts with their phones, e-mails and channel identities,
-- the word index for search, and the timeline (entries, and links from each entry to every
-- entity it concerns). Conventions as in 20261127000001_foundation.sql.
--
-- Visibility: every record carries its responsible user and that user's department
-- (copied when the responsible user is assigned), and the store's queries filter on them;
-- the indexes below put those columns first so that a role-restricted list page is an index
-- range scan, newest first, at any table size. Deleted records keep their rows (deleted_at)
-- and every index a query uses is partial on deleted_at is null.

create table companies (
    id text primary key,
    name text not null,
    -- lowercased, ё→е, legal form, quotes and punctuation removed, transliterated to a Latin
    -- skeleton, words sorted: equal keys are similar names (domain::crm::names)
    name_key text,
    address text,
    responsible_id text references users (id) on delete set null,
    -- the responsible user's department when they were assigned; visibility reads it
    department_id text references departments (id) on delete set null,
    -- json object of custom field values
    custom text not null default '{}',
    created_by text references users (id) on delete set null,
    deleted_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create index companies_live on companies (id, responsible_id, department_id) where deleted_at is null;
create index companies_responsible on companies (responsible_id, id) where deleted_at is null;
create index companies_department on companies (department_id, id) where deleted_at is null;
create index companies_name_key on companies (name_key)
    where deleted_at is null and name_key is not null;

create table contacts (
    id text primary key,
    first_name text,
    last_name text,
    middle_name text,
    -- last and first name reduced like companies.name_key
    name_key text,
    position text,
    company_id text references companies (id) on delete set null,
    address text,
    -- where the contact came from (an open line, an import); free text
    source text,
    responsible_id text references users (id) on delete set null,
    -- the responsible user's department when they were assigned; visibility reads it
    department_id text references departments (id) on delete set null,
    -- json object of custom field values
    custom text not null default '{}',
    created_by text references users (id) on delete set null,
    -- set together with deleted_at when this contact was merged into another
    merged_into_id text references contacts (id) on delete set null,
    deleted_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

-- Covers the "is it live and visible" check of a contact found through another index (a
-- search word, a phone), so that counting matches never reads the rows themselves.
create index contacts_live on contacts (id, responsible_id, department_id) where deleted_at is null;
create index contacts_responsible on contacts (responsible_id, id) where deleted_at is null;
create index contacts_department on contacts (department_id, id) where deleted_at is null;
create index contacts_company on contacts (company_id, id) where deleted_at is null;
create index contacts_name_key on contacts (name_key)
    where deleted_at is null and name_key is not null;

-- Phones in E.164 and lowercased e-mails; position keeps the order they were given in.
create table contact_phones (
    contact_id text not null references contacts (id) on delete cascade,
    number text not null,
    kind text not null check (kind in ('mobile', 'work', 'home', 'other')),
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (contact_id, number)
);

create index contact_phones_number on contact_phones (number);

create table contact_emails (
    contact_id text not null references contacts (id) on delete cascade,
    email text not null,
    kind text not null check (kind in ('work', 'home', 'other')),
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (contact_id, email)
);

create index contact_emails_email on contact_emails (email);

create table company_phones (
    company_id text not null references companies (id) on delete cascade,
    number text not null,
    kind text not null check (kind in ('mobile', 'work', 'home', 'other')),
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (company_id, number)
);

create index company_phones_number on company_phones (number);

create table company_emails (
    company_id text not null references companies (id) on delete cascade,
    email text not null,
    kind text not null check (kind in ('work', 'home', 'other')),
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (company_id, email)
);

create index company_emails_email on company_emails (email);

-- A contact's account on a channel; one contact per account, so the open lines find the
-- contact a message comes from by (channel, external_id).
create table contact_identities (
    id text primary key,
    contact_id text not null references contacts (id) on delete cascade,
    -- telegram, whatsapp, viber, email, widget (domain::ChannelKind)
    channel text not null,
    external_id text not null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (channel, external_id)
);

create index contact_identities_contact on contact_identities (contact_id);

-- The word indexes behind `q`: each normalized name word of a live record once. A query
-- word matches the words it is a prefix of, as a range scan (word >= w and word < w||max).
-- Part of the index, not records, so no timestamps (as message_search_keys).
create table contact_words (
    -- byte order (C collation), so that the prefix range matches exactly what it should
    word text collate "C" not null,
    contact_id text not null references contacts (id) on delete cascade,
    primary key (word, contact_id)
);

create index contact_words_contact on contact_words (contact_id);

create table company_words (
    word text collate "C" not null,
    company_id text not null references companies (id) on delete cascade,
    primary key (word, company_id)
);

create index company_words_company on company_words (company_id);

-- How many live records each (responsible, department) pair has, kept in the transaction
-- that creates, deletes or reassigns a record, so that the total of a list filtered only
-- by visibility and responsible user is a sum over a few rows instead of a count over
-- millions. The columns are named as on the records so that the same visibility filter
-- applies; '' stands for "none" (primary key columns cannot be null) and matches no user.
create table crm_counts (
    entity_kind text not null check (entity_kind in ('contact', 'company')),
    responsible_id text not null,
    department_id text not null,
    live bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (entity_kind, responsible_id, department_id)
);

-- One entry per thing that happened; kind and payload shape: domain::crm::TimelineKind.
-- No check constraint on kind, so that new kinds need no table rebuild.
create table timeline_entries (
    id text primary key,
    kind text not null,
    -- the staff member who did it; null for clients and the system
    author_id text references users (id) on delete set null,
    occurred_at bigint not null,
    -- one line for lists and notifications
    summary text not null,
    -- json object with the details
    payload text not null default '{}',
    created_at bigint not null,
    updated_at bigint not null
);

-- An entry shows on the timeline of every entity it is linked to. occurred_at is copied
-- from the entry so that the primary key alone serves an entity's page, newest first by
-- (occurred_at, entry_id). entity_id has no foreign key: it names a contact, a company, a
-- lead or a deal according to entity_kind.
create table timeline_links (
    entity_kind text not null,
    entity_id text not null,
    occurred_at bigint not null,
    entry_id text not null references timeline_entries (id) on delete cascade,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (entity_kind, entity_id, occurred_at, entry_id)
);

create index timeline_links_entry on timeline_links (entry_id);
