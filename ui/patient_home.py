"""The patient representative's home page: plain words, nothing statistical.

What they follow (their projects and pathways), a form to add words of their own, what the
teams are testing right now (one sentence from each cycle's plan) with a question to answer
from the patient's side, and "you said – we did": what became of what they, and the patients
and relatives on their pathways, said. Read through :mod:`pdsa.store.trail`; comments are
saved through ``comment_on_cycle``; observations through the observation form
(:mod:`ui.observation_form`). A person is never named: comments and words are shown with a role.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from actions import NotAllowed, can, comment_on_cycle
from actions.actor import Actor
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.models import CycleComment
from pdsa.store.cycle_comments import list_comments
from pdsa.store.observations import get_observation
from pdsa.store.todo import pathway_names
from pdsa.store.trail import (
    CommentThread,
    CycleNow,
    FollowedProject,
    TrailItem,
    TrailStep,
    cycles_now,
    followed_projects,
    own_comments,
    trail,
)
from ui.actor import current_actor
from ui.errors import problems
from ui.format import fmt_date, label
from ui.observation_form import show_observation_form, show_own_observation_controls
from ui.plain import plain
from ui.state import cursor, database_error_text, t, tn

SHOWN_FIRST = 10        # items of "you said – we did" shown before "older"
_QUOTE_CHARS = 240      # the words quoted, at most
_QUESTION_STAGE = {"planning": "plan", "studying": "study"}  # the cycles the person is asked about


def is_patient_home(actor: Actor, working_roles: frozenset[str]) -> bool:
    """True for someone whose only role is patient representative, or a patient partner on a
    team who holds no working role (lead, member, sponsor) on any project."""
    if any(roles & working_roles for roles in actor.project_roles.values()):
        return False
    partner = any("patient_partner" in roles for roles in actor.project_roles.values())
    return actor.roles == {"patient_representative"} or partner


def show_patient_home(cur, actor: Actor) -> None:
    st.caption(t("patients_home.purpose"))
    partner_of = [p for p, roles in actor.project_roles.items() if "patient_partner" in roles]
    projects = followed_projects(cur, partner_of, actor.attached_pathways)
    pathways = pathway_names(cur, set(actor.attached_pathways) | {p.pathway_id for p in projects})
    if not projects and not pathways:
        st.info(t("patients_home.nothing"))
        return
    _followed(projects, pathways)
    _add_words(cur, actor)
    cycles = cycles_now(cur, projects)
    comments = list_comments(cur, [c.id for c in cycles])
    _testing_now(actor, [c for c in cycles if c.stage in ("planning", "doing")], comments, pathways_of(projects))
    _made_a_difference(actor, [c for c in cycles if c.stage == "studying"], comments, pathways_of(projects))
    _earlier_comments(own_comments(cur, actor.user_id, leave_out=[c.id for c in cycles]))
    _you_said_we_did(cur, actor, trail(cur, user_id=actor.user_id, pathway_ids=pathways,
                                       project_ids=[p.id for p in projects]))


def pathways_of(projects: list[FollowedProject]) -> dict[int, int]:
    return {p.id: p.pathway_id for p in projects}


# --- what they follow --------------------------------------------------------------------------

def _followed(projects: list[FollowedProject], pathways: dict[int, str]) -> None:
    st.subheader(t("patients_home.followed_heading"))
    for project in projects:
        with st.container(border=True):
            st.page_link("views/projects.py", label=f"**{plain(project.title, one_line=True)}**",
                         icon=":material/flag:", query_params={"project": project.id})
            st.caption(t("patients_home.project_line", pathway=plain(project.pathway_name, one_line=True),
                         status=label("project_status", project.status),
                         role=t("patients_home.you_are_partner") if project.partner
                         else t("patients_home.on_your_pathway")))
            st.markdown(t("patients_home.project_aim", what=plain(project.aim_what, one_line=True)))
    for pathway_id, name in pathways.items():
        st.page_link("views/pathways.py", label=plain(name, one_line=True), icon=":material/route:",
                     query_params={"pathway": pathway_id})


def _add_words(cur, actor: Actor) -> None:
    st.subheader(t("patients_home.add_heading"))
    with st.expander(t("patients_home.add_observation"), icon=":material/edit_note:",
                     expanded=bool(st.session_state.get("patient-home-words-result"))):
        show_observation_form(cur, actor, key="patient-home-words")


# --- the cycles: what is tested, and did it make a difference ---------------------------------

def _testing_now(actor: Actor, cycles: list[CycleNow], comments: list[CycleComment],
                 pathway_of: dict[int, int]) -> None:
    st.subheader(t("patients_home.now_heading"))
    if not cycles:
        st.info(t("patients_home.nothing_now"))
        return
    st.caption(t("patients_home.now_intro"))
    for cycle in cycles:
        _cycle(actor, cycle, comments, pathway_of)


def _made_a_difference(actor: Actor, cycles: list[CycleNow], comments: list[CycleComment],
                       pathway_of: dict[int, int]) -> None:
    if not cycles:
        return
    st.subheader(t("patients_home.difference_heading"))
    st.caption(t("patients_home.difference_intro"))
    for cycle in cycles:
        _cycle(actor, cycle, comments, pathway_of)


def _cycle(actor: Actor, cycle: CycleNow, comments: list[CycleComment], pathway_of: dict[int, int]) -> None:
    with st.container(border=True, key=f"patient-home-cycle-{cycle.id}"):
        st.markdown(f"**{plain(cycle.sentence, one_line=True)}**")
        if cycle.stage == "planning":
            when = t("patients_home.stage.planning")
        elif cycle.stage == "doing":
            when = t("patients_home.stage.doing", date=fmt_date(cycle.do_start)) if cycle.do_start \
                else t("patients_home.stage.doing_undated")
        else:
            when = t("patients_home.stage.studying")
        st.caption(f"{plain(cycle.project_title, one_line=True)} · {when}")
        st.page_link("views/projects.py", label=t("patients_home.open_cycle", title=plain(cycle.title, one_line=True)),
                     icon=":material/open_in_new:", query_params={"project": cycle.project_id, "cycle": cycle.id})
        _comments(cycle, comments)
        stage = _QUESTION_STAGE.get(cycle.stage)
        scope = Scope(project_id=cycle.project_id, pathway_id=pathway_of.get(cycle.project_id))
        if stage is not None and can(actor, "comment_on_cycle", scope):
            _comment_form(cycle, stage)


def _day(comment: CycleComment) -> str:
    return fmt_date(comment.created_at.date() if comment.created_at else None)


def _thread(comment: CycleComment, answers: list[CycleComment]) -> None:
    """A comment with its role and day, and the team's answers under it (never a name)."""
    st.markdown(t("patients_home.comment_line", role=t(f"patients_home.comment_role.{comment.author_role}"),
                  date=_day(comment), text=plain(comment.text)))
    for answer in answers:
        st.markdown("> " + t("patients_home.answer_line", date=_day(answer), text=plain(answer.text)))
    if not answers:
        st.caption(t("patients_home.no_answer_yet"))


def _comments(cycle: CycleNow, comments: list[CycleComment]) -> None:
    for comment in [c for c in comments if c.cycle_id == cycle.id and c.reply_to is None]:
        _thread(comment, [c for c in comments if c.reply_to == comment.id])


def _earlier_comments(threads: list[CommentThread]) -> None:
    """The person's comments on cycles no longer being tested, with the answers and the decision."""
    if not threads:
        return
    st.subheader(t("patients_home.earlier_comments_heading"))
    for thread in threads:
        with st.container(border=True, key=f"patient-home-thread-{thread.comment.id}"):
            st.page_link("views/projects.py",
                         label=t("patients_home.open_cycle", title=plain(thread.cycle_title, one_line=True)),
                         icon=":material/open_in_new:",
                         query_params={"project": thread.project_id, "cycle": thread.comment.cycle_id})
            st.caption(plain(thread.project_title, one_line=True))
            _thread(thread.comment, list(thread.answers))
            if thread.decision:
                st.caption(t(f"patients_home.step.{thread.decision}", name=plain(thread.cycle_title, one_line=True)))


def _comment_key(cycle_id: int) -> str:
    return f"patient-home-comment-{cycle_id}"


def _comment_form(cycle: CycleNow, stage: str) -> None:
    key = _comment_key(cycle.id)
    outcome = st.session_state.pop(key + "-outcome", None)
    with st.form(f"{key}-form", border=False, enter_to_submit=False):
        st.text_area(t(f"patients_home.question.{stage}"), key=key, height=80)
        if outcome and outcome.get("field"):
            st.error(outcome["field"], icon=":material/error:")
        st.form_submit_button(t("patients_home.send_comment"), icon=":material/send:", on_click=_send,
                              args=(cycle.id, stage))
    if outcome and outcome.get("problem"):
        st.error(outcome["problem"])
    if outcome and outcome.get("success"):
        st.success(outcome["success"], icon=":material/check_circle:")


def _send(cycle_id: int, stage: str) -> None:
    """The Send button's on_click: save the comment, keep what happened for the rerun."""
    key = _comment_key(cycle_id)
    state = st.session_state
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "comment_on_cycle")
        comment_on_cycle(cursor(), actor, cycle_id, stage, state.get(key) or "")
    except ValidationError as exc:
        state[key + "-outcome"] = {"field": t("app.not_saved") + " " + " ".join(text for _, text in problems(exc))}
        return
    except NotAllowed:
        state[key + "-outcome"] = {"problem": t("app.not_allowed")}
        return
    except DatabaseError as exc:
        state[key + "-outcome"] = {"problem": database_error_text(exc)}
        return
    except (ValueError, LookupError):
        state[key + "-outcome"] = {"problem": t("patients_home.comment_not_possible")}
        return
    state[key] = ""
    state[key + "-outcome"] = {"success": t("patients_home.comment_saved")}


# --- you said – we did -------------------------------------------------------------------------

def _you_said_we_did(cur, actor: Actor, items: list[TrailItem]) -> None:
    st.subheader(t("patients_home.trail_heading"))
    if not items:
        st.info(t("patients_home.trail_empty"))
        return
    st.caption(t("patients_home.trail_intro"))
    for item in items[:SHOWN_FIRST]:
        _item(cur, actor, item)
    if len(items) > SHOWN_FIRST:
        with st.expander(tn("patients_home.trail_older", len(items) - SHOWN_FIRST)):
            for item in items[SHOWN_FIRST:]:
                _item(cur, actor, item)


def _quote(text: str) -> str:
    words = " ".join(text.split())
    if len(words) > _QUOTE_CHARS:
        words = words[:_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return words


def _item(cur, actor: Actor, item: TrailItem) -> None:
    with st.container(border=True, key=f"patient-home-said-{item.kind}-{item.id}"):
        st.markdown(t("patients_home.said", text=plain(_quote(item.text), one_line=True)))
        who = t("patients_home.you") if item.mine else t(f"patients_home.voice_role.{item.role}")
        st.caption(t(f"patients_home.said_by.{item.kind}", who=who, pathway=plain(item.pathway_name, one_line=True)))
        st.markdown("\n".join(f"- **{fmt_date(step.on)}** · {_step(step)}" for step in item.steps))
        if item.mine and item.kind == "observation":
            show_own_observation_controls(cur, actor, get_observation(cur, item.id),
                                          key=f"patient-home-own-{item.id}")


def _step(step: TrailStep) -> str:
    """The step in words; one that had happened before the step it follows says so."""
    values = {"name": plain(step.name or "", one_line=True), "project": plain(step.project_title or "", one_line=True)}
    text = t(f"patients_home.step.{step.what}", **values)
    if step.sort_on is not None and step.on < step.sort_on:
        text += " " + t("patients_home.step_earlier")
    return text
