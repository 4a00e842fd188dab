"""Units, pathways with their ordered steps, and the problems (obstacles) found in them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pdsa.core.fields import Score1to5, Sector, Text, Title
from pdsa.core.validation import invalid

PROBLEM_SOURCES: tuple[str, ...] = (
    "staff", "patient_or_relative", "complaint", "incident_report", "audit", "other",
)
PROBLEM_STATUSES: tuple[str, ...] = ("new", "triaged", "being_tested", "solved", "not_pursued")

ProblemSource = Literal["staff", "patient_or_relative", "complaint", "incident_report", "audit", "other"]
ProblemStatus = Literal["new", "triaged", "being_tested", "solved", "not_pursued"]


class _Model(BaseModel):
    # NaN and infinity are never a measurement; refuse them before they reach the charts
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Unit(_Model):
    """An organisational unit: a ward, a municipal home-care district, a general practice."""

    id: int | None = None
    name: Title
    sector: Sector


class PathwayStep(_Model):
    """One stop on the patient's journey; position orders the steps within the pathway."""

    id: int | None = None
    position: int = Field(ge=1)
    name: Title
    sector: Sector
    unit_id: int | None = None
    description: Text = None


class Pathway(_Model):
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


class Problem(_Model):
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
    impact: Score1to5 = 3
    effort: Score1to5 = 3
    project_ids: list[int] = Field(default_factory=list)
