-- Support providers and groups as data: what a group takes (services, channels,
-- locations, languages), when it works, and how its new tickets get a person.
-- Keep in step with ../postgres/0010_groups.sql (a test compares the two).
--
-- kind: help_desk (an institution's remote help desk or expert group),
-- service_centre (an institution's customer service centre, in person),
-- vpvkac (a one-stop centre, in person, for many institutions' services),
-- central_help_desk (the state services portal's help desk, remote).
-- hours: `mon-fri 08:30-17:00; sat 10:00-14:00` (checked on write); NULL keeps
-- the institution's usual hours.
-- languages: JSON array of ISO 639-1 codes; [] means any.
-- last_assigned: the round-robin cursor, the user id assigned last. A plain
-- number, not a reference: when that person leaves, the turn passes to the
-- next id.
ALTER TABLE support_groups ADD COLUMN kind TEXT NOT NULL DEFAULT 'help_desk'
    CHECK (kind IN ('help_desk', 'service_centre', 'vpvkac', 'central_help_desk'));
ALTER TABLE support_groups ADD COLUMN hours TEXT;
ALTER TABLE support_groups ADD COLUMN assignment TEXT NOT NULL DEFAULT 'manual'
    CHECK (assignment IN ('manual', 'round_robin', 'least_loaded'));
ALTER TABLE support_groups ADD COLUMN languages TEXT NOT NULL DEFAULT '["lv"]';
ALTER TABLE support_groups ADD COLUMN last_assigned BIGINT;

-- Away members (leave, sick, off shift) are skipped by automatic assignment.
ALTER TABLE group_members ADD COLUMN available BOOLEAN NOT NULL DEFAULT TRUE;

-- The services a group takes; none means all of its institution's services.
-- A service of another institution may be named only by an in-person group
-- with locations: a VPVKAC group belongs to the centre's operator and names
-- the other institutions' services it accepts at its counters (routing gives
-- it those tickets only at its locations).
CREATE TABLE group_services (
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE,
    service TEXT NOT NULL REFERENCES services (code),
    PRIMARY KEY (group_code, service)
);
CREATE INDEX group_services_service ON group_services (service);

-- The channels a group takes; none means all.
CREATE TABLE group_channels (
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    PRIMARY KEY (group_code, channel)
);

-- Where an in-person group works; a group with locations takes only tickets
-- registered at them.
CREATE TABLE group_locations (
    group_code TEXT NOT NULL REFERENCES support_groups (code) ON DELETE CASCADE,
    location TEXT NOT NULL REFERENCES locations (id),
    PRIMARY KEY (group_code, location)
);
CREATE INDEX group_locations_location ON group_locations (location);
