-- The e-mail channel. Keep in step with ../postgres/0013_mail.sql (a test compares the two).

-- Support groups answer at their own e-mail addresses: the address a message
-- was sent to picks the group; mail about a ticket goes out from its group's.
CREATE TABLE group_email_addresses (
    address TEXT PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE
);
CREATE INDEX group_email_addresses_group ON group_email_addresses (group_code);

-- Every received message, stored raw before anything parses it: nothing is
-- dropped silently. `received` until intake decides; then one of the outcomes.
CREATE TABLE mail_inbound (
    id INTEGER PRIMARY KEY,
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('smtp', 'deliver', 'imap', 'api')),
    peer TEXT,
    -- NULL: the null sender (<>), as bounces have.
    envelope_from TEXT,
    -- JSON array of the envelope recipients.
    envelope_to TEXT NOT NULL,
    raw BLOB NOT NULL,
    size BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'ticket_created', 'threaded', 'quarantined', 'auto_ignored', 'deleted')),
    reason TEXT,
    message_id TEXT,
    from_address TEXT,
    subject TEXT,
    group_code TEXT REFERENCES support_groups (code) ON DELETE SET NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    processed_at BIGINT
);
CREATE INDEX mail_inbound_status ON mail_inbound (status, id);
CREATE INDEX mail_inbound_sender ON mail_inbound (from_address, received_at);
CREATE INDEX mail_inbound_ticket ON mail_inbound (ticket_id);

-- Every message the desk writes: queued for the relay, sent, held in the
-- outbox when no relay is configured, failed, or reported bounced.
CREATE TABLE mail_outbound (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT REFERENCES tickets (id),
    -- What it tells: request_received, staff_reply, waiting_for_you, …
    purpose TEXT NOT NULL,
    -- What caused it (a ticket event), so a repeated dispatch writes it once.
    cause TEXT NOT NULL,
    recipient TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'held', 'failed', 'bounced')),
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (cause, purpose, recipient)
);
CREATE INDEX mail_outbound_ticket ON mail_outbound (ticket_id, id);
CREATE INDEX mail_outbound_status ON mail_outbound (status, id);

-- The Message-IDs of a ticket's conversation, sent and received: a reply's
-- In-Reply-To or References finds its ticket here.
CREATE TABLE mail_threads (
    message_id TEXT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    at BIGINT NOT NULL
);
CREATE INDEX mail_threads_ticket ON mail_threads (ticket_id, at);

-- Private links the desk sent later (in e-mail), besides the one shown at creation.
CREATE TABLE ticket_access_links (
    token_hash TEXT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    created_at BIGINT NOT NULL
);

-- Staff choose which notices they get by e-mail (absent: the default, on).
CREATE TABLE notification_settings (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Every ticket event waits here until the channels have taken it (e-mail
-- notices, webhooks): a trigger writes it in the event's own transaction, so no
-- path that records an event can forget it, and a rolled-back change leaves none.
CREATE TABLE event_dispatch (
    event_id BIGINT PRIMARY KEY
);
CREATE TRIGGER ticket_events_dispatch AFTER INSERT ON ticket_events
BEGIN
    INSERT INTO event_dispatch (event_id) VALUES (NEW.id);
END;
