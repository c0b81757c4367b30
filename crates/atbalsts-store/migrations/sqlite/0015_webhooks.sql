-- Outgoing webhooks. Keep in step with ../postgres/0015_webhooks.sql (a test compares the two).

-- An institution's subscriber: where its ticket events are POSTed, which
-- kinds (a JSON array of names like `ticket.created`), and the secret the
-- bodies are signed with. The secret is kept as it is, unlike API tokens:
-- the desk must compute HMACs with it on every delivery, and a hash cannot
-- sign. After `disable_after` deliveries in a row fail it is switched off.
CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL REFERENCES institutions (code),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX webhook_subscriptions_institution ON webhook_subscriptions (institution, active);

-- One delivery per subscription, ticket event and kind, written with its
-- `webhook.deliver` job: a repeated dispatch finds it and writes nothing.
-- `payload` is the body without its `id` (the delivery's own, added on sending).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts BIGINT NOT NULL DEFAULT 0,
    status_code BIGINT,
    last_error TEXT,
    duration_ms BIGINT,
    created_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    UNIQUE (subscription_id, event_id, kind)
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
