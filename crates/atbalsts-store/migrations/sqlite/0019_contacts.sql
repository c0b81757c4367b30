-- Contacts recorded by staff: a phone call, a video call or a visit, on a
-- ticket (new or existing). Keep in step with ../postgres/0019_contacts.sql.
-- The ticket's history carries a `contact_recorded` event written in the
-- same transaction; this row keeps the contact's own facts for listing.
CREATE TABLE ticket_contacts (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'video', 'in_person')),
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    duration_seconds BIGINT NOT NULL CHECK (duration_seconds >= 0),
    location TEXT REFERENCES locations (id),
    outcome TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    recorded_by_name TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_contacts_ticket ON ticket_contacts (ticket_id, id);
