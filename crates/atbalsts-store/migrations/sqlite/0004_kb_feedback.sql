-- Readers' "was this helpful?" answers, with an optional comment.
CREATE TABLE kb_feedback (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_feedback_article ON kb_feedback (article_id);
