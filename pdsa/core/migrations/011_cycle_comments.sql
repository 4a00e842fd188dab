-- Comments on a PDSA cycle (issue 10, "The PDSA worksheet"; issue 11 gives patient
-- representatives their own form for the same table): written at a stage (Plan, Do, Study,
-- Act), shown with the author's role in the team ("patient partner", "team member") rather
-- than only a name, and answered by the team (reply_to names the comment answered).
-- A foreign key only on the cycle, which never changes; the text
-- is edited and archived through plain UPDATEs of unindexed columns.

CREATE SEQUENCE cycle_comment_id_seq;
CREATE TABLE cycle_comment (
    id INTEGER PRIMARY KEY DEFAULT nextval('cycle_comment_id_seq'),
    cycle_id INTEGER NOT NULL REFERENCES pdsa_cycle (id),
    stage VARCHAR NOT NULL,                    -- plan, do, study or act (checked by the model)
    text VARCHAR NOT NULL,
    author_id INTEGER,                         -- the user (app_user), NULL for the command line
    author_name VARCHAR NOT NULL,
    author_role VARCHAR NOT NULL,              -- a team role, or the user's role (checked by the model)
    reply_to INTEGER,                          -- the comment answered (checked by the store: DuckDB
                                               -- cannot bulk-copy a self-reference, so a backup could not restore it)
    created_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX cycle_comment_cycle ON cycle_comment (cycle_id);
