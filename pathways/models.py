"""Units, pathways with their ordered steps, and the problems (obstacles) found in them."""

from __future__ import annotations

from datetime import date
from pydantic import Field, model_validator

from pdsa.core.fields import EditableModel, Score1to5, Sector, Text, Title
from pdsa.core.validation import invalid

from pdsa.core.vocabulary import (  # noqa: F401 (re-exported)
    PROBLEM_SOURCES,
    PROBLEM_STATUSES,
    ProblemSource,
    ProblemStatus,
)


class Unit(EditableModel):
    """An organisational unit: a ward, a municipal home-care district, a general practice."""

    id: int | None = None
    name: Title
    sector: Sector


class PathwayStep(EditableModel):
    """One stop on the patient's journey; position orders the steps within the pathway."""

    id: int | None = None
    position: int = Field(ge=1)
    name: Title
    sector: Sector
    unit_id: int | None = None
    description: Text = None


class Pathway(EditableModel):
    """A patient pathway (patientforløb) that crosses departments and sectors."""

    id: int | None = None
    name: Title
    description: Text = None
    steps: list[PathwayStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _positions_are_unique(self) -> "Pathway":
        positions = [step.position for step in self.steps]
        if len(positions) != len(set(positions)):
            raise invalid("step_positions", "two steps have the same position", field="steps")
        return self


class Problem(EditableModel):
    """An obstacle in a pathway, registered by staff, a patient, a complaint or an audit."""

    id: int | None = None
    title: Title
    description: Text = None
    pathway_id: int
    step_id: int | None = None
    source: ProblemSource
    reported_by_role: Text = None
    reported_on: date
    status: ProblemStatus = "new"
    impact: Score1to5 | None = None     # set at triage
    effort: Score1to5 | None = None
    project_ids: list[int] = Field(default_factory=list)
    change_idea_ids: list[int] = Field(default_factory=list)
    merged_into_id: int | None = None
    created_by: int | None = None
