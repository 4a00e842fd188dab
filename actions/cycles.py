"""What people do with PDSA cycles: plan one (a new ramp or the next cycle of one), fill it in."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import CycleComment, PdsaCycle
from pdsa.store import cycle_comments as comments
from pdsa.store import cycles as store


def start_cycle(cur: Cursor, actor: Actor, cycle: PdsaCycle) -> PdsaCycle:
    """Plan a cycle; with ``parent_id`` it is the next cycle of that ramp."""
    cycle = cycle.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "start_cycle", lambda c: store.get_cycle(c, store.add_cycle(c, cycle)),
                   target=Scope(project_id=cycle.project_id))


def update_cycle(cur: Cursor, actor: Actor, cycle: PdsaCycle) -> PdsaCycle:
    """Save the worksheet as the user filled it in, on the version they saw (``cycle.version``)."""

    def change(c: Cursor) -> PdsaCycle:
        stored = store.get_cycle(c, cycle.id)
        if stored.project_id != cycle.project_id or stored.parent_id != cycle.parent_id:
            raise ValueError("project_id: a cycle stays in its project and its place in the ramp")
        store.update_cycle(c, cycle)
        return store.get_cycle(c, cycle.id)

    return perform(cur, actor, "update_cycle", change,
                   target=lambda c: Scope(project_id=store.get_cycle(c, cycle.id).project_id))


# slice: measures — archive and restore
def archive_cycle(cur: Cursor, actor: Actor, cycle_id: int, *, expected_version: int | None = None) -> PdsaCycle:
    """The cycle leaves the PDSA list and the charts' annotations; nothing is deleted, and
    restore_cycle brings it back as it was."""
    return _set_archived(cur, actor, "archive_cycle", cycle_id, True, expected_version)


def restore_cycle(cur: Cursor, actor: Actor, cycle_id: int, *, expected_version: int | None = None) -> PdsaCycle:
    """An archived cycle back in its project's PDSA list (one not archived stays as it is)."""
    return _set_archived(cur, actor, "restore_cycle", cycle_id, False, expected_version)


def _set_archived(cur: Cursor, actor: Actor, action: str, cycle_id: int, archived: bool,
                  expected_version: int | None) -> PdsaCycle:
    def change(c: Cursor) -> PdsaCycle:
        store.set_cycle_archived(c, cycle_id, archived, expected_version=expected_version)
        return store.get_cycle(c, cycle_id)

    return perform(cur, actor, action, change,
                   target=lambda c: Scope(project_id=store.get_cycle(c, cycle_id).project_id))


# slice: worksheet — comments on a cycle and the team's answers
_ROLE_ORDER = ("lead", "member", "patient_partner", "sponsor")


def comment_role(actor: Actor, project_id: int) -> str:
    """The role a comment is shown with: the actor's role in the project's team, else the
    role they hold in the app (a patient representative attached to the pathway, staff …)."""
    team = actor.project_roles.get(project_id, frozenset())
    for role in _ROLE_ORDER:
        if role in team:
            return role
    for role in ("patient_representative", "staff", "administrator"):
        if role in actor.roles:
            return role
    return "member"


def _cycle_scope(cur: Cursor, cycle_id: int) -> Scope:
    """A cycle's project, and the project's pathway (a patient representative attached to it)."""
    cycle = store.get_cycle(cur, cycle_id)
    row = cur.execute("SELECT pathway_id FROM project WHERE id = ?", [cycle.project_id]).fetchone()
    return Scope(project_id=cycle.project_id, pathway_id=row[0] if row else None)


def comment_on_cycle(cur: Cursor, actor: Actor, cycle_id: int, stage: str, text: str) -> CycleComment:
    """Comment on a cycle at a stage ("plan": what should the team think of; "study": did it
    make a difference). The team, its patient partners and patient representatives attached to
    the project's pathway may; the comment is shown with the author's role. Raises
    pydantic.ValidationError for an empty text, a text with a CPR number or an unknown stage."""

    def change(c: Cursor) -> CycleComment:
        project_id = store.get_cycle(c, cycle_id).project_id
        comment = CycleComment(cycle_id=cycle_id, stage=stage, text=text, author_id=actor.user_id,
                               author_name=actor.name, author_role=comment_role(actor, project_id))
        return comments.get_comment(c, comments.add_comment(c, comment))

    CycleComment(cycle_id=cycle_id, stage=stage, text=text, author_name="?", author_role="member")
    return perform(cur, actor, "comment_on_cycle", change, target=lambda c: _cycle_scope(c, cycle_id))


def answer_cycle_comment(cur: Cursor, actor: Actor, comment_id: int, text: str) -> CycleComment:
    """The team's answer to a comment on one of its cycles, shown under the comment."""

    def answered(c: Cursor) -> CycleComment:
        return comments.get_comment(c, comment_id)

    def change(c: Cursor) -> CycleComment:
        comment = answered(c)
        project_id = store.get_cycle(c, comment.cycle_id).project_id
        answer = CycleComment(cycle_id=comment.cycle_id, stage=comment.stage, text=text, author_id=actor.user_id,
                              author_name=actor.name, author_role=comment_role(actor, project_id),
                              reply_to=comment.id)
        return comments.get_comment(c, comments.add_comment(c, answer))

    CycleComment(cycle_id=0, stage="plan", text=text, author_name="?", author_role="member")
    return perform(cur, actor, "answer_cycle_comment", change,
                   target=lambda c: _cycle_scope(c, answered(c).cycle_id))
