-- Attachments: one row per upload. The bytes live in the media store under their sha-256,
-- so identical uploads share one stored file; messages reference rows of this table by id.

create table attachments (
    id text primary key,
    -- null once the uploader's account is deleted; only the uploader may attach it to a message
    uploader_id text references users (id) on delete set null,
    -- hex sha-256 of the bytes: the media store's key for the file
    sha256 text not null,
    size_bytes integer not null,
    -- the mime type declared at upload, served back as is
    content_type text not null,
    -- the name the file is offered under when downloaded
    file_name text not null,
    created_at integer not null,
    updated_at integer not null
);

create index attachments_uploader on attachments (uploader_id);
create index attachments_sha256 on attachments (sha256);
