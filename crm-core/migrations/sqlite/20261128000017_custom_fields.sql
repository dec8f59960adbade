-- Custom fields: typed definitions per kind of CRM record, and a place for the values on
-- deals and leads (contacts and companies have had a `custom` column since
-- 20261127000006_crm_contacts.sql). Values stay a json object per record, keyed by the
-- definition's key; the service checks every value against its definition on write.

create table custom_fields (
    id text primary key,
    -- the kind of record the field belongs to
    entity text not null check (entity in ('contact', 'company', 'deal', 'lead')),
    -- stable name of the value inside the record's custom object: [a-z0-9_], never changed
    field_key text not null,
    label text not null,
    field_type text not null
        check (field_type in ('text', 'number', 'date', 'list', 'boolean', 'link')),
    -- json array of the choices of a list field; '[]' for other types
    options text not null default '[]',
    -- the kind of record a link field points at; null for other types
    link_entity text check (link_entity in ('contact', 'company', 'deal', 'lead')),
    -- 0/1: staff must fill it when they create a record
    required integer not null default 0,
    -- the order fields are shown in (ties by key)
    sort_order integer not null default 0,
    -- comma-separated roles that see the value / may change it; admin is always among them
    visible_to text not null,
    editable_by text not null,
    created_at integer not null,
    updated_at integer not null
);

create unique index custom_fields_entity_key on custom_fields (entity, field_key);

-- json object of custom field values, as on contacts and companies
alter table deals add column custom text not null default '{}';
alter table leads add column custom text not null default '{}';
