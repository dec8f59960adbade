-- A message may quote an earlier message of its room (a reply, as in Telegram's
-- reply_to_message); threads stay separate (thread_root_id).
alter table messages add column reply_to_id text;
