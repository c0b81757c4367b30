-- IMAP mailboxes the desk polls, as data: each serves one support group.
-- The secret is kept as given: the desk must present it to the server, so a
-- one-way hash cannot be used; it is never returned by the API.
CREATE TABLE mail_mailboxes (
    id INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE,
    host TEXT NOT NULL,
    port BIGINT NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls TEXT NOT NULL CHECK (tls IN ('none', 'starttls', 'implicit')),
    username TEXT NOT NULL,
    secret TEXT NOT NULL,
    folder TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    last_polled_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_mailboxes_group ON mail_mailboxes (group_code);

-- A message is taken in once: intake claims its Message-ID first, and a second
-- copy (fetched again from a mailbox, or sent again after a lost answer) finds
-- it claimed and is recorded as a duplicate.
ALTER TABLE mail_inbound ADD COLUMN claimed_message_id TEXT;
CREATE UNIQUE INDEX mail_inbound_claim ON mail_inbound (claimed_message_id);
