-- Knowledge base: articles with their full version history.
CREATE TABLE kb_articles (
    id TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    translation_of TEXT,
    institution TEXT REFERENCES institutions (code),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    services TEXT NOT NULL,
    tags TEXT NOT NULL,
    audience TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kb_articles_lang ON kb_articles (lang, status, audience);

CREATE TABLE kb_versions (
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    edited_by BIGINT REFERENCES users (id),
    edited_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);
