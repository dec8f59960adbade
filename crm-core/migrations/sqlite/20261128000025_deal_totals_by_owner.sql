-- An operator's reports read only their own rows of the totals, a supervisor's only their
-- departments' (the visibility filter is `responsible_id in (…)` / `department_id in (…)`):
-- without these, every role's funnel and forecast scanned the whole table.
create index deal_totals_by_responsible on deal_totals (responsible_id, pipeline_id);
create index deal_totals_by_department on deal_totals (department_id, pipeline_id);
