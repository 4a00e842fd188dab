-- Signing in: marks a database carries (the demo mark: demo users may sign in only while the
-- database carries it; a restore clears it), and failed sign-ins per address (only counted
-- when the app is told which proxy header holds the address). Failed sign-ins per account are
-- counted on app_user (migration 003), so every app server sees them.

CREATE TABLE database_mark (
    name VARCHAR PRIMARY KEY,
    value VARCHAR,
    set_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP
);

CREATE TABLE sign_in_failure (
    address VARCHAR PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failed_at TIMESTAMP
);

-- A project's history reads the audit events of its rows: find them by entity without a scan.
-- Audit events are never updated, so the index costs DuckDB nothing on edits.
CREATE INDEX audit_event_entity ON audit_event (entity, entity_id);
