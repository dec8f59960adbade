-- Deal totals: live deals summed per pipeline, stage, currency, owner, source and expected
-- close month, kept in the same transaction as every deal write (store/crm/deal_totals.rs),
-- so that the funnel and the forecast add up a few thousand rows instead of every deal.
-- As in crm_counts, '' stands for "none" in the key columns (primary key columns cannot be
-- null, and '' matches no user or department in the visibility filter).
create table deal_totals (
    pipeline_id text not null,
    stage_id text not null,
    currency text not null,
    responsible_id text not null,
    department_id text not null,
    source text not null,
    -- yyyymm of the expected close date; 0 for deals without one
    close_month integer not null,
    deals integer not null,
    amount_minor integer not null,
    -- Σ amount of the deals that follow their stage's probability: the forecast weighs it
    -- by the stage's current probability when it reads, so changing a stage's probability
    -- needs no rewrite here
    following_minor integer not null,
    -- Σ amount × percent of the deals with a probability of their own
    weighted_own integer not null,
    created_at integer not null,
    updated_at integer not null,
    primary key (pipeline_id, stage_id, currency, responsible_id, department_id, source, close_month)
) without rowid;

insert into deal_totals (pipeline_id, stage_id, currency, responsible_id, department_id, source,
    close_month, deals, amount_minor, following_minor, weighted_own, created_at, updated_at)
select pipeline_id, stage_id, currency, coalesce(responsible_id, ''), coalesce(department_id, ''),
    coalesce(source, ''), coalesce(expected_close / 100, 0), count(*), sum(amount_minor),
    sum(case when probability is null then amount_minor else 0 end),
    sum(amount_minor * coalesce(probability, 0)),
    cast((julianday('now') - 2440587.5) * 86400000 as integer),
    cast((julianday('now') - 2440587.5) * 86400000 as integer)
from deals where deleted_at is null
group by pipeline_id, stage_id, currency, coalesce(responsible_id, ''), coalesce(department_id, ''),
    coalesce(source, ''), coalesce(expected_close / 100, 0);
