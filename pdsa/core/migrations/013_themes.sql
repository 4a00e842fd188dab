-- Themes (issue 12): a citizen-centred goal ("80 % af patienterne oplever udskrivelsen som godt
-- koordineret") that several projects and measures contribute to. The theme table (name, goal,
-- description, version, archived) and project.theme_id and measure.theme_id come from 003:
-- a project names one theme of its own, and a theme's own outcome measure carries its theme_id.
-- What is new: a leader chooses further contributing projects, and single measures of any
-- project, from the theme's page. Link rows are inserted and deleted, never updated, so they
-- carry foreign keys (to rows whose ids never change).

CREATE TABLE theme_project (
    theme_id INTEGER NOT NULL REFERENCES theme (id),
    project_id INTEGER NOT NULL REFERENCES project (id),
    PRIMARY KEY (theme_id, project_id)
);

CREATE TABLE theme_measure (
    theme_id INTEGER NOT NULL REFERENCES theme (id),
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    PRIMARY KEY (theme_id, measure_id)
);
