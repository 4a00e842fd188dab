-- The leaders' portfolio as last evaluated, kept in the database (issue 12, "at the scale of a
-- region"): a new app server process starts from it and evaluates again only the measures whose
-- version or data_version moved since, instead of the region's million points. One row. body is
-- the evaluated rows with the versions they were evaluated at (Arrow IPC, compressed, base64),
-- evaluation names the code that evaluated them: a snapshot from other code is not used. It is
-- a cache: nothing refers to it, it holds no personal data beyond the measures' names, and the
-- app writes it without audit events (they would change the data version it is read under).

CREATE TABLE portfolio_snapshot (
    id INTEGER PRIMARY KEY,
    evaluation VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    body VARCHAR NOT NULL
);
