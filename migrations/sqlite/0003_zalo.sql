-- Zalo Official Account channel: one conversation per Zalo user (what arrived before the
-- ticket was filed, and the ticket later messages attach to), the message ids already handled
-- (Zalo retries a webhook it thinks failed), which tickets came from which Zalo user, and
-- the outbox of replies to send back.

CREATE TABLE zalo_conversations (
    zalo_user_id TEXT PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets (id),
    -- Captions of attachments sent before the report's text; joined to its description.
    pending_text TEXT,
    pending_lat REAL,
    pending_lon REAL,
    -- Image URLs sent before the report's text, one per line.
    pending_images TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE zalo_messages (
    msg_id TEXT PRIMARY KEY,
    zalo_user_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets (id),
    -- The event's own timestamp (epoch ms, from Zalo) and when this server handled it.
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX zalo_messages_ticket ON zalo_messages (ticket_id);

CREATE TABLE zalo_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
    zalo_user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX zalo_tickets_user ON zalo_tickets (zalo_user_id);

CREATE TABLE zalo_outbox (
    id INTEGER PRIMARY KEY,
    zalo_user_id TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets (id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX zalo_outbox_queued ON zalo_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX zalo_outbox_ticket ON zalo_outbox (ticket_id);
