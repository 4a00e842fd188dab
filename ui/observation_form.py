"""Patients' and relatives' words in their own words: the form that adds an observation or a
problem in under a minute, and the controls to edit or withdraw one's own observation.

The form asks for the words, what they concern (a step of a pathway, a project or a PDSA
cycle the person may reach; pre-chosen when the page knows it), the author's role — patient,
relative, patient partner; never a name — and, if wanted, the date. A text holding a CPR
number is refused and the form says what to remove without repeating it. Every save runs in
its button's ``on_click``, keeps its outcome in session_state and shows it on the rerun; the
form's keys stay the same, so a refused text stays in place to be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    add_observation,
    can,
    edit_observation,
    link_observation,
    register_problem,
    restore_observation,
    withdraw_observation,
)
from actions.actor import Actor
from actions.permissions import Scope
from pathways.models import Problem
from pathways.store import list_pathways
from pdsa.core.db import DatabaseError
from pdsa.core.fields import contains_cpr
from pdsa.core.vocabulary import OBSERVATION_KINDS
from pdsa.models import Observation
from pdsa.store.cycles import list_cycles
from pdsa.store.projects import list_projects
from ui.actor import current_actor
from ui.errors import reason
from ui.format import fmt_date, fmt_datetime, label
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t
from ui.visibility import visible_pathway_ids, visible_projects

# The roles words are written in: a person is never named.
AUTHOR_ROLES: tuple[str, ...] = ("patient", "relative", "patient_partner")
STAFF_ROLE = "staff"
PROBLEM = "problem"  # the fourth choice beside the observation kinds: a problem to be solved
KINDS: tuple[str, ...] = (*OBSERVATION_KINDS, PROBLEM)
_TITLE_CHARS = 80  # a problem's title: the first words of the text
NOTICE = "patient-voice-notice"  # a withdrawal told where the form is next drawn


@dataclass(frozen=True)
class Place:
    """What the words concern: a pathway (or one of its steps), a project or a PDSA cycle."""

    label: str
    pathway_id: int
    step_id: int | None = None
    project_id: int | None = None
    cycle_id: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope(pathway_id=self.pathway_id, project_id=self.project_id)


def role_words() -> dict[str, str]:
    """The roles in the reader's language, as the observation stores them."""
    return {role: t(f"patient_voice.role.{role}") for role in (*AUTHOR_ROLES, STAFF_ROLE)}


def author_role_text(observation: Observation) -> str:
    """Who wrote the words, as a role on one line (never a name)."""
    return plain(observation.author_role, one_line=True) if observation.author_role else t("observations.anonymous")


def places(cur, actor: Actor | None, *, pathway_id: int | None = None, project_id: int | None = None,
           cycle_id: int | None = None) -> dict[str, Place]:
    """What the person may write about, keyed "pathway:1", "step:4", "project:2", "cycle:9".

    A cycle narrows the choice to its project and that project's cycles; a project to itself and
    its cycles; a pathway to its steps, projects and cycles; none: everything the person reaches.
    """
    if actor is None:
        return {}
    all_projects = list_projects(cur)
    pathways = list_pathways(cur)
    shown = visible_pathway_ids(actor, pathways, all_projects)
    projects = [p for p in visible_projects(actor, all_projects) if p.pathway_id in shown]
    cycles = [c for c in list_cycles(cur) if c.project_id in {p.id for p in projects}]
    if cycle_id is not None:
        project_id = next((c.project_id for c in cycles if c.id == cycle_id), project_id)
    if project_id is not None:
        projects = [p for p in projects if p.id == project_id]
        pathway_id = projects[0].pathway_id if projects else pathway_id
        pathways = []
    if pathway_id is not None:
        pathways = [p for p in pathways if p.id == pathway_id]
        projects = [p for p in projects if p.pathway_id == pathway_id]
    cycles = [c for c in cycles if c.project_id in {p.id for p in projects}]
    found: dict[str, Place] = {}
    for pathway in pathways:
        if pathway.id not in shown:
            continue
        found[f"pathway:{pathway.id}"] = Place(t("patient_voice.place_pathway", pathway=pathway.name), pathway.id)
        for step in pathway.steps:
            found[f"step:{step.id}"] = Place(t("patient_voice.place_step", pathway=pathway.name, step=step.name),
                                             pathway.id, step_id=step.id)
    titles = {p.id: p.title for p in projects}
    for project in projects:
        found[f"project:{project.id}"] = Place(t("patient_voice.place_project", project=project.title),
                                               project.pathway_id, project_id=project.id)
    pathway_of = {p.id: p.pathway_id for p in projects}
    for cycle in cycles:
        found[f"cycle:{cycle.id}"] = Place(
            t("patient_voice.place_cycle", cycle=cycle.title, project=titles[cycle.project_id]),
            pathway_of[cycle.project_id], project_id=cycle.project_id, cycle_id=cycle.id)
    return {k: p for k, p in found.items() if can(actor, "add_observation", p.scope)}


def _keys(key: str) -> dict[str, str]:
    return {name: f"{key}-{name}" for name in ("kind", "text", "place", "role", "date", "result")}


# What a save may run into and the person is told about (_failure); anything else is a bug and raises.
SAVE_FAILURES = (ValidationError, StaleEdit, NotAllowed, DatabaseError, ValueError, LookupError)


def _failure(exc: Exception) -> tuple[str, Any]:
    if isinstance(exc, ValidationError):
        fields: dict[str, str] = {}
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            field = "text" if field in ("title", "description") else field
            fields.setdefault(field if field in ("text", "observed_on") else "", reason(error))
        return "invalid", fields
    if isinstance(exc, StaleEdit):
        return "error", t("patient_voice.stale", who=plain(exc.changed_by or "?", one_line=True),
                          when=fmt_datetime(exc.changed_at))
    if isinstance(exc, NotAllowed):
        return "error", t("app.not_allowed")
    if isinstance(exc, DatabaseError):
        return "error", database_error_text(exc)
    if isinstance(exc, (ValueError, LookupError)):
        return "error", t("patient_voice.not_possible")
    raise exc


def _field_error(outcome: tuple[str, Any] | None, field: str) -> None:
    """The message about one field, right under it."""
    if outcome is not None and outcome[0] == "invalid" and field in outcome[1]:
        st.error(outcome[1][field], icon=":material/error:")


def _show_outcome(outcome: tuple[str, Any] | None) -> None:
    if outcome is None:
        return
    if outcome[0] == "saved":
        st.success(outcome[1], icon=":material/check_circle:")
    elif outcome[0] == "error":
        st.error(outcome[1])
    elif outcome[0] == "invalid" and "" in outcome[1]:
        st.error(t("app.not_saved") + " " + outcome[1][""])


def problem_title(text: str) -> str:
    """A problem's title from the person's words: the first line, cut at a word near 80 characters."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(first) <= _TITLE_CHARS:
        return first
    cut = first[:_TITLE_CHARS].rsplit(" ", 1)[0] or first[:_TITLE_CHARS]
    return cut.rstrip(" ,.;:–-") + " …"


def _save(key: str, choices: dict[str, Place]) -> None:
    """The Save button's on_click: check the words, run the action, keep the outcome."""
    state, keys = st.session_state, _keys(key)
    actor = current_actor()
    if actor is None:
        state[keys["result"]] = ("error", t("app.not_allowed"))
        return
    text = state.get(keys["text"]) or ""
    if not text.strip():
        state[keys["result"]] = ("invalid", {"text": t("patient_voice.text_needed")})
        return
    if contains_cpr(text):  # said without repeating the number
        state[keys["result"]] = ("invalid", {"text": t("patient_voice.cpr")})
        return
    place = choices.get(state.get(keys["place"]))
    if place is None:
        state[keys["result"]] = ("invalid", {"place": t("patient_voice.place_needed")})
        return
    role = role_words().get(state.get(keys["role"]) or "patient")
    kind = state.get(keys["kind"]) or "experience"
    day = state.get(keys["date"]) or date.today()
    try:
        if kind == PROBLEM:
            problem = Problem.model_validate({
                "title": problem_title(text), "description": text, "pathway_id": place.pathway_id,
                "step_id": place.step_id, "source": "patient_or_relative", "reported_by_role": role,
                "reported_on": day, "project_ids": [place.project_id] if place.project_id else [],
            })
            register_problem(cursor(), actor, problem)
            message = t("patient_voice.problem_saved")
        else:
            observation = Observation.model_validate({
                "text": text, "kind": kind, "author_role": role, "observed_on": day,
                "pathway_id": place.pathway_id, "step_id": place.step_id, "project_id": place.project_id,
                "cycle_id": place.cycle_id,
            })
            add_observation(cursor(), actor, observation)
            message = t("patient_voice.saved")
    except SAVE_FAILURES as exc:
        state[keys["result"]] = _failure(exc)
        return
    state[keys["text"]] = ""
    state.pop(keys["date"], None)
    state[keys["result"]] = ("saved", message)


def _default_role(actor: Actor) -> str:
    if "patient_representative" in actor.roles:
        return "patient_partner"
    return STAFF_ROLE if "staff" in actor.roles else "patient"


def show_observation_form(cur, actor: Actor | None, *, key: str, pathway_id: int | None = None,
                          project_id: int | None = None, cycle_id: int | None = None) -> None:
    """An observation or a problem in the person's own words, in under a minute; nothing is drawn
    for someone who may add words to nothing here."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    choices = places(cur, actor, pathway_id=pathway_id, project_id=project_id, cycle_id=cycle_id)
    if actor is None or not choices:
        return
    keys = _keys(key)
    state = st.session_state
    outcome = state.pop(keys["result"], None)
    preferred = next((k for k in (f"cycle:{cycle_id}", f"project:{project_id}", f"pathway:{pathway_id}")
                      if k in choices), next(iter(choices)))
    if state.get(keys["place"]) not in choices:
        state[keys["place"]] = preferred
    roles = role_words()
    offered = (*AUTHOR_ROLES, STAFF_ROLE) if "staff" in actor.roles else AUTHOR_ROLES
    if state.get(keys["role"]) not in offered:
        state[keys["role"]] = _default_role(actor) if _default_role(actor) in offered else offered[0]
    kinds = {k: t(f"patient_voice.kind.{k}") for k in KINDS}
    labels = {k: p.label for k, p in choices.items()}
    with st.form(f"{key}-form", enter_to_submit=False):
        st.caption(t("patient_voice.intro"))
        st.radio(t("patient_voice.kind_label"), KINDS, format_func=kinds.__getitem__, key=keys["kind"],
                 horizontal=True)
        st.text_area(t("patient_voice.text_label"), key=keys["text"], placeholder=t("patient_voice.text_placeholder"),
                     help=t("patient_voice.text_help"))
        _field_error(outcome, "text")
        st.selectbox(t("patient_voice.place_label"), list(choices), format_func=labels.__getitem__, key=keys["place"])
        _field_error(outcome, "place")
        left, right = st.columns(2)
        left.radio(t("patient_voice.role_label"), offered, format_func=roles.__getitem__, key=keys["role"])
        with right:
            st.date_input(t("patient_voice.date_label"), key=keys["date"], value=None, max_value=date.today(),
                          format="DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD")
            _field_error(outcome, "observed_on")
        st.form_submit_button(t("patient_voice.save"), type="primary", icon=":material/send:",
                              on_click=_save, args=(key, choices))
    _show_outcome(outcome)


# --- one's own observation: edit or withdraw ---------------------------------------------------

def _own_keys(key: str) -> dict[str, str]:
    return {name: f"{key}-{name}" for name in ("text", "kind", "role", "date", "version", "result", "confirm")}


def _fill(key: str, observation: Observation) -> None:
    keys = _own_keys(key)
    roles = {words: role for role, words in role_words().items()}
    st.session_state[keys["text"]] = observation.text
    st.session_state[keys["kind"]] = observation.kind
    st.session_state[keys["role"]] = roles.get(observation.author_role or "", "")
    st.session_state[keys["date"]] = observation.observed_on
    st.session_state[keys["version"]] = observation.version


def _save_own(key: str, observation: Observation) -> None:
    state, keys = st.session_state, _own_keys(key)
    actor = current_actor()
    text = state.get(keys["text"]) or ""
    if not text.strip():
        state[keys["result"]] = ("invalid", {"text": t("patient_voice.text_needed")})
        return
    if contains_cpr(text):
        state[keys["result"]] = ("invalid", {"text": t("patient_voice.cpr")})
        return
    role = role_words().get(state.get(keys["role"]) or "") or observation.author_role
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "edit_observation")
        changed = Observation.model_validate({
            **observation.model_dump(), "text": text, "kind": state.get(keys["kind"]) or observation.kind,
            "author_role": role, "observed_on": state.get(keys["date"]) or observation.observed_on,
            "version": state.get(keys["version"], observation.version),
        })
        saved = edit_observation(cursor(), actor, changed)
    except StaleEdit as exc:
        state[keys["version"]] = exc.current_version  # a second Save saves over theirs
        state[keys["result"]] = _failure(exc)
        return
    except SAVE_FAILURES as exc:
        state[keys["result"]] = _failure(exc)
        return
    state[keys["version"]] = saved.version
    state[keys["result"]] = ("saved", t("patient_voice.edited"))


def _ask_withdraw(key: str, asking: bool) -> None:
    st.session_state[_own_keys(key)["confirm"]] = asking


def _withdraw(key: str, observation: Observation) -> None:
    state, keys = st.session_state, _own_keys(key)
    state[keys["confirm"]] = False
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "withdraw_observation")
        withdraw_observation(cursor(), actor, observation.id,
                             expected_version=state.get(keys["version"], observation.version))
    except SAVE_FAILURES as exc:
        state[keys["result"]] = _failure(exc)
        return
    state[NOTICE] = t("patient_voice.withdrawn")


def may_change_own(actor: Actor | None, observation: Observation) -> bool:
    """The observation is the person's own, and they may still change it."""
    return (actor is not None and observation.created_by is not None and observation.created_by == actor.user_id
            and not observation.archived
            and can(actor, "edit_observation", Scope(pathway_id=observation.pathway_id,
                                                    project_id=observation.project_id,
                                                    created_by=observation.created_by)))


def show_own_observation_controls(cur, actor: Actor | None, observation: Observation, *, key: str) -> None:
    """Edit or withdraw one's own observation (withdrawing asks first, and archives it: the
    history keeps what it said). Nothing is drawn for words that are not the person's own."""
    if not may_change_own(actor, observation):
        return
    keys = _own_keys(key)
    state = st.session_state
    outcome = state.pop(keys["result"], None)
    if state.get(keys["version"]) is None or (outcome is None and state[keys["version"]] != observation.version):
        _fill(key, observation)
    kinds = {k: label("observation_kind", k) for k in OBSERVATION_KINDS}
    roles = {"": t("patient_voice.role.keep"), **{r: w for r, w in role_words().items() if r in AUTHOR_ROLES}}
    if state.get(keys["role"]) not in roles:
        state[keys["role"]] = ""
    with st.expander(t("patient_voice.change_own"), icon=":material/edit:",
                     expanded=outcome is not None or bool(state.get(keys["confirm"]))):
        with st.form(f"{key}-form", border=False, enter_to_submit=False):
            st.text_area(t("patient_voice.text_label"), key=keys["text"])
            _field_error(outcome, "text")
            left, right = st.columns(2)
            left.radio(t("patient_voice.kind_only_label"), list(kinds), format_func=kinds.__getitem__,
                       key=keys["kind"])
            left.radio(t("patient_voice.role_label"), list(roles), format_func=roles.__getitem__, key=keys["role"])
            with right:
                st.date_input(t("patient_voice.date_label"), key=keys["date"], max_value=date.today(),
                              format="DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD")
                _field_error(outcome, "observed_on")
            st.form_submit_button(t("patient_voice.save_changes"), icon=":material/save:",
                                  on_click=_save_own, args=(key, observation))
        _show_outcome(outcome)
        if state.get(keys["confirm"]):
            st.warning(t("patient_voice.withdraw_question"), icon=":material/help:")
            yes, no = st.columns(2)
            yes.button(t("patient_voice.withdraw_yes"), key=f"{key}-withdraw-yes", type="primary",
                       on_click=_withdraw, args=(key, observation), icon=":material/undo:")
            no.button(t("patient_voice.withdraw_no"), key=f"{key}-withdraw-no", on_click=_ask_withdraw,
                      args=(key, False))
        else:
            st.button(t("patient_voice.withdraw"), key=f"{key}-withdraw", on_click=_ask_withdraw, args=(key, True),
                      icon=":material/undo:")
            st.caption(t("patient_voice.withdraw_help"))


def _restore(observation: Observation) -> None:
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "restore_observation")
        restore_observation(cursor(), actor, observation.id)
    except SAVE_FAILURES as exc:
        kind, message = _failure(exc)
        st.session_state[NOTICE + "-error"] = message if kind == "error" else t("patient_voice.not_possible")
        return
    st.session_state[NOTICE] = t("patient_voice.restored")


def show_withdrawn_observations(actor: Actor | None, observations: list[Observation]) -> None:
    """Withdrawn words the person may bring back (their own; staff any), folded away."""
    mine = [o for o in observations if o.archived and actor is not None and can(
        actor, "restore_observation", Scope(pathway_id=o.pathway_id, project_id=o.project_id, created_by=o.created_by))]
    failed = st.session_state.pop(NOTICE + "-error", None)
    if failed:
        st.error(failed)
    if not mine:
        return
    with st.expander(t("patient_voice.withdrawn_heading", n=len(mine)), icon=":material/inventory_2:"):
        for observation in mine:
            st.markdown(f"“{plain(observation.text)}”")
            st.caption(observation_caption(observation))
            st.button(t("patient_voice.restore"), key=f"restore-observation-{observation.id}", icon=":material/undo:",
                      on_click=_restore, args=(observation,))


def observation_caption(observation: Observation) -> str:
    """Kind · role · date, one line under the words."""
    return " · ".join([label("observation_kind", observation.kind), author_role_text(observation),
                       fmt_date(observation.observed_on)])


# --- the team links an observation to a problem, a project or a PDSA cycle --------------------

def _link_keys(key: str) -> dict[str, str]:
    return {name: f"{key}-{name}" for name in ("problem", "project", "cycle", "version", "result")}


def may_link(actor: Actor | None, observation: Observation) -> bool:
    return actor is not None and can(actor, "link_observation", Scope(pathway_id=observation.pathway_id,
                                                                      project_id=observation.project_id))


def _save_links(key: str, observation: Observation, cycle_projects: dict[int, int]) -> None:
    state, keys = st.session_state, _link_keys(key)
    problem, project, cycle = (state.get(keys[name]) or None for name in ("problem", "project", "cycle"))
    if cycle is not None and project is not None and cycle_projects.get(cycle) != project:
        state[keys["result"]] = ("invalid", {"cycle": t("patient_voice.link_cycle_other_project")})
        return
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "link_observation")
        saved = link_observation(cursor(), actor, observation.id, problem_id=problem, project_id=project,
                                 cycle_id=cycle, expected_version=state.get(keys["version"], observation.version))
    except StaleEdit as exc:
        state[keys["version"]] = exc.current_version
        state[keys["result"]] = _failure(exc)
        return
    except SAVE_FAILURES as exc:
        state[keys["result"]] = _failure(exc)
        return
    state[keys["version"]] = saved.version
    state[keys["project"]] = saved.project_id or 0
    state[keys["result"]] = ("saved", t("patient_voice.linked"))


def linked_to_text(observation: Observation, problems: dict[int, str], projects: dict[int, str],
                   cycles: dict[int, str]) -> str:
    """"Linked to: the problem «…», the test «…»" — or "" when linked to nothing."""
    links = []
    if observation.problem_id in problems:
        links.append(t("patient_voice.link_problem_word", title=problems[observation.problem_id]))
    if observation.cycle_id in cycles:
        links.append(t("patient_voice.link_cycle_word", title=cycles[observation.cycle_id]))
    elif observation.project_id in projects:
        links.append(t("patient_voice.link_project_word", title=projects[observation.project_id]))
    return t("patient_voice.linked_to", links=", ".join(plain(link, one_line=True) for link in links)) if links else ""


def show_observation_links(actor: Actor | None, observation: Observation, *, key: str, problems: dict[int, str],
                           projects: dict[int, str], cycles: dict[int, tuple[str, int]]) -> None:
    """A small form: link the observation to a problem, a project or a PDSA cycle of its pathway
    (``problems``/``projects`` id → title; ``cycles`` id → (title, project id)). For the team."""
    if not may_link(actor, observation):
        return
    keys, state = _link_keys(key), st.session_state
    outcome = state.pop(keys["result"], None)
    if state.get(keys["version"]) is None or (outcome is None and state[keys["version"]] != observation.version):
        state[keys["problem"]] = observation.problem_id if observation.problem_id in problems else 0
        state[keys["project"]] = observation.project_id if observation.project_id in projects else 0
        state[keys["cycle"]] = observation.cycle_id if observation.cycle_id in cycles else 0
        state[keys["version"]] = observation.version
    none = t("patient_voice.link_none")
    problem_names = {0: none, **problems}
    project_names = {0: none, **projects}
    cycle_names = {0: none, **{i: f"{title} ({projects.get(p, '')})" for i, (title, p) in cycles.items()}}
    with st.expander(t("patient_voice.link_heading"), icon=":material/link:", expanded=outcome is not None):
        with st.form(f"{key}-form", border=False, enter_to_submit=False):
            st.selectbox(t("patient_voice.link_problem"), list(problem_names), format_func=problem_names.__getitem__,
                         key=keys["problem"])
            st.selectbox(t("patient_voice.link_project"), list(project_names), format_func=project_names.__getitem__,
                         key=keys["project"])
            st.selectbox(t("patient_voice.link_cycle"), list(cycle_names), format_func=cycle_names.__getitem__,
                         key=keys["cycle"])
            _field_error(outcome, "cycle")
            st.form_submit_button(t("patient_voice.link_save"), icon=":material/link:", on_click=_save_links,
                                  args=(key, observation, {i: p for i, (_, p) in cycles.items()}))
        _show_outcome(outcome)
