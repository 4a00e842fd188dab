"""The to-do list of the team's home page: counted headings, each item a link to the thing.

The lists come from :mod:`pdsa.store.todo`; here they are only put into words.
"""

from __future__ import annotations

import streamlit as st

from datetime import date

from pdsa.core.periods import period_label
from pdsa.store.todo import CommentTodo, CycleTodo, MeasureTodo, ObservationTodo, ProblemTodo, Todo
from ui.format import fmt_date, label
from ui.plain import plain
from ui.state import language, t, tn

_QUOTE_CHARS = 90  # an observation's words shown in its link, at most


def show_todo(todo: Todo, *, several_projects: bool = True) -> None:
    """Every group that has something in it, most urgent first; a kind sentence when none has.
    Each item names its project unless the person has only one (``several_projects``)."""
    st.subheader(t("home.todo_heading"))
    if not todo.count:
        st.success(t("home.nothing_to_do"), icon=":material/task_alt:")
        return
    st.caption(tn("home.todo_count", todo.count))
    project = _project if several_projects else (lambda title: "")
    _group("home.overdue_heading", todo.overdue_cycles, lambda c: _overdue_cycle(c, project))
    _group("home.studied_heading", todo.studied_too_long, lambda c: _studied_cycle(c, project))
    _group("home.measures_heading", todo.measures_without_data, lambda m: _measure(m, project))
    _group("home.problems_heading", todo.new_problems, _problem)
    _group("home.observations_heading", todo.new_observations, _observation)
    _group("patients_home.comments_heading", todo.unanswered_comments, lambda c: _comment(c, project))


def _project(title: str) -> str:
    """The project an item belongs to, before the rest of its line."""
    return f"{plain(title, one_line=True)} · "


def _caption(text: str) -> None:
    """A line under an item; it begins with a capital also when no project name comes first."""
    st.caption(text[:1].upper() + text[1:])


def _period(day: date, period: str) -> str:
    """A period as a reader of the language says it: "uge 47 2026", "nov. 2026", a date."""
    return fmt_date(day) if period == "day" else period_label(day, period, language())


def _group(heading: str, items: list, show) -> None:
    if not items:
        return
    st.markdown(f"##### {tn(heading, len(items))}")
    for item in items:
        with st.container(border=True):
            show(item)


def _cycle_link(cycle: CycleTodo, icon: str) -> None:
    st.page_link("views/projects.py", label=t("home.open_cycle", label=cycle.label, title=plain(cycle.title, one_line=True)),
                 icon=icon, query_params={"project": cycle.project_id, "cycle": cycle.cycle_id})


def _overdue_cycle(cycle: CycleTodo, project) -> None:
    _cycle_link(cycle, ":material/schedule:")
    _caption(t("home.overdue_hint", project=project(cycle.project_title), date=fmt_date(cycle.since),
               ago=tn("home.days_ago", cycle.days)))


def _studied_cycle(cycle: CycleTodo, project) -> None:
    _cycle_link(cycle, ":material/query_stats:")
    _caption(t("home.studied_hint", project=project(cycle.project_title), date=fmt_date(cycle.since),
               ago=tn("home.days_ago", cycle.days)))


def _measure(measure: MeasureTodo, project) -> None:
    st.page_link("views/projects.py", label=plain(measure.name, one_line=True), icon=":material/monitoring:",
                 query_params={"project": measure.project_id, "measure": measure.measure_id})
    name = project(measure.project_title)
    if measure.is_event_measure:
        if measure.last_period is None:
            _caption(t("home.event_never_hint", project=name))
        else:
            _caption(t("home.event_hint", project=name, last=fmt_date(measure.last_period),
                       expected=fmt_date(measure.expected_from)))
        return
    if measure.last_period is None:
        _caption(t("home.measure_never_hint", project=name))
    else:
        _caption(t("home.measure_hint", project=name,
                   last=_period(measure.last_period, measure.period),
                   expected=_period(measure.expected_from, measure.period)))


def _problem(problem: ProblemTodo) -> None:
    st.page_link("views/problems.py", label=plain(problem.title, one_line=True), icon=":material/report:",
                 query_params={"problem": problem.problem_id})
    st.caption(t("home.problem_hint", pathway=plain(problem.pathway_name, one_line=True),
                 source=label("source", problem.source), date=fmt_date(problem.reported_on)))


def _observation(observation: ObservationTodo) -> None:
    words = " ".join(observation.text.split())
    if len(words) > _QUOTE_CHARS:
        words = words[:_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    quoted = t("home.quote", text=plain(words, one_line=True))
    if observation.project_id is not None:
        params = {"project": observation.project_id}
        if observation.cycle_id is not None:
            params["cycle"] = observation.cycle_id
        st.page_link("views/projects.py", label=quoted, icon=":material/record_voice_over:", query_params=params)
        where = observation.project_title
    elif observation.problem_id is not None:
        st.page_link("views/problems.py", label=quoted, icon=":material/record_voice_over:",
                     query_params={"problem": observation.problem_id})
        where = observation.pathway_name
    else:
        st.page_link("views/pathways.py", label=quoted, icon=":material/record_voice_over:",
                     query_params={"pathway": observation.pathway_id})
        where = observation.pathway_name
    who = plain(observation.author_role, one_line=True) if observation.author_role else t("home.anonymous")
    st.caption(t("home.observation_hint", who=who, kind=label("observation_kind", observation.kind),
                 date=fmt_date(observation.observed_on), where=plain(where or "", one_line=True)))


def _comment(comment: CommentTodo, project) -> None:
    """A comment on a cycle from a patient partner, a patient representative or others outside
    the working team, not yet answered: its words link to the cycle, where the team answers."""
    words = " ".join(comment.text.split())
    if len(words) > _QUOTE_CHARS:
        words = words[:_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    st.page_link("views/projects.py", label=t("home.quote", text=plain(words, one_line=True)), icon=":material/forum:",
                 query_params={"project": comment.project_id, "cycle": comment.cycle_id})
    _caption(t("patients_home.comments_hint", project=project(comment.project_title),
               cycle=plain(comment.cycle_title, one_line=True),
               role=t(f"patients_home.comment_role.{comment.author_role}"),
               stage=t(f"patients_home.comment_stage.{comment.stage}"), date=fmt_date(comment.written_on)))
