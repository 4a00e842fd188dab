"""A pathway drawn as Graphviz DOT: the steps in order, coloured by sector."""

from __future__ import annotations

from pathways.models import Pathway
from pdsa.core.dot import dot_label

SECTOR_COLOURS = {
    "hospital": "#d6e4f0",
    "municipality": "#dcefdc",
    "general_practice": "#fbe5d6",
    "region": "#ece2f4",
    "other": "#eeeeee",
}


def pathway_dot(pathway: Pathway, *, unit_names: dict[int, str], sector_names: dict[str, str],
                problem_counts: dict[int, int] | None = None, problems_word: str = "") -> str:
    """Left to right, one box per step: step name, unit, sector, and its open problems."""
    lines = [
        "digraph pathway {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.3; ranksep=0.22;',
        '  node [shape=box style="rounded,filled" fontname="Helvetica" fontsize=12 margin="0.08,0.05" color="#7f8c8d"];',
        '  edge [color="#555555" arrowsize=0.7];',
    ]
    for step in pathway.steps:
        open_problems = (problem_counts or {}).get(step.id, 0)
        extra = f"⚠ {open_problems} {problems_word}" if open_problems else ""
        label = dot_label(f"{step.position}. {step.name}", unit_names.get(step.unit_id, ""),
                       f"({sector_names[step.sector]})", extra, width=16)
        lines.append(f"  s{step.id} [label={label} fillcolor=\"{SECTOR_COLOURS[step.sector]}\"];")
    for before, after in zip(pathway.steps, pathway.steps[1:]):
        lines.append(f"  s{before.id} -> s{after.id};")
    lines.append("}")
    return "\n".join(lines)
