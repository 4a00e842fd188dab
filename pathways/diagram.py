"""A pathway drawn as Graphviz DOT: the steps in order, coloured by sector.

Readable on a tablet (820 px): the steps run left to right in rows of at most
:data:`STEPS_PER_ROW`, and a longer pathway continues on the next row, like a line of text.
Labels are wrapped at spaces and hyphens only, so a word is never cut in two
("Universitetshospital" stays whole, on a line of its own if it must).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pathways.models import Pathway
from pdsa.core.dot import dot_label

SECTOR_COLOURS = {
    "hospital": "#d6e4f0",
    "municipality": "#dcefdc",
    "general_practice": "#fbe5d6",
    "region": "#ece2f4",
    "other": "#eeeeee",
}

STEPS_PER_ROW = 3   # three boxes and their arrows fit in 820 px at the chart's own size
LINE_WIDTH = 18     # characters per label line; a longer word keeps its own line

_AFTER_HYPHEN = re.compile(r"(?<=\w-)(?=\w)")


def wrap_words(text: str, width: int = LINE_WIDTH) -> list[str]:
    """Lines of at most ``width`` characters, broken only at spaces and after a hyphen inside a
    word ("KOL-" / "rehabilitering"); a word longer than ``width`` is kept whole on a line of
    its own."""
    lines: list[str] = []
    for word in text.split():
        for index, piece in enumerate(_AFTER_HYPHEN.split(word)):
            if lines:
                joined = lines[-1] + piece if index else f"{lines[-1]} {piece}"
                if len(joined) <= width:
                    lines[-1] = joined
                    continue
            lines.append(piece)
    return lines


def step_label_lines(*parts: str | None, width: int = LINE_WIDTH) -> list[str]:
    """The lines of one step's box: each part wrapped by :func:`wrap_words`."""
    return [line for part in parts if part for line in wrap_words(part, width)]


def pathway_dot(pathway: Pathway, *, unit_names: dict[int, str], sector_names: dict[str, str],
                problem_counts: dict[int, int] | None = None,
                problems_text: Callable[[int], str] | None = None,
                per_row: int = STEPS_PER_ROW) -> str:
    """One box per step: step name, unit, sector, and its open problems.

    ``problems_text(n)`` words a count ("1 åbent problem", "2 åbne problemer"): the page
    passes its counted text, so the diagram needs no catalogue of its own.
    """
    lines = [
        "digraph pathway {",
        '  rankdir=TB; bgcolor="transparent"; nodesep=0.35; ranksep=0.35; newrank=true;',
        ('  node [shape=box style="rounded,filled" fontname="Helvetica" fontsize=12 margin="0.1,0.06"'
         ' color="#7f8c8d"];'),
        '  edge [color="#555555" arrowsize=0.7];',
    ]
    steps = pathway.steps
    for step in steps:
        open_problems = (problem_counts or {}).get(step.id, 0)
        extra = f"⚠ {problems_text(open_problems)}" if open_problems and problems_text else None
        label = dot_label(*step_label_lines(f"{step.position}. {step.name}", unit_names.get(step.unit_id, ""),
                                            f"({sector_names[step.sector]})", extra),
                          width=10_000)  # already wrapped: dot_label only escapes and joins
        lines.append(f"  s{step.id} [label={label} fillcolor=\"{SECTOR_COLOURS[step.sector]}\"];")
    rows = [steps[i:i + per_row] for i in range(0, len(steps), max(per_row, 1))]
    for row in rows:
        lines.append("  { rank=same; " + " ".join(f"s{s.id};" for s in row) + " }")
        for before, after in zip(row, row[1:]):
            lines.append(f"  s{before.id} -> s{after.id};")
    for upper, lower in zip(rows, rows[1:]):
        # the pathway goes on from the end of one row to the start of the next ...
        lines.append(f"  s{upper[-1].id} -> s{lower[0].id} [weight=0];")
        # ... while invisible edges keep each row's boxes under the row above (a grid, not a staircase)
        for above, below in zip(upper, lower):
            lines.append(f"  s{above.id} -> s{below.id} [style=invis weight=10];")
    lines.append("}")
    return "\n".join(lines)
