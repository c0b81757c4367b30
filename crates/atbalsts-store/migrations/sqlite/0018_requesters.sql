-- Requesters become records (the desk's CRM): one person across channels, with
-- several e-mail addresses and phone numbers, preferences, consent and an
-- organisation for business customers. The table keeps its name so that
-- tickets.requester_id stays as it is.
ALTER TABLE contacts ADD COLUMN language TEXT;
ALTER TABLE contacts ADD COLUMN preferred_channel TEXT;
-- Consent to be contacted: NULL not asked, else given or refused, when and how.
ALTER TABLE contacts ADD COLUMN consent_email BOOLEAN;
ALTER TABLE contacts ADD COLUMN consent_email_at BIGINT;
ALTER TABLE contacts ADD COLUMN consent_email_how TEXT;
ALTER TABLE contacts ADD COLUMN consent_phone BOOLEAN;
ALTER TABLE contacts ADD COLUMN consent_phone_at BIGINT;
ALTER TABLE contacts ADD COLUMN consent_phone_how TEXT;
ALTER TABLE contacts ADD COLUMN organisation_name TEXT;
ALTER TABLE contacts ADD COLUMN organisation_reg_no TEXT;
-- A merged record stays (its merge can be split back) but points at the survivor.
ALTER TABLE contacts ADD COLUMN merged_into BIGINT REFERENCES contacts (id);
ALTER TABLE contacts ADD COLUMN updated_at BIGINT;
-- Folded name and organisation for search. NULL marks a row from before this
-- migration: the store fills it, with the row's normalised address and number,
-- using the domain's normalisation (which SQL cannot repeat).
ALTER TABLE contacts ADD COLUMN search_text TEXT;
CREATE INDEX contacts_unindexed ON contacts (id) WHERE search_text IS NULL;

-- A normalised address or number belongs to one record at a time: that is
-- what recognises a person, and what makes concurrent first contacts meet.
CREATE TABLE contact_emails (
    address TEXT PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    source TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX contact_emails_contact ON contact_emails (contact_id);

CREATE TABLE contact_phones (
    number TEXT PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    source TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX contact_phones_contact ON contact_phones (contact_id);

-- What happened to a record: edits, merges (with exactly what moved) and
-- splits. undone_by points from a merge to the split that reversed it.
CREATE TABLE contact_events (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    undone_by BIGINT
);
CREATE INDEX contact_events_contact ON contact_events (contact_id, id);
