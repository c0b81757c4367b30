-- The web: staff sign-in sessions (shared by every app node), failed
-- sign-ins for throttling, and the requester's rating of the support.

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

CREATE TABLE signin_failures (
    email TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX signin_failures_email ON signin_failures (email, at);

CREATE TABLE ticket_ratings (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
