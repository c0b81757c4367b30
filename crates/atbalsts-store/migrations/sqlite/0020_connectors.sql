-- Connectors of social networks, messengers and mobile apps. Keep in step
-- with ../postgres/0020_connectors.sql (a test compares the two).

-- A connector posts its users' messages in with its key (only the SHA-256 is
-- kept: the desk only checks it) and receives staff replies at its outbound
-- address, signed with the secret (kept as is: it keys an HMAC).
CREATE TABLE connectors (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('social', 'mobile_app')),
    institution TEXT NOT NULL REFERENCES institutions (code),
    key_hash TEXT NOT NULL UNIQUE,
    outbound_url TEXT,
    outbound_secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX connectors_institution ON connectors (institution, id);

-- Which external conversation a ticket belongs to. A conversation's current
-- ticket is its newest; once that is closed, the next message opens another.
CREATE TABLE connector_tickets (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    connector_id BIGINT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,
    sender_handle TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX connector_tickets_conversation ON connector_tickets (connector_id, conversation, ticket_id);

-- Every message taken in, once per connector and external id: a repeat finds
-- its row and is answered with the same outcome. `ticket_id` is NULL while the
-- first request is still being taken in.
CREATE TABLE connector_messages (
    id INTEGER PRIMARY KEY,
    connector_id BIGINT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    conversation TEXT NOT NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    outcome TEXT CHECK (outcome IN ('ticket_created', 'threaded')),
    created_at BIGINT NOT NULL,
    UNIQUE (connector_id, external_id)
);

-- Staff replies sent back through a connector: one per connector and ticket
-- event, written with its `connector.deliver` job; the attempts' results.
CREATE TABLE connector_deliveries (
    id INTEGER PRIMARY KEY,
    connector_id BIGINT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    event_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts BIGINT NOT NULL DEFAULT 0,
    status_code BIGINT,
    last_error TEXT,
    duration_ms BIGINT,
    created_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    UNIQUE (connector_id, event_id)
);
CREATE INDEX connector_deliveries_ticket ON connector_deliveries (ticket_id, id);
CREATE INDEX connector_deliveries_connector ON connector_deliveries (connector_id, id);
