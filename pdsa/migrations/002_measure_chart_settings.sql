-- How each measure is charted: chart type (NULL = follow the data type), rule set, the
-- frozen baseline and the splits. Freeze and splits are stored as period dates and turned
-- into positions at analysis, so back-filling a period does not move them.

ALTER TABLE measure ADD COLUMN chart VARCHAR CHECK (chart IN ('run', 'i', 'mr', 'xbar', 's', 't', 'p', 'pp', 'c', 'u', 'up', 'g'));
ALTER TABLE measure ADD COLUMN rules VARCHAR NOT NULL DEFAULT 'anhoej' CHECK (rules IN ('anhoej', 'mdc'));
ALTER TABLE measure ADD COLUMN freeze_until DATE;

-- A new part starts at each of these periods.
CREATE TABLE measure_split (
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    starts_on DATE NOT NULL,
    note VARCHAR,
    PRIMARY KEY (measure_id, starts_on)
);
