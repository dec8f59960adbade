-- Which messages reference which attachments, so a download checks access with an index
-- lookup instead of scanning message bodies. Written in the message's transaction.

create table message_attachments (
    attachment_id text not null references attachments (id) on delete cascade,
    message_id text not null references messages (id) on delete cascade,
    room_id text not null references rooms (id) on delete cascade,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (attachment_id, message_id)
);

insert into message_attachments (attachment_id, message_id, room_id, created_at, updated_at)
select distinct item ->> 'id', m.id, m.room_id, m.created_at, m.created_at
from messages m cross join lateral jsonb_array_elements(m.attachments::jsonb) item
where m.attachments <> '[]'
    and item ->> 'id' in (select id from attachments);
