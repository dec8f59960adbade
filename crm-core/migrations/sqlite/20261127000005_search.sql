-- Full-text search over message bodies: an FTS5 index kept in step with messages by triggers.
--
-- The index stores no text of its own (external content): it reads bodies through the view
-- message_search_content. FTS5 keys its rows by an integer; messages has a text primary key,
-- and SQLite does not promise that the implicit rowid of such a table survives a vacuum, so
-- message_search_keys gives every message a stable integer key instead.
--
-- Tokenizer: unicode61 splits on anything that is not a letter or digit and folds case for
-- Cyrillic and Latin alike, so one index serves Russian and English; remove_diacritics 2
-- lets "cafe" find "café" (it leaves ё as it is). There is no Russian stemmer in FTS5, so
-- words match by prefix instead: the store turns every query word into a prefix query, and
-- prefix = '2 3' keeps the shortest, most common prefixes fast.
--
-- The keys table is part of the index, not a record, so it has no timestamps.

create table message_search_keys (
    key integer primary key,
    message_id text not null unique references messages (id) on delete cascade
);

create view message_search_content as
    select k.key, m.body from message_search_keys k join messages m on m.id = k.message_id;

create virtual table message_search using fts5 (
    body,
    content = 'message_search_content',
    content_rowid = 'key',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

create trigger messages_search_insert after insert on messages
begin
    insert into message_search_keys (message_id) values (new.id);
    insert into message_search (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id;
end;

-- Edits replace the indexed text; deletion clears the body, which removes it from the index.
-- An external-content index forgets a row only when told the exact text it indexed.
create trigger messages_search_update after update of body on messages
when old.body is not new.body
begin
    insert into message_search (message_search, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id;
    insert into message_search (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id;
end;

-- Before, so the key still exists when the cascade from a deleted room removes messages.
create trigger messages_search_delete before delete on messages
begin
    insert into message_search (message_search, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id;
    delete from message_search_keys where message_id = old.id;
end;

-- Index the messages that already exist.
insert into message_search_keys (message_id) select id from messages order by id;
insert into message_search (message_search) values ('rebuild');
