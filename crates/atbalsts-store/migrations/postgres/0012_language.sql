-- The requester's language (ISO 639-1), captured by every channel: routing and
-- the desk's notices use it. Tickets from before it was recorded were Latvian.
ALTER TABLE tickets ADD COLUMN language TEXT NOT NULL DEFAULT 'lv';
