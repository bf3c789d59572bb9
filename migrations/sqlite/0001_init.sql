-- 1022 operations center: reference data, tickets and their history (SQLite).
-- Times are UTC epoch milliseconds; statuses, channels and units are lowercase text.

CREATE TABLE districts (
    code INTEGER PRIMARY KEY,
    name_vi TEXT NOT NULL,
    full_name_vi TEXT NOT NULL,
    name_ascii TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    population INTEGER NOT NULL,
    population_year INTEGER NOT NULL,
    label_lon REAL NOT NULL,
    label_lat REAL NOT NULL,
    geometry TEXT NOT NULL,
    geometry_simplified TEXT NOT NULL
);

CREATE TABLE communes (
    code INTEGER PRIMARY KEY,
    district_code INTEGER NOT NULL REFERENCES districts (code),
    name_vi TEXT NOT NULL,
    full_name_vi TEXT NOT NULL,
    name_ascii TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    label_lon REAL NOT NULL,
    label_lat REAL NOT NULL,
    geometry TEXT NOT NULL,
    geometry_simplified TEXT NOT NULL
);

CREATE TABLE province (
    code INTEGER PRIMARY KEY,
    name_vi TEXT NOT NULL,
    geometry_simplified TEXT NOT NULL
);

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    hotline TEXT,
    district_code INTEGER REFERENCES districts (code)
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    grp TEXT NOT NULL,
    priority INTEGER NOT NULL,
    response_amount INTEGER NOT NULL,
    response_unit TEXT NOT NULL,
    resolution_amount INTEGER NOT NULL,
    resolution_unit TEXT NOT NULL
);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    category_id INTEGER REFERENCES categories (id),
    district_code INTEGER REFERENCES districts (code),
    commune_code INTEGER REFERENCES communes (code),
    agency_id INTEGER NOT NULL REFERENCES agencies (id)
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    priority INTEGER NOT NULL,
    description TEXT NOT NULL,
    reporter_name TEXT,
    reporter_phone TEXT,
    lat REAL,
    lon REAL,
    address TEXT,
    district_code INTEGER REFERENCES districts (code),
    commune_code INTEGER REFERENCES communes (code),
    agency_id INTEGER REFERENCES agencies (id),
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at INTEGER,
    closed_at INTEGER,
    response_due_at INTEGER,
    resolution_due_at INTEGER,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX tickets_created_at ON tickets (created_at);
CREATE INDEX tickets_updated_at ON tickets (updated_at);

CREATE TABLE ticket_history (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);

CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);
