-- How each measure is charted: chart type (NULL = follow the data type), rule set, the
-- frozen baseline and the splits. Freeze and splits are stored as period dates and turned
-- into positions at analysis, so back-filling a period does not move them.
--
-- DuckDB cannot ALTER a table that other tables reference by foreign key ("Cannot alter
-- entry ... because there are entries that depend on it"), and cannot add a column with a
-- CHECK constraint. So measure and the one table referencing it (data_point) are rebuilt:
-- copied aside, dropped, recreated with the new columns, and filled again. Ids are kept,
-- and the id sequences are untouched.

CREATE TABLE measure_v1 AS SELECT * FROM measure;
CREATE TABLE data_point_v1 AS SELECT * FROM data_point;
DROP TABLE data_point;
DROP TABLE measure;

CREATE TABLE measure (
    id INTEGER PRIMARY KEY DEFAULT nextval('measure_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('outcome', 'process', 'balancing')),
    definition VARCHAR,
    data_type VARCHAR NOT NULL CHECK (data_type IN ('proportion', 'rate', 'count', 'continuous', 'days_between', 'cases_between')),
    period VARCHAR NOT NULL CHECK (period IN ('day', 'week', 'month')),
    direction VARCHAR NOT NULL CHECK (direction IN ('up', 'down')),
    target DOUBLE PRECISION,
    unit VARCHAR,
    chart VARCHAR CHECK (chart IN ('run', 'i', 'mr', 'xbar', 's', 't', 'p', 'pp', 'c', 'u', 'up', 'g')),
    rules VARCHAR NOT NULL DEFAULT 'anhoej' CHECK (rules IN ('anhoej', 'mdc')),
    freeze_until DATE
);
INSERT INTO measure (id, project_id, name, kind, definition, data_type, period, direction, target, unit)
    SELECT id, project_id, name, kind, definition, data_type, period, direction, target, unit FROM measure_v1;

CREATE TABLE data_point (
    id INTEGER PRIMARY KEY DEFAULT nextval('data_point_id_seq'),
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    period DATE NOT NULL,
    event_no INTEGER NOT NULL DEFAULT 0,
    value DOUBLE PRECISION,
    numerator DOUBLE PRECISION CHECK (numerator >= 0),
    denominator DOUBLE PRECISION CHECK (denominator > 0),
    note VARCHAR,
    excluded BOOLEAN NOT NULL DEFAULT false,
    entered_by VARCHAR,
    entered_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    UNIQUE (measure_id, period, event_no)
);
INSERT INTO data_point (id, measure_id, period, event_no, value, numerator, denominator, note, excluded, entered_by, entered_at)
    SELECT id, measure_id, period, event_no, value, numerator, denominator, note, excluded, entered_by, entered_at
    FROM data_point_v1;

DROP TABLE data_point_v1;
DROP TABLE measure_v1;

-- A new part starts at each of these periods.
CREATE TABLE measure_split (
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    starts_on DATE NOT NULL,
    note VARCHAR,
    PRIMARY KEY (measure_id, starts_on)
);
