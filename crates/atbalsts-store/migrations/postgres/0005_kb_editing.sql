-- Knowledge-base editing: the life situations an article answers and the day
-- it is to be reviewed by; every version becomes a full snapshot of the
-- article, so restoring one brings everything back, with who made it and why.
ALTER TABLE kb_articles ADD COLUMN life_situations TEXT NOT NULL DEFAULT '[]';
-- 'YYYY-MM-DD'; NULL: no date set (listed as stale until one is).
ALTER TABLE kb_articles ADD COLUMN review_by TEXT;
-- The search index follows changes by updated_at.
CREATE INDEX kb_articles_updated ON kb_articles (updated_at);
CREATE INDEX kb_articles_translation ON kb_articles (translation_of);

ALTER TABLE kb_versions ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_versions ADD COLUMN translation_of TEXT;
ALTER TABLE kb_versions ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
ALTER TABLE kb_versions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE kb_versions ADD COLUMN life_situations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE kb_versions ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_versions ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_versions ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_versions ADD COLUMN review_by TEXT;
-- The editor's change summary.
ALTER TABLE kb_versions ADD COLUMN note TEXT;

-- Earlier versions kept only title and body: the rest of their snapshot is
-- the article's metadata as it stands (the best that is known).
UPDATE kb_versions SET lang = a.lang, translation_of = a.translation_of, services = a.services,
    tags = a.tags, life_situations = a.life_situations, audience = a.audience, kind = a.kind,
    status = a.status, review_by = a.review_by
FROM kb_articles a WHERE a.id = kb_versions.article_id;
