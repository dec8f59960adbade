-- Open lines and the CRM: what a line creates for a new client besides the contact, the
-- lead or deal a conversation is linked to, and the room of each timeline entry, so that
-- linking a conversation puts its whole history on the deal's (or lead's) timeline.

-- 'contact' (only the contact), 'lead' or 'deal'
alter table lines add column new_client_creates text not null default 'contact';
-- where the line's new deals go; null = the default pipeline (also after it is deleted)
alter table lines add column deal_pipeline_id text references pipelines (id) on delete set null;
-- ISO 4217 code of the line's new deals (their amount is zero until someone sets it)
alter table lines add column deal_currency text not null default 'RUB';

-- while set, every new timeline entry of the conversation is linked to the deal / lead too
alter table conversations add column deal_id text;
alter table conversations add column lead_id text;
-- whether a client is new: their contact has no earlier conversation
create index conversations_contact on conversations (contact_id) where contact_id is not null;

-- the conversation an entry belongs to (messages and conversation events); null otherwise
alter table timeline_entries add column room_id text;
update timeline_entries set room_id = json_extract(payload, '$.room_id')
    where kind in ('message', 'conversation_event')
    and json_valid(payload) and json_extract(payload, '$.room_id') is not null;
create index timeline_entries_room on timeline_entries (room_id, occurred_at)
    where room_id is not null;
