"""Graphviz DOT text shared by the driver diagram and the pathway diagram."""

from __future__ import annotations

import textwrap


def dot_label(*lines: str | None, width: int) -> str:
    """A quoted DOT label: each line wrapped to width and escaped, joined by DOT's own \\n.

    Escaping happens before joining, so a backslash typed by a user stays a backslash and
    never swallows the closing quote.
    """
    parts = [part for line in lines if line for part in textwrap.wrap(line, width)]
    escaped = [part.replace("\\", "\\\\").replace('"', '\\"') for part in parts] or [" "]
    return '"' + "\\n".join(escaped) + '"'
