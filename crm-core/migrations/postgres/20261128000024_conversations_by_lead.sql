-- A lead's conversations, found when it is converted (they move to its deal).
create index conversations_lead on conversations (lead_id) where lead_id is not null;
