-- CRM, second slice: pipelines with their stages, deals with their stage history, and
-- leads. Conventions as in 20261127000006_crm_contacts.sql: deals and leads carry their
-- responsible user and that user's department for visibility, are soft-deleted, and every
-- index a query uses is partial on deleted_at is null.

create table pipelines (
    id text primary key,
    name text not null,
    -- exactly one pipeline is the default: where deals go when none is named
    is_default bigint not null default 0,
    -- the order pipelines are listed in
    position bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);

create unique index pipelines_one_default on pipelines (is_default) where is_default = 1;

create table pipeline_stages (
    id text primary key,
    pipeline_id text not null references pipelines (id) on delete cascade,
    name text not null,
    -- the order of stages within the pipeline, 0-based and without gaps
    position bigint not null,
    -- percent; the probability of a deal in this stage unless the deal overrides it
    probability bigint not null check (probability between 0 and 100),
    meaning text not null check (meaning in ('open', 'won', 'lost')),
    created_at bigint not null,
    updated_at bigint not null
);

create index pipeline_stages_pipeline on pipeline_stages (pipeline_id, position);

-- The default pipeline, so that a deal can be created on a fresh installation.
insert into pipelines (id, name, is_default, position, created_at, updated_at)
values ('019ac7f0-0000-7000-8000-000000000001', 'Sales', 1, 0, 1795824000000, 1795824000000);

insert into pipeline_stages (id, pipeline_id, name, position, probability, meaning, created_at, updated_at)
values
    ('019ac7f0-0000-7000-8000-000000000011', '019ac7f0-0000-7000-8000-000000000001', 'New', 0, 10, 'open', 1795824000000, 1795824000000),
    ('019ac7f0-0000-7000-8000-000000000012', '019ac7f0-0000-7000-8000-000000000001', 'Qualified', 1, 30, 'open', 1795824000000, 1795824000000),
    ('019ac7f0-0000-7000-8000-000000000013', '019ac7f0-0000-7000-8000-000000000001', 'Proposal', 2, 50, 'open', 1795824000000, 1795824000000),
    ('019ac7f0-0000-7000-8000-000000000014', '019ac7f0-0000-7000-8000-000000000001', 'Negotiation', 3, 70, 'open', 1795824000000, 1795824000000),
    ('019ac7f0-0000-7000-8000-000000000015', '019ac7f0-0000-7000-8000-000000000001', 'Won', 4, 100, 'won', 1795824000000, 1795824000000),
    ('019ac7f0-0000-7000-8000-000000000016', '019ac7f0-0000-7000-8000-000000000001', 'Lost', 5, 0, 'lost', 1795824000000, 1795824000000);

create table deals (
    id text primary key,
    title text not null,
    -- the title lowercased, for the text filter (like '%…%' on both engines)
    title_key text not null,
    -- the amount in the currency's minor units (kopecks, cents; yen as is): exact
    amount_minor bigint not null,
    -- ISO 4217 code
    currency text not null,
    -- the expected close date as the number yyyymmdd, so that yyyymm = expected_close / 100
    expected_close bigint,
    pipeline_id text not null references pipelines (id),
    stage_id text not null references pipeline_stages (id),
    -- percent set on the deal; null follows the stage's probability
    probability bigint check (probability between 0 and 100),
    contact_id text references contacts (id) on delete set null,
    company_id text references companies (id) on delete set null,
    source text,
    responsible_id text references users (id) on delete set null,
    -- the responsible user's department when they were assigned; visibility reads it
    department_id text references departments (id) on delete set null,
    -- yyyymmdd (UTC) of the move into a won or lost stage; null while open
    closed_on bigint,
    created_by text references users (id) on delete set null,
    deleted_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create index deals_live on deals (id, responsible_id, department_id) where deleted_at is null;
create index deals_responsible on deals (responsible_id, id) where deleted_at is null;
create index deals_department on deals (department_id, id) where deleted_at is null;
create index deals_contact on deals (contact_id) where deleted_at is null and contact_id is not null;
create index deals_company on deals (company_id) where deleted_at is null and company_id is not null;
-- The funnel and the stage filter: per stage, covering what the funnel sums and what
-- visibility reads, so the funnel never touches the rows.
create index deals_funnel on deals (pipeline_id, stage_id, currency, amount_minor, responsible_id, department_id)
    where deleted_at is null;
-- The forecast: open deals by expected close month, covering as above.
create index deals_forecast on deals (pipeline_id, expected_close, currency, amount_minor, probability, stage_id, responsible_id, department_id)
    where deleted_at is null and expected_close is not null;
-- Won and lost by month of closing.
create index deals_closed on deals (closed_on, stage_id) where deleted_at is null and closed_on is not null;

-- Every stage a deal entered: the first row (from_stage_id null) is its creation.
create table deal_stage_history (
    id text primary key,
    deal_id text not null references deals (id) on delete cascade,
    from_stage_id text references pipeline_stages (id) on delete set null,
    to_stage_id text references pipeline_stages (id) on delete set null,
    -- the stage names at the time, so history reads the same after a stage is removed
    from_stage_name text,
    to_stage_name text not null,
    changed_by text references users (id) on delete set null,
    changed_at bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);

create index deal_stage_history_deal on deal_stage_history (deal_id, changed_at);

create table leads (
    id text primary key,
    title text,
    name text,
    -- E.164
    phone text,
    -- lowercased
    email text,
    company_name text,
    -- title, name, phone, e-mail and company name lowercased, for the text filter
    search_key text not null,
    status text not null check (status in ('new', 'in_work', 'converted', 'junk')),
    -- why a lead is junk; required for that status
    junk_reason text,
    source text,
    responsible_id text references users (id) on delete set null,
    -- the responsible user's department when they were assigned; visibility reads it
    department_id text references departments (id) on delete set null,
    -- what the conversion produced or reused
    contact_id text references contacts (id) on delete set null,
    deal_id text references deals (id) on delete set null,
    converted_at bigint,
    created_by text references users (id) on delete set null,
    deleted_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);

create index leads_live on leads (id, responsible_id, department_id) where deleted_at is null;
create index leads_responsible on leads (responsible_id, id) where deleted_at is null;
create index leads_department on leads (department_id, id) where deleted_at is null;
create index leads_status on leads (status, id) where deleted_at is null;
-- Conversion: leads created in a period, with what they became.
create index leads_created on leads (created_at, status, responsible_id, department_id)
    where deleted_at is null;
