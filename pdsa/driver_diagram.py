"""A driver diagram drawn as Graphviz DOT: aim → primary → secondary drivers → change ideas.

Change ideas may serve several drivers, so the picture is a graph, not a tree. Primary
drivers are drawn in their order, each followed by its secondary drivers in theirs, so
Graphviz keeps the team's order from top to bottom. Labels wrap at spaces only: a long
Danish word ("Universitetshospital", "genindlæggelsesrisiko") is never broken inside.
"""

from __future__ import annotations

import textwrap

from pdsa.models import DriverDiagram

_STYLE = {
    "aim": 'shape=box style="rounded,filled" fillcolor="#1f4e79" fontcolor="white"',
    "primary": 'shape=box style="rounded,filled" fillcolor="#d6e4f0" color="#1f4e79"',
    "secondary": 'shape=box style="rounded,filled" fillcolor="#eef4fa" color="#5b8db8"',
    "idea": 'shape=note style="filled" fillcolor="#fff6d5" color="#c9a227"',
}


def _quote(text: str, width: int = 28) -> str:
    """A quoted DOT label wrapped at spaces only (a word longer than the width keeps its own
    line), escaped after wrapping so a typed backslash or quote stays literal."""
    parts = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=False, break_on_hyphens=False)
    escaped = [part.replace("\\", "\\\\").replace('"', '\\"') for part in parts] or [" "]
    return '"' + "\\n".join(escaped) + '"'


def _tree(diagram: DriverDiagram) -> list:
    primaries = sorted((d for d in diagram.drivers if d.kind == "primary"), key=lambda d: (d.position, d.id or 0))
    ordered = []
    for primary in primaries:
        ordered.append(primary)
        ordered.extend(sorted((d for d in diagram.drivers if d.kind == "secondary" and d.parent_id == primary.id),
                              key=lambda d: (d.position, d.id or 0)))
    return ordered  # a secondary driver whose primary is not drawn is left out with it


def to_dot(diagram: DriverDiagram, *, headings: tuple[str, str, str, str] | None = None) -> str:
    """DOT source, left to right. headings: column captions (aim, primary, secondary, ideas)."""
    lines = [
        "digraph driver_diagram {",
        '  rankdir=LR; nodesep=0.25; ranksep=0.6; bgcolor="transparent";',
        '  node [fontname="Helvetica" fontsize=11]; edge [color="#7f8c8d" arrowsize=0.6];',
        f"  aim [label={_quote(diagram.aim, 24)} {_STYLE['aim']}];",
    ]
    drawn = set()
    for driver in _tree(diagram):
        lines.append(f"  d{driver.id} [label={_quote(driver.text)} {_STYLE[driver.kind]}];")
        source = "aim" if driver.kind == "primary" else f"d{driver.parent_id}"
        lines.append(f"  {source} -> d{driver.id};")
        drawn.add(driver.id)
    for idea in diagram.change_ideas:
        lines.append(f"  c{idea.id} [label={_quote(idea.text)} {_STYLE['idea']}];")
        for driver_id in idea.driver_ids:
            if driver_id in drawn:  # a link to a removed driver is not drawn
                lines.append(f"  d{driver_id} -> c{idea.id};")
    if headings:
        lines.append('  node [shape=plaintext style="" fontcolor="#555555" fontsize=12];')
        lines.extend(f"  h{i} [label={_quote(text)}];" for i, text in enumerate(headings))
        lines.append("  h0 -> h1 -> h2 -> h3 [style=invis];")
    lines.append("}")
    return "\n".join(lines)
