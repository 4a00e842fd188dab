"""The Danish demo data set: its files, its loader, and that its series show what they claim.

Runs against real DuckDB files (fixtures ``db`` and ``demo_db`` in conftest.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from pathways.store import list_pathways, list_problems, list_units
from actions import demo as demo_loader
from pdsa import demo
from pdsa.core.db import is_empty
from pdsa.core.fields import contains_cpr
from pdsa.models import EVENT_DATA_TYPES
from pdsa.core.periods import next_period, period_start
from pdsa.store.cycles import list_cycles, ramps
from pdsa.store.measures import data_points_frame, list_data_points, list_measures
from pdsa.store.observations import list_observations
from pdsa.store.projects import get_driver_diagram, list_projects

SPECS = demo.measure_specs()
SPEC_BY_KEY = {spec["key"]: spec for spec in SPECS}
PROJECTS = demo.read_projects()


def _tables(cur) -> list[str]:
    rows = cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migration' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _row_counts(cur) -> dict[str, int]:
    return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _tables(cur)}


def _measure_by_key(cur) -> dict:
    measures = [m for m in list_measures(cur) if m.project_id is not None]  # slice: themes — their own: themes.yaml
    by_name = {m.name: m for m in measures}
    assert len(by_name) == len(measures) == len(SPECS), "measure names are unique in the demo"
    return {spec["key"]: by_name[spec["name"]] for spec in SPECS}


# --- the files ---------------------------------------------------------------------------------

def test_points_csv_equals_regeneration_from_the_seeds():
    stored = (demo.DEMO_DIR / demo.POINTS_CSV).read_text(encoding="utf-8")
    assert demo.points_csv_text() == stored, "data_points.csv is stale: run python -m pdsa.demo"


def test_each_series_depends_only_on_its_own_seed():
    everything = demo.points_csv_text().splitlines()
    for spec in (SPECS[0], SPECS[-1]):
        alone = demo.points_csv_text(measures=[spec]).splitlines()
        assert alone[1:] == [line for line in everything if line.startswith(spec["key"] + ",")]
    seeds = [spec["series"]["seed"] for spec in SPECS]
    assert len(set(seeds)) == len(seeds), "every measure has its own seed"


def test_no_cpr_numbers_anywhere_in_the_demo_files():
    files = sorted(p for p in demo.DEMO_DIR.rglob("*") if p.is_file())
    assert any(p.suffix == ".csv" for p in files) and any(p.suffix == ".yaml" for p in files)
    for path in files:
        assert not contains_cpr(path.read_text(encoding="utf-8")), path


def test_series_specs_match_the_measures_settings_and_the_pdsa_cycles():
    for project in PROJECTS:
        cycles = {c["key"]: c for c in project.get("cycles", [])}
        for measure in project["measures"]:
            series, period = measure["series"], measure["period"]
            key = measure["key"]
            assert series["expect"] in ("shift", "stable"), key
            assert isinstance(series["seed"], int), key
            if series["expect"] == "stable":
                assert not measure.get("freeze_until"), f"{key}: a stable series has no frozen baseline"
                continue
            change_at = demo.as_period(series["change"]["at"], period)
            freeze = demo.as_period(measure["freeze_until"], period)
            assert next_period(freeze, period) == change_at, f"{key}: freeze_until is the last baseline period"
            cycle = cycles[series["change"]["cycle"]]
            assert cycle["act"]["decision"] == "adopt", f"{key}: the change came from an adopted cycle"
            assert period_start(cycle["do"]["start"], period) == change_at, (
                f"{key}: the series changes in the period its PDSA cycle started"
            )


# --- the loaded demo ---------------------------------------------------------------------------

# Every column that points at another row, declared as a foreign key or (where people edit
# it, see migration 003) kept by the actions: (table, column, referenced table).
REFERENCES = [
    ("pathway_step", "pathway_id", "pathway"), ("pathway_step", "unit_id", "unit"),
    ("pathway_step_position", "step_id", "pathway_step"), ("pathway_step_position", "pathway_id", "pathway"),
    ("project", "pathway_id", "pathway"), ("project", "theme_id", "theme"),
    ("project_unit", "project_id", "project"), ("project_unit", "unit_id", "unit"),
    ("team_member", "project_id", "project"), ("team_member", "user_id", "app_user"),
    ("progress_score", "project_id", "project"),
    ("problem", "pathway_id", "pathway"), ("problem", "step_id", "pathway_step"),
    ("problem", "merged_into_id", "problem"),
    ("problem_project", "problem_id", "problem"), ("problem_project", "project_id", "project"),
    ("problem_change_idea", "problem_id", "problem"), ("problem_change_idea", "change_idea_id", "change_idea"),
    ("driver", "project_id", "project"), ("driver", "parent_id", "driver"),
    ("change_idea", "project_id", "project"),
    ("change_idea_driver", "change_idea_id", "change_idea"), ("change_idea_driver", "driver_id", "driver"),
    ("measure", "project_id", "project"), ("measure", "theme_id", "theme"),
    ("measure_split", "measure_id", "measure"), ("data_point", "measure_id", "measure"),
    ("pdsa_cycle", "project_id", "project"), ("pdsa_cycle", "change_idea_id", "change_idea"),
    ("pdsa_cycle", "parent_id", "pdsa_cycle"),
    ("cycle_measure", "cycle_id", "pdsa_cycle"), ("cycle_measure", "measure_id", "measure"),
    ("observation", "pathway_id", "pathway"), ("observation", "step_id", "pathway_step"),
    ("observation", "problem_id", "problem"), ("observation", "project_id", "project"),
    ("observation", "cycle_id", "pdsa_cycle"),
    # slice: worksheet — comments on cycles and the team's answers
    ("cycle_comment", "cycle_id", "pdsa_cycle"), ("cycle_comment", "author_id", "app_user"),
    ("cycle_comment", "reply_to", "cycle_comment"),
    # slice: themes — the projects and measures a leader chose for a theme
    ("theme_project", "theme_id", "theme"), ("theme_project", "project_id", "project"),
    ("theme_measure", "theme_id", "theme"), ("theme_measure", "measure_id", "measure"),
    # slice: import — a measure's remembered column mapping
    ("import_mapping", "measure_id", "measure"),
    # slice: events — a week or month recorded without events
    ("no_event_period", "measure_id", "measure"),
]


def test_every_reference_resolves(demo_db):
    for table, column, target in REFERENCES:
        orphans = demo_db.execute(
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"
            f" AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"
        ).fetchone()[0]
        assert orphans == 0, f"{table}.{column} has {orphans} rows pointing at no {target}"


def test_every_id_column_is_in_the_list_of_references(demo_db):
    """A new link column must join REFERENCES, so the test above checks it."""
    columns = demo_db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND (column_name LIKE '%\\_id' ESCAPE '\\') AND table_name NOT IN ('audit_event', 'app_user_role',"
        " 'app_user_identity')"
    ).fetchall()
    listed = {(table, column) for table, column, _ in REFERENCES}
    assert sorted(set(columns) - listed) == []


def test_references_stay_within_their_pathway_and_project(demo_db):
    mismatches = {
        "problem step in another pathway": "SELECT count(*) FROM problem p JOIN pathway_step s ON s.id = p.step_id"
        " WHERE s.pathway_id <> p.pathway_id",
        "observation step in another pathway": "SELECT count(*) FROM observation o JOIN pathway_step s"
        " ON s.id = o.step_id WHERE s.pathway_id <> o.pathway_id",
        "observation project on another pathway": "SELECT count(*) FROM observation o JOIN project p"
        " ON p.id = o.project_id WHERE p.pathway_id <> o.pathway_id",
        "observation cycle of another project": "SELECT count(*) FROM observation o JOIN pdsa_cycle c"
        " ON c.id = o.cycle_id WHERE o.project_id IS NULL OR c.project_id <> o.project_id",
        "problem linked to a project on another pathway": "SELECT count(*) FROM problem_project l"
        " JOIN problem p ON p.id = l.problem_id JOIN project j ON j.id = l.project_id WHERE j.pathway_id <> p.pathway_id",
        "cycle idea of another project": "SELECT count(*) FROM pdsa_cycle c JOIN change_idea i"
        " ON i.id = c.change_idea_id WHERE i.project_id <> c.project_id",
        "change idea on another project's driver": "SELECT count(*) FROM change_idea_driver l"
        " JOIN change_idea i ON i.id = l.change_idea_id JOIN driver d ON d.id = l.driver_id"
        " WHERE d.project_id <> i.project_id",
    }
    for what, sql in mismatches.items():
        assert demo_db.execute(sql).fetchone()[0] == 0, what


def test_summary_counts_what_was_saved(db):
    summary = demo_loader.load_demo(db)
    counts = _row_counts(db)
    expected = {
        "unit": summary.units, "pathway": summary.pathways, "pathway_step": summary.pathway_steps,
        "project": summary.projects, "team_member": summary.team_members,
        "progress_score": summary.progress_scores, "driver": summary.drivers,
        "change_idea": summary.change_ideas, "measure": summary.measures,
        "data_point": summary.data_points, "pdsa_cycle": summary.cycles,
        "problem": summary.problems, "observation": summary.observations,
    }
    assert {table: counts[table] for table in expected} == expected
    assert counts["audit_event"] >= sum(expected.values()), "every record has its audit event"
    assert str(summary).startswith(f"{summary.units} units")


def test_every_measure_has_30_to_60_points_as_in_the_csv(demo_db):
    stored = demo.read_points_csv()
    for key, measure in _measure_by_key(demo_db).items():
        points = data_points_frame(demo_db, [measure.id])
        assert len(points) == len(stored[key]), key
        assert 30 <= len(points) <= 60, f"{key}: {len(points)} points"
        if measure.data_type in EVENT_DATA_TYPES:
            plotted = len(points) - 1 if measure.data_type == "days_between" else len(points)
            assert plotted >= 30, f"{key}: {plotted} intervals between events"
        else:
            assert measure.period in ("week", "month"), key
    all_points = data_points_frame(demo_db)
    assert all_points["note"].notna().sum() >= 5, "a few points carry notes"
    excluded = all_points[all_points["excluded"]]
    assert 1 <= len(excluded) <= 3 and excluded["note"].notna().all(), "excluded points say why"


def test_rate_points_can_be_listed(demo_db):
    """A rate's numerator may exceed its exposure (40 admissions per 20.5 hundred citizens)."""
    rate = next(m for m in list_measures(demo_db) if m.data_type == "rate")
    points = list_data_points(demo_db, rate.id)
    assert len(points) >= 30
    assert any(p.numerator > p.denominator for p in points)


def test_pathways_cross_sectors_in_ordered_steps(demo_db):
    pathways = list_pathways(demo_db)
    assert len(pathways) >= 3
    units = {u.id: u for u in list_units(demo_db)}
    assert {u.sector for u in units.values()} >= {"hospital", "municipality", "general_practice", "region"}
    for pathway in pathways:
        assert len(pathway.steps) >= 3, pathway.name
        assert [s.position for s in pathway.steps] == list(range(1, len(pathway.steps) + 1))
        assert len({s.sector for s in pathway.steps}) >= 2, pathway.name
        for step in pathway.steps:
            assert step.description, step.name
            if step.unit_id is not None:
                assert units[step.unit_id].sector == step.sector, step.name


def test_problems_come_from_staff_patients_and_complaints(demo_db):
    problems = list_problems(demo_db)
    sources = Counter(p.source for p in problems)
    assert {"staff", "patient_or_relative", "complaint", "incident_report"} <= set(sources)
    assert len({p.status for p in problems}) >= 4
    linked = [p for p in problems if p.project_ids]
    assert linked and len(linked) < len(problems), "some, not all, problems are linked to projects"
    assert len({(p.impact, p.effort) for p in problems}) >= 4


def test_projects_have_smart_aims_and_cross_sector_teams(demo_db):
    projects = list_projects(demo_db)
    assert len(projects) >= 4
    assert len({p.pathway_id for p in projects}) >= 3
    for project in projects:
        assert any(ch.isdigit() for ch in project.aim_how_much), f"{project.title}: how much, in numbers"
        assert project.aim_by_when > project.start_date
        assert project.theme_id is not None
        roles = Counter(m.role for m in project.team)
        assert roles["patient_partner"] >= 1 and roles["sponsor"] >= 1 and roles["lead"] == 1, project.title
        staff = [m for m in project.team if m.role != "patient_partner"]
        assert len({m.discipline for m in staff}) >= 2, project.title
        assert len({m.sector for m in staff} - {"other"}) >= 2, project.title
        scores = project.progress
        assert len(scores) >= 3, project.title
        assert [s.scored_on for s in scores] == sorted(s.scored_on for s in scores)
        assert scores[-1].score > scores[0].score, project.title


def test_each_project_has_a_driver_diagram(demo_db):
    for project in list_projects(demo_db):
        diagram = get_driver_diagram(demo_db, project.id)
        primary = [d for d in diagram.drivers if d.kind == "primary"]
        secondary = [d for d in diagram.drivers if d.kind == "secondary"]
        assert 2 <= len(primary) <= 3, project.title
        assert {d.parent_id for d in secondary} == {d.id for d in primary}, "every primary driver has secondaries"
        secondary_ids = {d.id for d in secondary}
        assert diagram.change_ideas, project.title
        for idea in diagram.change_ideas:
            assert idea.driver_ids and set(idea.driver_ids) <= secondary_ids, idea.text
        assert any(len(idea.driver_ids) >= 2 for idea in diagram.change_ideas), (
            f"{project.title}: a change idea serving two secondary drivers"
        )


def test_measures_cover_kinds_data_types_and_have_definitions(demo_db):
    measures = list_measures(demo_db)
    assert {m.kind for m in measures} == {"outcome", "process", "balancing"}
    for project in list_projects(demo_db):
        assert {m.kind for m in measures if m.project_id == project.id} == {"outcome", "process", "balancing"}
    types = {m.data_type for m in measures}
    assert {"proportion", "rate", "count", "continuous"} <= types
    assert types & {"days_between", "cases_between"}
    for m in measures:
        assert m.definition and m.unit, m.name
        if m.data_type in ("proportion", "rate"):
            assert "Tæller" in m.definition and "Nævner" in m.definition, m.name
        if m.data_type == "proportion" and m.target is not None:
            assert 0 < m.target <= 1, f"{m.name}: proportion targets are plotted as 0-1"
    assert any(m.freeze_until for m in measures) and any(m.splits for m in measures)
    assert any(m.rules == "mdc" for m in measures) and any(m.target is not None for m in measures)
    assert {m.direction for m in measures} == {"up", "down"}


def test_pdsa_cycles_form_ramps_with_every_decision(demo_db):
    cycles = list_cycles(demo_db)
    assert len(cycles) >= 8
    by_id = {c.id: c for c in cycles}
    all_ramps = ramps(cycles)
    assert len(all_ramps) >= 4
    for ramp in all_ramps:
        assert len(ramp) >= 2, ramp[0].title
    assert {c.act_decision for c in cycles} >= {"adopt", "adapt", "abandon"}
    assert any(c.stage != "acted" for c in cycles), "at least one cycle is still under way"
    for cycle in cycles:
        assert cycle.plan_objective and cycle.plan_predictions and cycle.do_start, cycle.title
        assert cycle.change_idea_id is not None, cycle.title
        if cycle.stage == "acted":
            assert cycle.study_results and cycle.study_learning and cycle.act_next_step, cycle.title
        if cycle.parent_id is None:
            assert cycle.cycle_number == 1
            continue
        parent = by_id[cycle.parent_id]
        assert cycle.cycle_number == parent.cycle_number + 1
        assert parent.act_decision in ("adapt", "adopt"), f"{cycle.title}: a ramp goes on after adapt/adopt"
        assert parent.do_end is not None and cycle.do_start >= parent.do_end, cycle.title
        assert cycle.change_idea_id == parent.change_idea_id, cycle.title


def test_observations_in_patients_own_words(demo_db):
    observations = list_observations(demo_db)
    assert len(observations) >= 10
    assert {o.kind for o in observations} == {"experience", "suggestion", "concern"}
    roles = " ".join(o.author_role or "" for o in observations).lower()
    assert "patient" in roles and "pårørende" in roles
    assert any(o.step_id for o in observations) and any(o.problem_id for o in observations)
    assert any(o.project_id for o in observations) and any(o.cycle_id for o in observations)
    assert {o.pathway_id for o in observations} == {p.id for p in list_pathways(demo_db)}


# --- loading -----------------------------------------------------------------------------------

def test_load_reports_progress_from_0_to_1(db):
    calls = []
    demo_loader.load_demo(db, progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [f for f, _ in calls]
    assert 4 <= len(calls) <= 15, "a handful of progress reports"
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(message for _, message in calls)


def test_load_refuses_a_database_that_holds_data(demo_db):
    before = _row_counts(demo_db)
    with pytest.raises(ValueError, match="already holds data"):
        demo_loader.load_demo(demo_db)
    assert _row_counts(demo_db) == before


@pytest.mark.parametrize("function, failing_call", [("record_data_points", 7), ("add_observation", 12)])
def test_load_is_one_transaction(db, monkeypatch, function, failing_call):
    real, calls = getattr(demo_loader, function), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == failing_call:
            raise RuntimeError("simulated failure half-way")
        return real(*args, **kwargs)

    monkeypatch.setattr(demo_loader, function, failing)
    with pytest.raises(RuntimeError, match="simulated failure"):
        demo_loader.load_demo(db)
    assert len(calls) == failing_call, "the loader got half-way before failing"
    assert is_empty(db)
    assert all(count == 0 for count in _row_counts(db).values()), _row_counts(db)
    monkeypatch.setattr(demo_loader, function, real)
    assert demo_loader.load_demo(db).projects == len(PROJECTS), "after the rollback the demo loads"


# --- statistics: the series show what they were generated to show ------------------------------

@pytest.mark.parametrize("key", list(SPEC_BY_KEY))
def test_series_show_the_shift_or_stability_they_were_generated_with(demo_db, key):
    from pdsa.series import analyze_measure

    spec = SPEC_BY_KEY[key]
    measure = _measure_by_key(demo_db)[key]
    series, analysis = analyze_measure(measure, data_points_frame(demo_db, [measure.id]))
    found = [(s.kind, s.meaning, s.first_i, s.last_i) for s in analysis.signals]

    if spec["series"]["expect"] == "stable":
        assert not analysis.signals, f"{key}: a stable series shows {found}"
        assert not any(part.runs_signal for part in analysis.parts), f"{key}: runs signal"
        assert not analysis.points["sigma_signal"].any(), f"{key}: point outside the limits"
        return

    change_at = demo.as_period(spec["series"]["change"]["at"], measure.period)
    before = sum(1 for day in series.x if day < change_at)  # points 1..before are the baseline
    after_change = [
        s for s in analysis.signals if s.last_i is not None and s.last_i > before and s.meaning != "concern"
    ]
    outside_after = analysis.points[(analysis.points["i"] > before) & analysis.points["sigma_signal"]]
    runs_after = any(
        part.runs_signal for part in analysis.parts
        if part.part in set(analysis.points.loc[analysis.points["i"] > before, "part"])
    )
    assert after_change, f"{key}: no signal after the change at {change_at} (found {found})"
    assert runs_after or not outside_after.empty, f"{key}: neither runs signal nor point outside limits"
    in_baseline = [s for s in analysis.signals if s.last_i is not None and s.last_i <= before]
    assert not in_baseline, f"{key}: the baseline itself signals: {in_baseline}"


def test_demo_dates_lie_before_the_data_set_was_made(demo_db):
    """The demo was made in November 2026; nothing in it may lie after that."""
    made = date(2026, 11, 23)
    for cycle in list_cycles(demo_db):
        assert cycle.do_start <= made and (cycle.do_end is None or cycle.do_end <= made), cycle.title
    assert data_points_frame(demo_db)["period"].max().date() < made
    assert max(o.observed_on for o in list_observations(demo_db)) < made
