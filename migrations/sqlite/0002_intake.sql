-- Intake and lifecycle: idempotent submissions, notes, parent/child and duplicate links,
-- nuisance callers, Open311 API keys.

ALTER TABLE tickets ADD COLUMN parent_id INTEGER REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN duplicate_of INTEGER REFERENCES tickets (id);
CREATE INDEX tickets_reporter_phone ON tickets (reporter_phone);
CREATE INDEX tickets_parent ON tickets (parent_id);

CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE ticket_notes (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    body TEXT NOT NULL,
    public INTEGER NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket_id, id);

CREATE TABLE nuisance_numbers (
    phone TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    added_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
