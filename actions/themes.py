"""What leaders do with themes: edit a theme's goal, choose what contributes to it, archive and
restore it. (A theme is created with ``actions.projects.create_theme``; its own outcome
measures are defined and fed with data through ``actions.measures``, as a team's are.)"""

from __future__ import annotations

from collections.abc import Iterable

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import Theme
from pdsa.store import themes as store


def update_theme(cur: Cursor, actor: Actor, theme: Theme) -> Theme:
    """Save the theme's name, goal and description; ``theme.version`` is the version the user
    saw (StaleEdit when someone saved since: nothing saved)."""
    theme = Theme.model_validate(theme.model_dump())

    def change(c: Cursor) -> Theme:
        store.get_theme(c, theme.id)
        store.update_theme(c, theme)
        return store.get_theme(c, theme.id)

    return perform(cur, actor, "update_theme", change, target=Scope(theme_id=theme.id))


def set_theme_contributions(cur: Cursor, actor: Actor, theme_id: int, *, project_ids: Iterable[int] = (),
                            measure_ids: Iterable[int] = (), expected_version: int | None = None) -> Theme:
    """The projects and the projects' measures that contribute to the theme become exactly
    these; a project left out that named the theme as its own stops naming it."""
    projects, measures = list(project_ids), list(measure_ids)

    def change(c: Cursor) -> Theme:
        store.get_theme(c, theme_id)
        store.set_contributions(c, theme_id, projects, measures, expected_version=expected_version)
        return store.get_theme(c, theme_id)

    return perform(cur, actor, "set_theme_contributions", change, target=Scope(theme_id=theme_id))


def archive_theme(cur: Cursor, actor: Actor, theme_id: int, *, expected_version: int | None = None) -> Theme:
    """The theme leaves the lists (nothing is deleted); restore_theme brings it back."""
    return _set_archived(cur, actor, "archive_theme", theme_id, True, expected_version)


def restore_theme(cur: Cursor, actor: Actor, theme_id: int, *, expected_version: int | None = None) -> Theme:
    """An archived theme back in the lists, with its links and measures as they were."""
    return _set_archived(cur, actor, "restore_theme", theme_id, False, expected_version)


def _set_archived(cur: Cursor, actor: Actor, action: str, theme_id: int, archived: bool,
                  expected_version: int | None) -> Theme:
    def change(c: Cursor) -> Theme:
        store.get_theme(c, theme_id)
        store.set_theme_archived(c, theme_id, archived, expected_version=expected_version)
        return store.get_theme(c, theme_id)

    return perform(cur, actor, action, change, target=Scope(theme_id=theme_id))


# --- the demo's themes (called by actions.demo.load_demo, inside its transaction) -------------

def load_demo_themes(cur: Cursor, actor: Actor, raw_themes: list[dict], keys, themes: dict[str, int],
                     summary) -> None:
    """Give the demo's themes (``data/demo/themes.yaml``) their goals, what contributes to them,
    and their own measures with data generated from the seeds. ``keys`` maps the files' project
    and measure keys to ids; ``themes`` the theme names the projects created (name -> id);
    ``summary`` counts the measures and points saved."""
    from actions.measures import define_measure, record_data_points
    from actions.projects import create_theme
    from pdsa.demo import as_period, generate_series
    from pdsa.models import Measure

    for raw in raw_themes:
        values = {"name": raw["name"], "goal": raw.get("goal"), "description": raw.get("description")}
        if raw["name"] in themes:
            theme = update_theme(cur, actor, store.get_theme(cur, themes[raw["name"]]).model_copy(update=values))
        else:
            theme = create_theme(cur, actor, Theme(**values))
            themes[raw["name"]] = theme.id
        projects = [keys("project", key) for key in raw.get("projects", [])]
        measures = [keys("measure", key) for key in raw.get("measures", [])]
        if projects or measures:
            own = store.contributing_project_ids(cur, theme.id)
            set_theme_contributions(cur, actor, theme.id, project_ids=[*own, *projects], measure_ids=measures)
        for spec in raw.get("own_measures", []):
            fields = {k: v for k, v in spec.items() if k not in ("key", "series", "freeze_until")}
            if spec.get("freeze_until"):
                fields["freeze_until"] = as_period(spec["freeze_until"], spec["period"])
            measure = define_measure(cur, actor, Measure(theme_id=theme.id, **fields))
            keys.add("measure", spec["key"], measure.id)
            rows = generate_series(spec)
            record_data_points(cur, actor, measure.id, [
                {"entered_by": actor.name, **{k: row[k] for k in ("period", "value", "numerator", "denominator",
                                                                  "note", "excluded")}}
                for row in rows])
            summary.measures += 1
            summary.data_points += len(rows)
