-- Service-level policies and the Law on Submissions' terms, as data: the next
-- target or amendment is a row, not a release. Minutes are business minutes
-- (inside the handling group's working hours on the business calendar).

CREATE TABLE sla_policies (
    id TEXT PRIMARY KEY,
    name_lv TEXT NOT NULL,
    name_en TEXT,
    -- A policy applies to tickets matching every field given (NULL = any).
    institution TEXT REFERENCES institutions (code),
    service TEXT REFERENCES services (code),
    kind TEXT,
    priority TEXT,
    channel TEXT,
    first_response_minutes BIGINT CHECK (first_response_minutes > 0),
    next_response_minutes BIGINT CHECK (next_response_minutes > 0),
    resolution_minutes BIGINT CHECK (resolution_minutes > 0),
    warn_percent BIGINT NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 100)
);

INSERT INTO sla_policies (id, name_lv, name_en, priority, first_response_minutes, next_response_minutes, resolution_minutes, warn_percent) VALUES
    ('default', 'Parastie termiņi', 'Usual targets', NULL, 480, 480, 2400, 80),
    ('low', 'Zema prioritāte', 'Low priority', 'low', 960, 960, 4800, 80),
    ('high', 'Augsta prioritāte', 'High priority', 'high', 240, 240, 960, 75),
    ('urgent', 'Steidzami', 'Urgent', 'urgent', 60, 120, 480, 50);

-- Iesniegumu likums: terms by the day a submission is received. Units are
-- 'working_days' (counted from the day after receipt) or 'months'.
CREATE TABLE legal_rules (
    effective_from TEXT PRIMARY KEY,
    answer_count BIGINT NOT NULL CHECK (answer_count > 0),
    answer_unit TEXT NOT NULL CHECK (answer_unit IN ('working_days', 'months')),
    extended_count BIGINT NOT NULL CHECK (extended_count > 0),
    extended_unit TEXT NOT NULL CHECK (extended_unit IN ('working_days', 'months')),
    forward_count BIGINT NOT NULL CHECK (forward_count > 0),
    forward_unit TEXT NOT NULL CHECK (forward_unit IN ('working_days', 'months')),
    source TEXT NOT NULL
);

INSERT INTO legal_rules VALUES
    ('2008-01-01', 1, 'months', 4, 'months', 7, 'working_days',
     'Iesniegumu likums s.5(1), s.5(2), s.6(1) as in force until 28.02.2026'),
    ('2026-03-01', 10, 'working_days', 1, 'months', 5, 'working_days',
     'Iesniegumu likums as amended, in force from 01.03.2026');

-- A ticket's clocks (JSON of atbalsts_domain::sla::SlaState), the earliest
-- running due instant (queues show it), the earliest warning or breach still
-- to record (the SLA sweep job looks by it), and its legal term (JSON) when it
-- is a written submission.
ALTER TABLE tickets ADD COLUMN sla TEXT;
ALTER TABLE tickets ADD COLUMN sla_due BIGINT;
ALTER TABLE tickets ADD COLUMN sla_mark BIGINT;
ALTER TABLE tickets ADD COLUMN legal TEXT;
CREATE INDEX tickets_sla_mark ON tickets (sla_mark);

-- A case transferred to another institution waits for it to accept it (or to
-- return it with a reason); this is where it came from, until then.
ALTER TABLE tickets ADD COLUMN transfer_from TEXT REFERENCES institutions (code);
