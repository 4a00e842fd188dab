"""Archive with a question first, and Restore from an "Archived …" list: one control for the
things a project page archives on their own card (a measure, a PDSA cycle).

* ``archive_control`` — a quiet Archive button under the card; clicking it asks ("Archive X?
  … Yes, archive / No") and only "Yes, archive" runs the action. A refusal (someone changed it
  meanwhile, not allowed, the database) is said on the card, which is still there.
* ``restore_button`` — Restore beside an archived thing's line.
* ``archive_outcome`` — above the archived list: what became of an archive or a restore
  ("X is archived", "X is back"), once.

The action runs in the button's ``on_click`` (so it has happened before the page is drawn
again) and what happened is kept in session_state for the rerun. Widget keys follow the kind:
``archive-<kind>-<id>``, ``archive-<kind>-yes-<id>``, ``archive-<kind>-no-<id>``,
``restore-<kind>-<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from actions import Actor, NotAllowed, StaleEdit
from pdsa.core.db import DatabaseError
from ui.actor import current_actor
from ui.format import fmt_datetime
from ui.plain import plain
from ui.state import cursor, database_error_text, t

# the action, called as action(cur, actor, item_id, expected_version=version)
Action = Callable[..., object]


@dataclass(frozen=True)
class Archivable:
    """One thing that can be archived and restored, and the words for it (catalogue keys)."""

    kind: str  # "measure", "cycle": part of every key
    item_id: int
    version: int
    name: str  # as typed by the user (escaped here)
    group: object  # what the archived list belongs to (a project id): where the outcome is said
    archive: Action
    restore: Action
    archive_label: str  # catalogue keys
    question: str  # takes {name}
    archived_text: str  # takes {name}
    restored_text: str  # takes {name}


def _ask_key(item: Archivable) -> str:
    return f"{item.kind}-archive-ask-{item.item_id}"


def _problem_key(item: Archivable) -> str:
    return f"{item.kind}-archive-problem-{item.item_id}"


def _outcome_key(kind: str, group: object) -> str:
    return f"{kind}-archive-outcome-{group}"


def _set(key: str, value: bool) -> None:
    st.session_state[key] = value


def archive_control(item: Archivable, *, may: bool) -> None:
    """A quiet Archive button; clicking it asks first, and only "Yes, archive" archives. Nothing
    for those who may not (``may``)."""
    if not may:
        return
    problem = st.session_state.pop(_problem_key(item), None)
    if problem:
        st.error(problem)
    if not st.session_state.get(_ask_key(item)):
        st.button(t(item.archive_label), key=f"archive-{item.kind}-{item.item_id}", type="tertiary",
                  icon=":material/archive:", on_click=_set, args=(_ask_key(item), True))
        return
    st.warning(t(item.question, name=plain(item.name, one_line=True)))
    row = st.container(horizontal=True)
    row.button(t("measure_forms.archive_yes"), key=f"archive-{item.kind}-yes-{item.item_id}", type="primary",
               on_click=_change_archived, args=(item, True))
    row.button(t("measure_forms.archive_no"), key=f"archive-{item.kind}-no-{item.item_id}",
               on_click=_set, args=(_ask_key(item), False))


def restore_button(where, item: Archivable, *, may: bool) -> None:
    """Restore beside an archived thing's line (``where``: the row's container)."""
    if may:
        where.button(t("measure_forms.restore"), key=f"restore-{item.kind}-{item.item_id}",
                     icon=":material/unarchive:", on_click=_change_archived, args=(item, False))


def archive_outcome(kind: str, group: object) -> None:
    """What became of the last archive or restore of this kind in this group, said once."""
    outcome = st.session_state.pop(_outcome_key(kind, group), None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])


def _change_archived(item: Archivable, archived: bool) -> None:
    """on_click of "Yes, archive" and of Restore: run the action, keep what happened for the rerun."""
    st.session_state.pop(_ask_key(item), None)
    actor: Actor | None = current_actor()
    name = plain(item.name, one_line=True)
    problem = None
    try:
        if actor is None:
            problem = t("app.not_allowed")
        else:
            (item.archive if archived else item.restore)(cursor(), actor, item.item_id,
                                                         expected_version=item.version)
    except StaleEdit as exc:
        problem = t("measure_forms.changed_meanwhile", who=plain(exc.changed_by or "?"), name=name,
                    when=fmt_datetime(exc.changed_at))
    except NotAllowed:
        problem = t("app.not_allowed")
    except DatabaseError as exc:
        problem = database_error_text(exc)
    if problem is not None and archived:
        st.session_state[_problem_key(item)] = problem  # said on the card, which is still there
        return
    if problem is not None:
        st.session_state[_outcome_key(item.kind, item.group)] = ("error", problem)  # above the archived list
        return
    st.session_state[_outcome_key(item.kind, item.group)] = (
        "success", t(item.archived_text if archived else item.restored_text, name=name))
