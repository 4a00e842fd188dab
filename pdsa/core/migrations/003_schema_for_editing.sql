-- The schema for editing: every table the app will let people edit is rebuilt once, here, so
-- no later change has to rebuild tables again.
--
-- The rule for foreign keys (see README, "The database"): DuckDB refuses an UPDATE that
-- touches an indexed column (primary key, unique, foreign key) of a row that other rows
-- reference — it runs as delete + insert. So a foreign key is declared only on a column that
-- never changes after the row is written: the owner a row belongs to (a step's pathway, a
-- measure's project or theme, a point's measure, a cycle's project) and link rows,
-- which are deleted and inserted, never updated. Columns people edit (a problem's step, a
-- cycle's change idea, a project's pathway and theme, an observation's links, a driver's
-- parent, a team member's user) carry no constraint; the actions check them, and the tests
-- edit every kind of referenced row. For the same reason no CHECK names a key column: DuckDB
-- binds a CHECK's columns into every UPDATE of the row, so it would count as touching the key.
--
-- What is new:
--   * version (optimistic locking: an edit names the version it was based on) and archived
--     (nothing is destroyed) on every editable entity; measure.data_version changes whenever a
--     measure's points or chart settings change, for pages to cache on;
--   * users with roles and single-sign-on identities; team members may link to a user;
--     problems and observations record the user who created them;
--   * themes as their own table (projects' theme texts become themes), units on projects;
--     a measure belongs to a project or to a theme;
--   * cycles have a planned end and the measures they are judged by; problems link to
--     change ideas; a measure may be the project's key measure; operational definitions;
--   * step order kept in its own unreferenced table with a unique position per pathway, and a
--     unique position per project for team members (max + 1 no longer collides: a concurrent
--     duplicate fails, at the insert or at commit, and the action is retried);
--   * a problem's impact and effort stay empty until it is triaged.
--
-- Ids and sequences are kept. Old tables are copied aside, dropped children first, recreated,
-- filled, and the copies dropped.

CREATE TABLE old_unit AS SELECT * FROM unit;
CREATE TABLE old_pathway AS SELECT * FROM pathway;
CREATE TABLE old_pathway_step AS SELECT * FROM pathway_step;
CREATE TABLE old_project AS SELECT * FROM project;
CREATE TABLE old_team_member AS SELECT * FROM team_member;
CREATE TABLE old_progress_score AS SELECT * FROM progress_score;
CREATE TABLE old_problem AS SELECT * FROM problem;
CREATE TABLE old_problem_project AS SELECT * FROM problem_project;
CREATE TABLE old_driver AS SELECT * FROM driver;
CREATE TABLE old_change_idea AS SELECT * FROM change_idea;
CREATE TABLE old_change_idea_driver AS SELECT * FROM change_idea_driver;
CREATE TABLE old_measure AS SELECT * FROM measure;
CREATE TABLE old_measure_split AS SELECT * FROM measure_split;
CREATE TABLE old_data_point AS SELECT * FROM data_point;
CREATE TABLE old_pdsa_cycle AS SELECT * FROM pdsa_cycle;
CREATE TABLE old_observation AS SELECT * FROM observation;

DROP TABLE observation;
DROP TABLE pdsa_cycle;
DROP TABLE data_point;
DROP TABLE measure_split;
DROP TABLE measure;
DROP TABLE change_idea_driver;
DROP TABLE change_idea;
DROP TABLE driver;
DROP TABLE problem_project;
DROP TABLE problem;
DROP TABLE progress_score;
DROP TABLE team_member;
DROP TABLE project;
DROP TABLE pathway_step;
DROP TABLE pathway;
DROP TABLE unit;

-- --- people ---------------------------------------------------------------------------------

CREATE SEQUENCE app_user_id_seq;
CREATE TABLE app_user (
    id INTEGER PRIMARY KEY DEFAULT nextval('app_user_id_seq'),
    username VARCHAR NOT NULL UNIQUE,          -- never changes (other tables reference the user)
    display_name VARCHAR NOT NULL,
    email VARCHAR,
    password_hash VARCHAR,                     -- NULL: signs in only through single sign-on
    disabled BOOLEAN NOT NULL DEFAULT false,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    last_failed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE app_user_role (
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    role VARCHAR NOT NULL CHECK (role IN ('administrator', 'leader', 'staff', 'patient_representative', 'reader')),
    PRIMARY KEY (user_id, role)
);

-- A verified single-sign-on identity (issuer + subject); user_id NULL while it waits for access.
CREATE TABLE app_user_identity (
    issuer VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    user_id INTEGER,
    display_name VARCHAR,
    email VARCHAR,
    first_seen TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    PRIMARY KEY (issuer, subject)
);

-- --- units and pathways ---------------------------------------------------------------------

CREATE TABLE unit (
    id INTEGER PRIMARY KEY DEFAULT nextval('unit_id_seq'),
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other')),
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO unit (id, name, sector) SELECT id, name, sector FROM old_unit;

CREATE TABLE pathway (
    id INTEGER PRIMARY KEY DEFAULT nextval('pathway_id_seq'),
    name VARCHAR NOT NULL,
    description VARCHAR,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO pathway (id, name, description) SELECT id, name, description FROM old_pathway;

CREATE TABLE pathway_step (
    id INTEGER PRIMARY KEY DEFAULT nextval('pathway_step_id_seq'),
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other')),
    unit_id INTEGER,
    description VARCHAR,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO pathway_step (id, pathway_id, name, sector, unit_id, description)
    SELECT id, pathway_id, name, sector, unit_id, description FROM old_pathway_step;

-- The order of a pathway's steps. Nothing references this table, so a move or an insertion
-- rewrites the pathway's rows (delete + insert in one transaction).
CREATE TABLE pathway_step_position (
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    position INTEGER NOT NULL CHECK (position >= 1),
    step_id INTEGER NOT NULL UNIQUE REFERENCES pathway_step (id),
    PRIMARY KEY (pathway_id, position)
);
INSERT INTO pathway_step_position (pathway_id, position, step_id)
    SELECT pathway_id, row_number() OVER (PARTITION BY pathway_id ORDER BY position, id), id FROM old_pathway_step;

-- --- themes and projects --------------------------------------------------------------------

CREATE SEQUENCE theme_id_seq;
CREATE TABLE theme (
    id INTEGER PRIMARY KEY DEFAULT nextval('theme_id_seq'),
    name VARCHAR NOT NULL,
    goal VARCHAR,                              -- the citizen-centred goal, in words
    description VARCHAR,
    created_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO theme (id, name)
    SELECT nextval('theme_id_seq'), name FROM (SELECT DISTINCT theme AS name FROM old_project WHERE theme IS NOT NULL) AS themes ORDER BY name;

CREATE TABLE project (
    id INTEGER PRIMARY KEY DEFAULT nextval('project_id_seq'),
    title VARCHAR NOT NULL,
    pathway_id INTEGER NOT NULL,
    aim_what VARCHAR NOT NULL,
    aim_how_much VARCHAR NOT NULL,
    aim_by_when DATE NOT NULL,
    theme_id INTEGER,
    status VARCHAR NOT NULL CHECK (status IN ('planning', 'active', 'sustaining', 'completed', 'stopped')),
    start_date DATE NOT NULL,
    created_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO project (id, title, pathway_id, aim_what, aim_how_much, aim_by_when, theme_id, status, start_date)
    SELECT p.id, p.title, p.pathway_id, p.aim_what, p.aim_how_much, p.aim_by_when, t.id, p.status, p.start_date
    FROM old_project p LEFT JOIN theme t ON t.name = p.theme;

CREATE TABLE project_unit (
    project_id INTEGER NOT NULL REFERENCES project (id),
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    PRIMARY KEY (project_id, unit_id)
);

CREATE TABLE team_member (
    id INTEGER PRIMARY KEY DEFAULT nextval('team_member_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    position INTEGER NOT NULL CHECK (position >= 1),
    name VARCHAR NOT NULL,
    discipline VARCHAR,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other')),
    role VARCHAR NOT NULL CHECK (role IN ('lead', 'member', 'patient_partner', 'sponsor')),
    user_id INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (project_id, position)
);
INSERT INTO team_member (id, project_id, position, name, discipline, sector, role)
    SELECT id, project_id, row_number() OVER (PARTITION BY project_id ORDER BY position, id), name, discipline, sector, role
    FROM old_team_member;

CREATE TABLE progress_score (
    id INTEGER PRIMARY KEY DEFAULT nextval('progress_score_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    scored_on DATE NOT NULL,
    score DECIMAL(2, 1) NOT NULL CHECK (score BETWEEN 0.5 AND 5.0 AND score * 2 = FLOOR(score * 2)),
    comment VARCHAR
);
INSERT INTO progress_score SELECT id, project_id, scored_on, score, comment FROM old_progress_score;

-- --- problems -------------------------------------------------------------------------------

CREATE TABLE problem (
    id INTEGER PRIMARY KEY DEFAULT nextval('problem_id_seq'),
    title VARCHAR NOT NULL,
    description VARCHAR,
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    step_id INTEGER,
    source VARCHAR NOT NULL CHECK (source IN ('staff', 'patient_or_relative', 'complaint', 'incident_report', 'audit', 'other')),
    reported_by_role VARCHAR,
    reported_on DATE NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('new', 'triaged', 'being_tested', 'solved', 'not_pursued')),
    impact INTEGER CHECK (impact BETWEEN 1 AND 5),
    effort INTEGER CHECK (effort BETWEEN 1 AND 5),
    merged_into_id INTEGER,                    -- a duplicate points at the problem kept
    created_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO problem (id, title, description, pathway_id, step_id, source, reported_by_role, reported_on, status, impact, effort)
    SELECT id, title, description, pathway_id, step_id, source, reported_by_role, reported_on, status, impact, effort
    FROM old_problem;

CREATE TABLE problem_project (
    problem_id INTEGER NOT NULL REFERENCES problem (id),
    project_id INTEGER NOT NULL REFERENCES project (id),
    PRIMARY KEY (problem_id, project_id)
);
INSERT INTO problem_project SELECT problem_id, project_id FROM old_problem_project;

-- --- driver diagrams ------------------------------------------------------------------------

CREATE TABLE driver (
    id INTEGER PRIMARY KEY DEFAULT nextval('driver_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    kind VARCHAR NOT NULL CHECK (kind IN ('primary', 'secondary')),
    text VARCHAR NOT NULL,
    parent_id INTEGER,
    position INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO driver (id, project_id, kind, text, parent_id, position)
    SELECT id, project_id, kind, text, parent_id, position FROM old_driver;

CREATE TABLE change_idea (
    id INTEGER PRIMARY KEY DEFAULT nextval('change_idea_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    text VARCHAR NOT NULL,
    description VARCHAR,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO change_idea (id, project_id, text, description) SELECT id, project_id, text, description FROM old_change_idea;

CREATE TABLE change_idea_driver (
    change_idea_id INTEGER NOT NULL REFERENCES change_idea (id),
    driver_id INTEGER NOT NULL REFERENCES driver (id),
    PRIMARY KEY (change_idea_id, driver_id)
);
INSERT INTO change_idea_driver SELECT change_idea_id, driver_id FROM old_change_idea_driver;

CREATE TABLE problem_change_idea (
    problem_id INTEGER NOT NULL REFERENCES problem (id),
    change_idea_id INTEGER NOT NULL REFERENCES change_idea (id),
    PRIMARY KEY (problem_id, change_idea_id)
);

-- --- measures and their data ----------------------------------------------------------------

CREATE TABLE measure (
    id INTEGER PRIMARY KEY DEFAULT nextval('measure_id_seq'),
    project_id INTEGER REFERENCES project (id),
    theme_id INTEGER REFERENCES theme (id),
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('outcome', 'process', 'balancing')),
    definition VARCHAR,                        -- what is counted
    numerator_definition VARCHAR,
    denominator_definition VARCHAR,
    data_source VARCHAR,
    collection_frequency VARCHAR,
    data_type VARCHAR NOT NULL CHECK (data_type IN ('proportion', 'rate', 'count', 'continuous', 'days_between', 'cases_between')),
    period VARCHAR NOT NULL CHECK (period IN ('day', 'week', 'month')),
    direction VARCHAR NOT NULL CHECK (direction IN ('up', 'down')),
    target DOUBLE PRECISION,
    unit VARCHAR,
    is_key BOOLEAN NOT NULL DEFAULT false,
    chart VARCHAR CHECK (chart IN ('run', 'i', 'mr', 'xbar', 's', 't', 'p', 'pp', 'c', 'u', 'up', 'g')),
    rules VARCHAR NOT NULL DEFAULT 'anhoej' CHECK (rules IN ('anhoej', 'mdc')),
    freeze_until DATE,
    version INTEGER NOT NULL DEFAULT 1,
    data_version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
    -- "a project's or a theme's" is checked by the model, not by a CHECK: a CHECK naming a
    -- foreign-key column makes DuckDB treat every UPDATE of the row as touching that key
);
INSERT INTO measure (id, project_id, name, kind, definition, data_type, period, direction, target, unit, chart, rules, freeze_until)
    SELECT id, project_id, name, kind, definition, data_type, period, direction, target, unit, chart, rules, freeze_until
    FROM old_measure;

CREATE TABLE measure_split (
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    starts_on DATE NOT NULL,
    note VARCHAR,
    PRIMARY KEY (measure_id, starts_on)
);
INSERT INTO measure_split SELECT measure_id, starts_on, note FROM old_measure_split;

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
    FROM old_data_point;

-- --- PDSA cycles ----------------------------------------------------------------------------

CREATE TABLE pdsa_cycle (
    id INTEGER PRIMARY KEY DEFAULT nextval('pdsa_cycle_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    change_idea_id INTEGER,
    parent_id INTEGER,                         -- the cycle before in the ramp (checked by the action:
                                               -- DuckDB cannot bulk-copy a self-reference)
    title VARCHAR NOT NULL,
    cycle_number INTEGER NOT NULL CHECK (cycle_number >= 1),
    plan_objective VARCHAR,
    plan_questions VARCHAR,
    plan_predictions VARCHAR,
    plan_who VARCHAR,
    plan_what VARCHAR,
    plan_where VARCHAR,
    plan_when VARCHAR,
    plan_data_collection VARCHAR,
    plan_end DATE,
    do_start DATE,
    do_end DATE,
    do_what_happened VARCHAR,
    do_observations VARCHAR,
    do_problems VARCHAR,
    study_results VARCHAR,
    study_learning VARCHAR,
    act_decision VARCHAR CHECK (act_decision IN ('adopt', 'adapt', 'abandon')),
    act_next_step VARCHAR,
    created_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false,
    CHECK (do_end IS NULL OR do_start IS NULL OR do_end >= do_start)
);
INSERT INTO pdsa_cycle (id, project_id, change_idea_id, parent_id, title, cycle_number, plan_objective, plan_questions,
                        plan_predictions, plan_who, plan_what, plan_where, plan_when, plan_data_collection, do_start, do_end,
                        do_what_happened, do_observations, do_problems, study_results, study_learning, act_decision, act_next_step)
    SELECT id, project_id, change_idea_id, parent_id, title, cycle_number, plan_objective, plan_questions,
           plan_predictions, plan_who, plan_what, plan_where, plan_when, plan_data_collection, do_start, do_end,
           do_what_happened, do_observations, do_problems, study_results, study_learning, act_decision, act_next_step
    FROM old_pdsa_cycle;

CREATE TABLE cycle_measure (
    cycle_id INTEGER NOT NULL REFERENCES pdsa_cycle (id),
    measure_id INTEGER NOT NULL REFERENCES measure (id),
    PRIMARY KEY (cycle_id, measure_id)
);

-- --- observations ---------------------------------------------------------------------------

CREATE TABLE observation (
    id INTEGER PRIMARY KEY DEFAULT nextval('observation_id_seq'),
    text VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('experience', 'suggestion', 'concern')),
    author_role VARCHAR,
    observed_on DATE NOT NULL,
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    step_id INTEGER,
    problem_id INTEGER,
    project_id INTEGER,
    cycle_id INTEGER,
    created_by INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    archived BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO observation (id, text, kind, author_role, observed_on, pathway_id, step_id, problem_id, project_id, cycle_id)
    SELECT id, text, kind, author_role, observed_on, pathway_id, step_id, problem_id, project_id, cycle_id
    FROM old_observation;

-- --- the audit trail names the signed-in user's id beside the name ---------------------------

ALTER TABLE audit_event ADD COLUMN actor_id INTEGER;

DROP TABLE old_observation;
DROP TABLE old_pdsa_cycle;
DROP TABLE old_data_point;
DROP TABLE old_measure_split;
DROP TABLE old_measure;
DROP TABLE old_change_idea_driver;
DROP TABLE old_change_idea;
DROP TABLE old_driver;
DROP TABLE old_problem_project;
DROP TABLE old_problem;
DROP TABLE old_progress_score;
DROP TABLE old_team_member;
DROP TABLE old_project;
DROP TABLE old_pathway_step;
DROP TABLE old_pathway;
DROP TABLE old_unit;
