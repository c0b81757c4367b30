-- Core schema: registers, people, tickets and their audit trail.
-- Timestamps are microseconds since the Unix epoch (UTC); JSON is stored as text.
-- Keep in step with ../postgres/0001_core.sql (a test compares the two).

CREATE TABLE institutions (
    code TEXT PRIMARY KEY,
    name_lv TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('state', 'municipality')),
    parent TEXT REFERENCES institutions (code)
);

CREATE TABLE life_situations (
    id TEXT PRIMARY KEY,
    name_lv TEXT NOT NULL,
    name_en TEXT
);

CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL REFERENCES institutions (code),
    manager TEXT
);

CREATE TABLE services (
    code TEXT PRIMARY KEY,
    institution TEXT NOT NULL REFERENCES institutions (code),
    name_lv TEXT NOT NULL,
    name_en TEXT,
    description_lv TEXT,
    description_en TEXT,
    channels TEXT NOT NULL,
    fee_cents BIGINT NOT NULL DEFAULT 0,
    deadline_days BIGINT,
    deadline_unit TEXT
);
CREATE INDEX services_institution ON services (institution);

CREATE TABLE service_life_situations (
    service TEXT NOT NULL REFERENCES services (code) ON DELETE CASCADE,
    life_situation TEXT NOT NULL REFERENCES life_situations (id),
    PRIMARY KEY (service, life_situation)
);
CREATE INDEX service_life_situations_ls ON service_life_situations (life_situation);

CREATE TABLE service_resources (
    service TEXT NOT NULL REFERENCES services (code) ON DELETE CASCADE,
    resource TEXT NOT NULL REFERENCES resources (id),
    PRIMARY KEY (service, resource)
);

CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('vpvkac', 'institution_centre')),
    institution TEXT REFERENCES institutions (code),
    operator_lv TEXT,
    town TEXT NOT NULL,
    address TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    equipment TEXT NOT NULL
);

CREATE TABLE location_services (
    location TEXT NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    service TEXT NOT NULL REFERENCES services (code),
    PRIMARY KEY (location, service)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

-- service = '' means the whole institution (keeps the unique key simple on both backends).
CREATE TABLE user_scopes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    institution TEXT NOT NULL REFERENCES institutions (code),
    service TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, institution, service)
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE support_groups (
    code TEXT PRIMARY KEY,
    institution TEXT NOT NULL REFERENCES institutions (code),
    name_lv TEXT NOT NULL,
    name_en TEXT,
    level BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_code, user_id)
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    personal_code TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX contacts_email ON contacts (email);

CREATE TABLE ticket_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    requester_id BIGINT NOT NULL REFERENCES contacts (id),
    institution TEXT NOT NULL REFERENCES institutions (code),
    origin_institution TEXT NOT NULL REFERENCES institutions (code),
    service TEXT REFERENCES services (code),
    resource TEXT REFERENCES resources (id),
    life_situation TEXT REFERENCES life_situations (id),
    channel TEXT NOT NULL,
    location TEXT REFERENCES locations (id),
    kind TEXT NOT NULL,
    level BIGINT NOT NULL,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    group_code TEXT REFERENCES support_groups (code),
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    search_text TEXT NOT NULL,
    access_token_hash TEXT UNIQUE,
    created_by BIGINT REFERENCES users (id),
    resolution TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT,
    closed_at BIGINT
);
-- Queues: newest first within an institution, by status, level, assignee, group, service.
CREATE INDEX tickets_institution ON tickets (institution, id);
CREATE INDEX tickets_institution_status ON tickets (institution, status, id);
CREATE INDEX tickets_institution_level ON tickets (institution, level, status, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
CREATE INDEX tickets_group ON tickets (group_code, status, id);
CREATE INDEX tickets_service ON tickets (service, id);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_requester ON tickets (requester_id);

CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    author_kind TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users (id),
    author_name TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    channel TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- A repeated create with the same Idempotency-Key answers with the stored response.
CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);
