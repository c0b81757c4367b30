-- Virtual-assistant conversations: each question and reply, and how the
-- conversation ended (helped at level 0, or handed over to a person).
CREATE TABLE assistant_sessions (
    id TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    -- open | helped | handed_off
    outcome TEXT NOT NULL DEFAULT 'open',
    service TEXT REFERENCES services (code),
    ticket_id BIGINT REFERENCES tickets (id),
    turns BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX assistant_sessions_outcome ON assistant_sessions (outcome, created_at);

CREATE TABLE assistant_turns (
    session_id TEXT NOT NULL REFERENCES assistant_sessions (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    question TEXT NOT NULL,
    reply TEXT NOT NULL,
    answered BOOLEAN NOT NULL,
    -- JSON list of {id, title} of the articles shown.
    articles TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- Questions nothing answered: the knowledge-gaps report.
CREATE TABLE kb_gaps (
    query TEXT NOT NULL,
    lang TEXT NOT NULL,
    source TEXT NOT NULL,
    count BIGINT NOT NULL,
    example TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (query, lang, source)
);
CREATE INDEX kb_gaps_count ON kb_gaps (count);
