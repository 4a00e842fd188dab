"""Comments on PDSA cycles and the team's answers (table cycle_comment, migration 011).

A comment is written at one of the cycle's stages; an answer names the comment it answers
(``reply_to``) and is written at that comment's stage. Archived comments are hidden unless asked.
"""

from __future__ import annotations

from pdsa.core.audit import insert_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import CycleComment

_COLUMNS = ("cycle_id", "stage", "text", "author_id", "author_name", "author_role", "reply_to", "created_at",
            "version", "archived")


def add_comment(cur, comment: CycleComment) -> int:
    """Save a comment (or an answer: ``reply_to`` must be a comment on the same cycle)."""

    def change(c) -> int:
        values = comment.model_dump(exclude={"id", "version", "archived", "created_at"})
        if comment.reply_to is not None:
            answered = c.execute("SELECT cycle_id, stage FROM cycle_comment WHERE id = ?",
                                 [comment.reply_to]).fetchone()
            if answered is None or answered[0] != comment.cycle_id:
                raise ValueError("reply_to: the comment answered belongs to another cycle")
            values["stage"] = answered[1]
        if c.execute("SELECT 1 FROM pdsa_cycle WHERE id = ?", [comment.cycle_id]).fetchone() is None:
            raise LookupError(f"PDSA cycle {comment.cycle_id} does not exist")
        return insert_audited(c, "cycle_comment", values)

    return write(cur, change)


def get_comment(cur, comment_id: int) -> CycleComment:
    rows = fetch_records(cur, f"SELECT id, {', '.join(_COLUMNS)} FROM cycle_comment WHERE id = ?", [comment_id])
    if not rows:
        raise LookupError(f"comment {comment_id} does not exist")
    return CycleComment(**rows[0])


def list_comments(cur, cycle_ids: list[int], *, include_archived: bool = False) -> list[CycleComment]:
    """The comments on these cycles, oldest first (answers among them, each naming its comment)."""
    if not cycle_ids:
        return []
    rows = fetch_records(
        cur,
        f"SELECT id, {', '.join(_COLUMNS)} FROM cycle_comment"
        " WHERE cycle_id IN (SELECT unnest(CAST(? AS INTEGER[])))"
        " AND (CAST(? AS BOOLEAN) OR NOT archived) ORDER BY id",
        [list(cycle_ids), include_archived],
    )
    return [CycleComment(**r) for r in rows]

