-- Files on messages. The bytes live in object storage under storage_key (a
-- random key, written before this row, in the transaction of the message);
-- the row says what the file is. message_id is NULL for the files of the
-- request itself (given with the ticket's description).
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    message_id BIGINT REFERENCES ticket_messages (id),
    -- Sanitised: no path parts or control characters, at most 255 characters.
    file_name TEXT NOT NULL,
    -- Sniffed from the bytes; this is what downloads are labelled with.
    content_type TEXT NOT NULL,
    -- What the sender claimed, kept for the record only.
    declared_type TEXT,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- staff, requester or system (mail intake), as on events.
    uploaded_by_kind TEXT NOT NULL,
    uploaded_by_user BIGINT REFERENCES users (id),
    uploaded_by_name TEXT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
CREATE UNIQUE INDEX attachments_key ON attachments (storage_key);
