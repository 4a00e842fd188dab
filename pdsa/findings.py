"""What an analysis says about the current part, in terms the app can put into words.

The engine reports every rule; a ward needs one sentence: is the latest part random
variation, or a signal, and does the signal point towards improvement or concern?
"""

from __future__ import annotations

from dataclasses import dataclass

from pdsa.spc.result import Analysis

MIN_USEFUL_POINTS = 12  # Anhøj: runs analysis needs about 12 useful points to be meaningful


@dataclass(frozen=True)
class Finding:
    part: int
    rules: str
    n_useful: int | None
    short_parts: tuple[int, ...]       # every part with fewer than MIN_USEFUL_POINTS useful points
    runs_signal: bool
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    n_outside_limits: int
    meanings: tuple[str, ...]          # "improvement", "concern", "non_random" — sorted, unique
    variation_icon: str | None
    assurance: str | None

    @property
    def too_few_points(self) -> bool:
        """The latest part is too short for the run chart rules to be reliable."""
        return self.part in self.short_parts

    @property
    def has_signal(self) -> bool:
        return self.runs_signal or self.n_outside_limits > 0 or bool(
            self.variation_icon and self.variation_icon != "common_cause"
        )

    @property
    def tone(self) -> str:
        """What the latest part says, for the colour it is shown in: "improvement",
        "deterioration", "non_random" (a signal without one direction, or signals pointing both
        ways), "too_few_to_tell" (no signal, but too few points to call it random variation)
        or "random" (only random variation)."""
        if not self.has_signal:
            return "too_few_to_tell" if self.too_few_points else "random"
        directions = set(self.meanings) & {"improvement", "concern"}
        if not directions and self.variation_icon in _ICON_DIRECTIONS:
            directions = {_ICON_DIRECTIONS[self.variation_icon]}
        if directions == {"improvement"}:
            return "improvement"
        if directions == {"concern"}:
            return "deterioration"
        return "non_random"

    @property
    def runs_computed(self) -> bool:
        """The runs analysis had points to work with (not all on the centre line)."""
        return bool(self.n_useful) and self.longest_run_max is not None


_ICON_DIRECTIONS = {"special_cause_improvement": "improvement", "special_cause_concern": "concern"}


def finding_for_last_part(analysis: Analysis) -> Finding:
    last = analysis.parts[-1]
    points = analysis.points[analysis.points["part"] == last.part]
    signals = [s for s in analysis.signals if s.part == last.part]
    return Finding(
        part=last.part,
        rules=analysis.rules,
        n_useful=last.n_useful,
        short_parts=tuple(
            p.part for p in analysis.parts
            if analysis.rules == "anhoej" and (p.n_useful or 0) < MIN_USEFUL_POINTS
        ),
        runs_signal=bool(last.runs_signal),
        longest_run=last.longest_run,
        longest_run_max=last.longest_run_max,
        n_crossings=last.n_crossings,
        n_crossings_min=last.n_crossings_min,
        n_outside_limits=int(points["sigma_signal"].sum()),
        meanings=tuple(sorted({s.meaning for s in signals})),
        variation_icon=analysis.variation_icon,
        assurance=analysis.assurance,
    )
