-- Business calendars: the rules are in the domain (holidays by law, the weekend
-- moves); what laws and the Cabinet decide beyond them is data here: extra
-- holidays, the Song Festival's closing days, and working days transferred to a
-- Saturday. Dates are YYYY-MM-DD.

CREATE TABLE calendars (
    id TEXT PRIMARY KEY,
    name_lv TEXT NOT NULL,
    name_en TEXT
);

CREATE TABLE calendar_entries (
    calendar TEXT NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'song_festival_closing', 'transfer')),
    -- For a transfer: the Saturday worked instead of `day`.
    worked_on TEXT,
    name TEXT,
    PRIMARY KEY (calendar, day, kind)
);

-- The calendar of state institutions, with the Cabinet's transfers for 2026
-- (2 January worked on 17 January, 22 June on 27 June).
INSERT INTO calendars (id, name_lv, name_en)
VALUES ('state', 'Valsts iestāžu darba dienu kalendārs', 'Working-day calendar of state institutions');
INSERT INTO calendar_entries (calendar, day, kind, worked_on, name) VALUES
    ('state', '2026-01-02', 'transfer', '2026-01-17', NULL),
    ('state', '2026-06-22', 'transfer', '2026-06-27', NULL);
