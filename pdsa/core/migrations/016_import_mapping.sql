-- The import's remembered column mapping, one per measure (issue 14, "Import, in the app"):
-- which of the file's columns held the period, the values, the note ... last time, so next
-- month's file imports in two clicks. mapping is a JSON object from our field names to the
-- file's column names; sheet and decimal_mark are what was chosen with it.
-- A foreign key only on the measure, which never changes; the mapping is replaced through
-- plain UPDATEs of unindexed columns.

CREATE SEQUENCE import_mapping_id_seq;
CREATE TABLE import_mapping (
    id INTEGER PRIMARY KEY DEFAULT nextval('import_mapping_id_seq'),
    measure_id INTEGER NOT NULL UNIQUE REFERENCES measure (id),
    mapping VARCHAR NOT NULL,
    sheet VARCHAR,
    decimal_mark VARCHAR,
    updated_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP
);
