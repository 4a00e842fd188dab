"""Loading the Danish demo (``data/demo``, read by :mod:`pdsa.demo`) through the actions.

Everything is saved in one transaction by the same actions people use in the app, so the
demo passes every check a real registration passes and leaves the same audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from actions.actor import DEMO_LOADER, Actor
from actions.cycles import start_cycle
from actions.measures import define_measure, record_data_points
from actions.observations import add_observation
from actions.pathways import add_unit, create_pathway, register_problem
from actions.perform import Cursor, perform
from actions.projects import add_change_idea, add_driver, create_project, create_theme
from pathways.models import Pathway, PathwayStep, Problem, Unit
from pdsa.core.db import is_empty
from pdsa.store import users
from pdsa.store.projects import get_project, link_team_member_to_user
from pdsa.demo import POINTS_CSV, Progress, as_period, read_demo, read_points_csv
from pdsa.models import ChangeIdea, Driver, Measure, Observation, PdsaCycle, ProgressScore, Project, TeamMember, Theme


@dataclass
class DemoSummary:
    """How many records of each kind the demo saved."""

    units: int = 0
    pathways: int = 0
    pathway_steps: int = 0
    projects: int = 0
    team_members: int = 0
    progress_scores: int = 0
    drivers: int = 0
    change_ideas: int = 0
    measures: int = 0
    data_points: int = 0
    cycles: int = 0
    problems: int = 0
    observations: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:
        return ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in self.as_dict().items())


class _Keys:
    """Human keys from the YAML files mapped to database ids, with a clear error for a typo."""

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, int]] = {}

    def add(self, kind: str, key: str, id_: int) -> None:
        table = self._ids.setdefault(kind, {})
        if key in table:
            raise ValueError(f"demo data: {kind} key {key!r} is used twice")
        table[key] = id_

    def __call__(self, kind: str, key: str | None) -> int | None:
        if key is None:
            return None
        try:
            return self._ids[kind][key]
        except KeyError:
            raise ValueError(f"demo data: no {kind} with key {key!r}") from None


def _without(record: Mapping, *names: str) -> dict:
    return {k: v for k, v in record.items() if k not in names}


def _cycle_fields(raw: Mapping) -> dict:
    """plan/do/study/act sections of the YAML to the model's plan_*/do_*/study_*/act_* fields."""
    values = {}
    for section in ("plan", "do", "study", "act"):
        for name, value in (raw.get(section) or {}).items():
            values[f"{section}_{name}"] = value
    return values


def load_demo(cur: Cursor, actor: Actor = DEMO_LOADER, *, progress: Progress | None = None) -> DemoSummary:
    """Save the whole demo in one transaction, through the same actions people use; refuses a
    database that already holds data.

    progress(fraction, message) is told a handful of times how far the load has come.
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "Læser demodata")
    files = read_demo()
    points_by_measure = read_points_csv()

    def change(c: Cursor) -> DemoSummary:
        if not is_empty(c):
            raise ValueError(
                "The database already holds data, so the demo was not loaded; the demo only loads "
                "into an empty database (on the command line: python -m pdsa demo --replace)."
            )
        keys, summary = _Keys(), DemoSummary()

        report(0.05, "Enheder og patientforløb")
        for raw in files.units:
            keys.add("unit", raw["key"], add_unit(c, actor, Unit(**_without(raw, "key"))).id)
            summary.units += 1
        for raw in files.pathways:
            _load_pathway(c, actor, raw, keys)
            summary.pathways += 1
            summary.pathway_steps += len(raw["steps"])

        report(0.15, "Forbedringsprojekter og driverdiagrammer")
        themes: dict[str, int] = {}
        for raw in files.projects:
            _load_project(c, actor, raw, keys, summary, themes)

        report(0.3, "Indikatorer og målinger")
        measures = [
            (raw_measure["key"], _load_measure(c, actor, raw, raw_measure, keys))
            for raw in files.projects
            for raw_measure in raw["measures"]
        ]
        summary.measures = len(measures)
        for number, (key, measure) in enumerate(measures, start=1):
            raw_points = points_by_measure.get(key)
            if not raw_points:
                raise ValueError(f"demo data: {POINTS_CSV} has no points for measure {key!r}")
            record_data_points(c, actor, measure.id, [{"entered_by": actor.name, **p} for p in raw_points])
            summary.data_points += len(raw_points)
            if number % 4 == 0:
                report(0.3 + 0.5 * number / len(measures), "Indikatorer og målinger")
        unknown = set(points_by_measure) - {key for key, _ in measures}
        if unknown:
            raise ValueError(f"demo data: {POINTS_CSV} has points for unknown measures {sorted(unknown)}")

        report(0.8, "PDSA-cyklusser")
        for raw in files.projects:
            for raw_cycle in raw.get("cycles", []):
                cycle = PdsaCycle(
                    project_id=keys("project", raw["key"]),
                    change_idea_id=keys("change_idea", raw_cycle.get("change_idea")),
                    parent_id=keys("cycle", raw_cycle.get("parent")),
                    title=raw_cycle["title"],
                    **_cycle_fields(raw_cycle),
                )
                keys.add("cycle", raw_cycle["key"], start_cycle(c, actor, cycle).id)
                summary.cycles += 1

        # slice: themes — goals, contributing projects and measures, the themes' own measures
        from actions.themes import load_demo_themes
        from pdsa.demo import read_themes

        load_demo_themes(c, actor, read_themes(), keys, themes, summary)
        # end slice: themes

        report(0.9, "Problemer og observationer")
        for raw in files.problems:
            problem = Problem(
                **_without(raw, "key", "pathway", "step", "projects"),
                pathway_id=keys("pathway", raw["pathway"]),
                step_id=keys("step", raw.get("step")),
                project_ids=[keys("project", k) for k in raw.get("projects", [])],
            )
            keys.add("problem", raw["key"], register_problem(c, actor, problem).id)
            summary.problems += 1
        for raw in files.observations:
            observation = Observation(
                **_without(raw, "pathway", "step", "problem", "project", "cycle"),
                pathway_id=keys("pathway", raw["pathway"]),
                step_id=keys("step", raw.get("step")),
                problem_id=keys("problem", raw.get("problem")),
                project_id=keys("project", raw.get("project")),
                cycle_id=keys("cycle", raw.get("cycle")),
            )
            add_observation(c, actor, observation)
            summary.observations += 1
        _add_demo_users(c, keys("project", files.projects[0]["key"]))
        _load_patient_voice(c, files.patient_voice, keys, summary)  # slice: patient voice
        return summary

    summary = perform(cur, actor, "load_demo", change)
    report(1.0, "Demodata indlæst")
    return summary


# One demo user per role; "sign in as" works only while the database carries the demo mark.
# The team roles come from the first project's team list (its lead, a member, its patient partner).
DEMO_USERS: tuple[tuple[str, str, frozenset[str], str | None], ...] = (
    ("demo-admin", "Demo-administrator", frozenset({"administrator"}), None),
    ("demo-leader", "Hanne Dalgaard", frozenset({"leader"}), "sponsor"),
    ("demo-lead", "Mette Kjær Andersen", frozenset({"staff"}), "lead"),
    ("demo-member", "Søren Holst", frozenset({"staff"}), "member"),
    ("demo-patient", "Birthe Mortensen", frozenset({"patient_representative"}), "patient_partner"),
    ("demo-reader", "Demo-læser", frozenset({"reader"}), None),
)


def _add_demo_users(cur: Cursor, project_id: int) -> None:
    team = get_project(cur, project_id).team
    for username, name, roles, team_role in DEMO_USERS:
        user = users.add_user(cur, username, name, password_hash=None, roles=set(roles))
        member = next((m for m in team if m.role == team_role and m.name == name), None)
        if member is not None:
            link_team_member_to_user(cur, member.id, user)
    users.set_mark(cur, users.DEMO_MARK, "loaded by python -m pdsa demo or the first start")


# slice: patient voice — the demo patient representative's words (data/demo/patient_voice.yaml),
# written as the demo's users once they exist: her observations, the team's links, one withdrawn,
# her comments on cycles and the team's answers.
def _load_patient_voice(cur: Cursor, voice: Mapping, keys: _Keys, summary: DemoSummary) -> None:
    from actions.accounts import actor_for
    from actions.cycles import answer_cycle_comment, comment_on_cycle
    from actions.observations import link_observation, withdraw_observation
    from actions.pathways import link_problem_to_change_idea

    people: dict[str, Actor] = {}

    def person(username: str) -> Actor:
        if username not in people:
            people[username] = actor_for(cur, users.find_user(cur, username))
        return people[username]

    for raw in voice.get("problem_ideas", []):
        link_problem_to_change_idea(cur, person("demo-lead"), keys("problem", raw["problem"]),
                                    keys("change_idea", raw["change_idea"]))
    for raw in voice.get("observations", []):
        saved = add_observation(cur, person(raw["by"]), Observation(
            **_without(raw, "by", "linked", "withdrawn", "pathway", "step"),
            pathway_id=keys("pathway", raw["pathway"]), step_id=keys("step", raw.get("step"))))
        summary.observations += 1
        linked = raw.get("linked")
        if linked:
            saved = link_observation(cur, person("demo-lead"), saved.id, problem_id=keys("problem", linked.get("problem")),
                                     project_id=keys("project", linked.get("project")),
                                     cycle_id=keys("cycle", linked.get("cycle")))
        if raw.get("withdrawn"):
            withdraw_observation(cur, person(raw["by"]), saved.id, expected_version=saved.version)
    for raw in voice.get("comments", []):
        comment = comment_on_cycle(cur, person(raw["by"]), keys("cycle", raw["cycle"]), raw["stage"], raw["text"])
        answer = raw.get("answer")
        if answer:
            answer_cycle_comment(cur, person(answer["by"]), comment.id, answer["text"])
# end slice: patient voice


def _load_pathway(cur: Cursor, actor: Actor, raw: Mapping, keys: _Keys) -> None:
    steps = [
        PathwayStep(position=position, unit_id=keys("unit", s.get("unit")), **_without(s, "key", "unit"))
        for position, s in enumerate(raw["steps"], start=1)
    ]
    pathway = create_pathway(cur, actor, Pathway(**_without(raw, "key", "steps"), steps=steps))
    keys.add("pathway", raw["key"], pathway.id)
    step_ids = {step.position: step.id for step in pathway.steps}
    for position, s in enumerate(raw["steps"], start=1):
        keys.add("step", s["key"], step_ids[position])


def _load_project(
    cur: Cursor, actor: Actor, raw: Mapping, keys: _Keys, summary: DemoSummary, themes: dict[str, int]
) -> None:
    aim = raw["aim"]
    theme = raw.get("theme")
    if theme and theme not in themes:
        themes[theme] = create_theme(cur, actor, Theme(name=theme)).id
    project = Project(
        title=raw["title"],
        pathway_id=keys("pathway", raw["pathway"]),
        aim_what=aim["what"],
        aim_how_much=aim["how_much"],
        aim_by_when=aim["by_when"],
        theme_id=themes.get(theme),
        status=raw["status"],
        start_date=raw["start_date"],
        team=[TeamMember(**m) for m in raw["team"]],
        progress=[ProgressScore(**s) for s in raw.get("progress", [])],
    )
    project_id = create_project(cur, actor, project).id
    keys.add("project", raw["key"], project_id)
    summary.projects += 1
    summary.team_members += len(project.team)
    summary.progress_scores += len(project.progress)
    for position, primary in enumerate(raw["drivers"], start=1):
        primary_id = add_driver(cur, actor, project_id, Driver(kind="primary", text=primary["text"], position=position)).id
        keys.add("driver", primary["key"], primary_id)
        summary.drivers += 1
        for sub_position, secondary in enumerate(primary.get("secondary", []), start=1):
            driver = Driver(kind="secondary", text=secondary["text"], parent_id=primary_id, position=sub_position)
            keys.add("driver", secondary["key"], add_driver(cur, actor, project_id, driver).id)
            summary.drivers += 1
    for raw_idea in raw.get("change_ideas", []):
        idea = ChangeIdea(
            text=raw_idea["text"],
            description=raw_idea.get("description"),
            driver_ids=[keys("driver", k) for k in raw_idea.get("drivers", [])],
        )
        keys.add("change_idea", raw_idea["key"], add_change_idea(cur, actor, project_id, idea).id)
        summary.change_ideas += 1


def _load_measure(cur: Cursor, actor: Actor, project: Mapping, raw: Mapping, keys: _Keys) -> Measure:
    period = raw["period"]
    settings = {
        "freeze_until": as_period(raw["freeze_until"], period) if raw.get("freeze_until") else None,
        "splits": [as_period(s, period) for s in raw.get("splits", [])],
    }
    measure = Measure(
        project_id=keys("project", project["key"]),
        **_without(raw, "key", "series", "freeze_until", "splits"),
        **settings,
    )
    saved = define_measure(cur, actor, measure)
    keys.add("measure", raw["key"], saved.id)
    return saved
