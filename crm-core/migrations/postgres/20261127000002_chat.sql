-- Internal chat: who reacted to which message with which emoji.

create table reactions (
    message_id text not null references messages (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    -- the emoji itself (a short string), not a shortcode
    emoji text not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (message_id, user_id, emoji)
);

create index reactions_message on reactions (message_id);
