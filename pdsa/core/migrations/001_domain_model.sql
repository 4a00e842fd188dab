-- The domain model: pathways and their problems, improvement projects, driver diagrams,
-- measures and their data, PDSA cycles, observations and the audit trail.
-- Foreign keys point only at ids, which never change (see DuckDB's foreign-key limits).
-- Every migration runs unchanged on DuckDB and PostgreSQL (portable types and defaults).

CREATE SEQUENCE unit_id_seq;
CREATE TABLE unit (
    id INTEGER PRIMARY KEY DEFAULT nextval('unit_id_seq'),
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other'))
);

CREATE SEQUENCE pathway_id_seq;
CREATE TABLE pathway (
    id INTEGER PRIMARY KEY DEFAULT nextval('pathway_id_seq'),
    name VARCHAR NOT NULL,
    description VARCHAR
);

CREATE SEQUENCE pathway_step_id_seq;
CREATE TABLE pathway_step (
    id INTEGER PRIMARY KEY DEFAULT nextval('pathway_step_id_seq'),
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    position INTEGER NOT NULL CHECK (position >= 1),
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other')),
    unit_id INTEGER REFERENCES unit (id),
    description VARCHAR
);

CREATE SEQUENCE project_id_seq;
CREATE TABLE project (
    id INTEGER PRIMARY KEY DEFAULT nextval('project_id_seq'),
    title VARCHAR NOT NULL,
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    aim_what VARCHAR NOT NULL,
    aim_how_much VARCHAR NOT NULL,
    aim_by_when DATE NOT NULL,
    theme VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('planning', 'active', 'sustaining', 'completed', 'stopped')),
    start_date DATE NOT NULL
);

CREATE SEQUENCE team_member_id_seq;
CREATE TABLE team_member (
    id INTEGER PRIMARY KEY DEFAULT nextval('team_member_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    position INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    discipline VARCHAR,
    sector VARCHAR NOT NULL CHECK (sector IN ('hospital', 'municipality', 'general_practice', 'region', 'other')),
    role VARCHAR NOT NULL CHECK (role IN ('lead', 'member', 'patient_partner', 'sponsor'))
);

CREATE SEQUENCE progress_score_id_seq;
CREATE TABLE progress_score (
    id INTEGER PRIMARY KEY DEFAULT nextval('progress_score_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    scored_on DATE NOT NULL,
    score DECIMAL(2, 1) NOT NULL CHECK (score BETWEEN 0.5 AND 5.0 AND score * 2 = FLOOR(score * 2)),
    comment VARCHAR
);

CREATE SEQUENCE problem_id_seq;
CREATE TABLE problem (
    id INTEGER PRIMARY KEY DEFAULT nextval('problem_id_seq'),
    title VARCHAR NOT NULL,
    description VARCHAR,
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    step_id INTEGER REFERENCES pathway_step (id),
    source VARCHAR NOT NULL CHECK (source IN ('staff', 'patient_or_relative', 'complaint', 'incident_report', 'audit', 'other')),
    reported_by_role VARCHAR,
    reported_on DATE NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('new', 'triaged', 'being_tested', 'solved', 'not_pursued')),
    impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    effort INTEGER NOT NULL CHECK (effort BETWEEN 1 AND 5)
);

CREATE TABLE problem_project (
    problem_id INTEGER NOT NULL REFERENCES problem (id),
    project_id INTEGER NOT NULL REFERENCES project (id),
    PRIMARY KEY (problem_id, project_id)
);

CREATE SEQUENCE driver_id_seq;
CREATE TABLE driver (
    id INTEGER PRIMARY KEY DEFAULT nextval('driver_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    kind VARCHAR NOT NULL CHECK (kind IN ('primary', 'secondary')),
    text VARCHAR NOT NULL,
    parent_id INTEGER REFERENCES driver (id),
    position INTEGER NOT NULL
);

CREATE SEQUENCE change_idea_id_seq;
CREATE TABLE change_idea (
    id INTEGER PRIMARY KEY DEFAULT nextval('change_idea_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    text VARCHAR NOT NULL,
    description VARCHAR
);

CREATE TABLE change_idea_driver (
    change_idea_id INTEGER NOT NULL REFERENCES change_idea (id),
    driver_id INTEGER NOT NULL REFERENCES driver (id),
    PRIMARY KEY (change_idea_id, driver_id)
);

CREATE SEQUENCE measure_id_seq;
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
    unit VARCHAR
);

-- One row per measure and period; event measures (days/cases between) one row per event,
-- numbered within the day by event_no.
CREATE SEQUENCE data_point_id_seq;
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

CREATE SEQUENCE pdsa_cycle_id_seq;
CREATE TABLE pdsa_cycle (
    id INTEGER PRIMARY KEY DEFAULT nextval('pdsa_cycle_id_seq'),
    project_id INTEGER NOT NULL REFERENCES project (id),
    change_idea_id INTEGER REFERENCES change_idea (id),
    parent_id INTEGER REFERENCES pdsa_cycle (id),
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
    do_start DATE,
    do_end DATE,
    do_what_happened VARCHAR,
    do_observations VARCHAR,
    do_problems VARCHAR,
    study_results VARCHAR,
    study_learning VARCHAR,
    act_decision VARCHAR CHECK (act_decision IN ('adopt', 'adapt', 'abandon')),
    act_next_step VARCHAR,
    CHECK (do_end IS NULL OR do_start IS NULL OR do_end >= do_start)
);

CREATE SEQUENCE observation_id_seq;
CREATE TABLE observation (
    id INTEGER PRIMARY KEY DEFAULT nextval('observation_id_seq'),
    text VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('experience', 'suggestion', 'concern')),
    author_role VARCHAR,
    observed_on DATE NOT NULL,
    pathway_id INTEGER NOT NULL REFERENCES pathway (id),
    step_id INTEGER REFERENCES pathway_step (id),
    problem_id INTEGER REFERENCES problem (id),
    project_id INTEGER REFERENCES project (id),
    cycle_id INTEGER REFERENCES pdsa_cycle (id)
);

CREATE SEQUENCE audit_event_id_seq;
CREATE TABLE audit_event (
    id INTEGER PRIMARY KEY DEFAULT nextval('audit_event_id_seq'),
    happened_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP,
    who VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id INTEGER NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before JSON,
    after JSON
);
