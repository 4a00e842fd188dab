-- "No event this period" for measures of days or cases between events (issue 10): the team
-- enters events as dates, and a quiet week leaves no row at all, so the home page could not
-- tell a week without falls from a week nobody looked. A row here says "we checked: no event
-- in this ISO week" (period is the week's Monday). An event entered later in that week archives
-- the row; removing it archives it too, and recording the week again restores it.
-- A foreign key only on the measure, which never changes; version and archived are changed by
-- plain UPDATEs of unindexed columns (DuckDB cannot update an indexed column of such a row).

CREATE SEQUENCE no_event_period_id_seq;
CREATE TABLE no_event_period (
    id INTEGER PRIMARY KEY DEFAULT nextval('no_event_period_id_seq'),
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    period DATE NOT NULL,                      -- the Monday of the ISO week with no event
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX no_event_period_once ON no_event_period (measure_id, period);
