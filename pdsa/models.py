"""The Model for Improvement as data: projects, driver diagrams, measures, data, PDSA cycles.

Validation lives here so that a form, an import row and the demo loader all get the same
clear message naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pdsa.core.fields import DomainModel, EditableModel, RequiredText, Sector, Text, Title
from pdsa.core.periods import Period, check_period_start, parse_period
from pdsa.core.validation import invalid

from pdsa.core.vocabulary import (  # noqa: F401 (the closed lists, re-exported for callers of the models)
    CHART_TYPES,
    CYCLE_STAGES,
    DATA_TYPES,
    DECISIONS,
    DIRECTIONS,
    MEASURE_KINDS,
    OBSERVATION_KINDS,
    PROJECT_STATUSES,
    TEAM_ROLES,
    ChartName,
    DataType,
    Decision,
    Direction,
    DriverKind,
    MeasureKind,
    ObservationKind,
    ProjectStatus,
    RuleSet,
    TeamRole,
)

EVENT_DATA_TYPES: frozenset[str] = frozenset({"days_between", "cases_between"})
PROPORTION_DATA_TYPES: frozenset[str] = frozenset({"proportion"})  # shown as percentages
# slice: measures — data types whose values (and so targets) are never below 0
NON_NEGATIVE_DATA_TYPES: frozenset[str] = frozenset({"rate", "count", "days_between", "cases_between"})
# IHI project progress scale; labels live in the translation catalogue under progress.<score>.
PROGRESS_SCORES: tuple[float, ...] = tuple(x / 2 for x in range(1, 11))

# The first chart is the default for the data type; a run chart is always available.
CHARTS_FOR_DATA_TYPE: dict[str, tuple[str, ...]] = {
    "proportion": ("p", "pp", "run"),
    "rate": ("u", "up", "run"),
    "count": ("c", "run", "i"),
    "continuous": ("i", "run", "mr"),
    "days_between": ("t", "run"),
    "cases_between": ("g", "run"),
}


class Theme(EditableModel):
    """A citizen-centred goal across projects ("80 % experience their discharge as coordinated")."""

    id: int | None = None
    name: Title
    goal: Text = None
    description: Text = None
    created_by: int | None = None


class TeamMember(EditableModel):
    """A member of the forbedringsteam; patient partners are members like everyone else."""

    id: int | None = None
    name: Title
    discipline: Text = None
    sector: Sector
    role: TeamRole = "member"
    user_id: int | None = None          # the account that gives this member rights on the project
    position: int | None = None


class ProgressScore(DomainModel):
    """One dated entry on the IHI project progress scale (0.5-5.0 in steps of 0.5)."""

    id: int | None = None
    scored_on: date
    score: float
    comment: Text = None

    @field_validator("score")
    @classmethod
    def _on_the_scale(cls, value: float) -> float:
        if value not in PROGRESS_SCORES:
            raise invalid("progress_scale", "must be on the IHI progress scale: 0.5, 1.0, 1.5 ... 5.0")
        return value


class Project(EditableModel):
    """An improvement effort following the Model for Improvement, on one pathway."""

    id: int | None = None
    title: Title
    pathway_id: int
    aim_what: Title
    aim_how_much: Title
    aim_by_when: date
    theme_id: int | None = None
    status: ProjectStatus = "planning"
    start_date: date
    unit_ids: list[int] = Field(default_factory=list)
    created_by: int | None = None
    team: list[TeamMember] = Field(default_factory=list)
    progress: list[ProgressScore] = Field(default_factory=list)

    @model_validator(mode="after")
    def _deadline_after_start(self) -> "Project":
        if self.aim_by_when < self.start_date:
            raise invalid("deadline_before_start", "the aim's deadline is before the project's start date", field="aim_by_when")
        return self


class Driver(EditableModel):
    """A primary driver, or a secondary driver under a primary one (parent_id)."""

    id: int | None = None
    kind: DriverKind
    text: Title
    parent_id: int | None = None
    position: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _secondary_has_parent(self) -> "Driver":
        if self.kind == "secondary" and self.parent_id is None:
            raise invalid("secondary_needs_primary", "a secondary driver belongs under a primary driver", field="parent_id")
        if self.kind == "primary" and self.parent_id is not None:
            raise invalid("primary_has_no_parent", "a primary driver hangs directly from the aim", field="parent_id")
        return self


class ChangeIdea(EditableModel):
    """A forandringsidé; it may serve several secondary drivers, so links are stored, not a tree."""

    id: int | None = None
    text: Title
    description: Text = None
    driver_ids: list[int] = Field(default_factory=list)

    @field_validator("driver_ids")
    @classmethod
    def _each_driver_once(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class DriverDiagram(DomainModel):
    """The whole diagram of a project, as read back for drawing."""

    project_id: int
    aim: str
    drivers: list[Driver]
    change_ideas: list[ChangeIdea]


class Measure(EditableModel):
    """An indicator with its operational definition; its data type decides the chart.

    It belongs to a project, or to a theme (the theme's own outcome measure).
    """

    id: int | None = None
    project_id: int | None = None
    theme_id: int | None = None
    name: Title
    kind: MeasureKind
    definition: Text = None             # what is counted
    numerator_definition: Text = None
    denominator_definition: Text = None
    data_source: Text = None
    collection_frequency: Text = None
    is_key: bool = False                # the project's key measure
    data_version: int = 1               # changes whenever its points or chart settings change
    data_type: DataType
    period: Period
    direction: Direction = "up"
    target: float | None = None
    unit: Text = None
    # Chart settings. chart None follows the data type (see pdsa.series.CHART_FOR_DATA_TYPE).
    chart: ChartName | None = None
    rules: RuleSet = "anhoej"
    freeze_until: date | None = None        # last period of the frozen baseline
    splits: list[date] = Field(default_factory=list)  # a new part starts at each of these periods

    @model_validator(mode="after")
    def _one_owner(self) -> "Measure":
        if (self.project_id is None) == (self.theme_id is None):
            raise invalid("measure_owner", "a measure belongs to a project or to a theme", field="project_id")
        return self

    @model_validator(mode="after")
    def _events_are_daily(self) -> "Measure":
        if self.data_type in EVENT_DATA_TYPES and self.period != "day":
            raise invalid("events_are_daily", "days/cases between events are recorded per event date (period 'day')", field="period")
        return self

    @model_validator(mode="after")
    def _settings_fit(self) -> "Measure":
        if self.chart is not None and self.chart not in CHARTS_FOR_DATA_TYPE[self.data_type]:
            raise invalid("chart_for_data_type", "a {data_type} measure can be shown as {charts}", field="chart",
                          data_type=self.data_type, charts=", ".join(CHARTS_FOR_DATA_TYPE[self.data_type]))
        if self.rules == "mdc" and self.effective_chart != "i":
            raise invalid("mdc_needs_i_chart", "Making Data Count rules apply to individuals (I) charts only", field="rules")
        if len(set(self.splits)) != len(self.splits):
            raise invalid("split_twice", "the same period is given twice", field="splits")
        if self.data_type in PROPORTION_DATA_TYPES and self.target is not None and not 0 <= self.target <= 1:
            raise invalid("proportion_target", "give a proportion's target as a fraction from 0 to 1, e.g. 0.85 for 85 %", field="target")
        # slice: measures — counts, rates and days/cases between events are never below 0
        if self.data_type in NON_NEGATIVE_DATA_TYPES and self.target is not None and self.target < 0:
            raise invalid("negative_target", "a target for this measure cannot be below 0", field="target")
        return self

    @property
    def effective_chart(self) -> str:
        return self.chart or CHARTS_FOR_DATA_TYPE[self.data_type][0]


def _is_whole(value: float) -> bool:
    return float(value).is_integer()


class DataPoint(DomainModel):
    """One period's value of a measure, or one event for days/cases-between measures.

    Validate with ``DataPoint.model_validate(raw, context={"measure": measure})`` so the
    period and the value fields are checked against the measure's period and data type.
    """

    id: int | None = None
    measure_id: int
    period: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: Text = None
    excluded: bool = False
    entered_by: Text = None
    entered_at: datetime | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _parse_period(cls, value: Any) -> date:
        return parse_period(value)

    @field_validator("period")
    @classmethod
    def _period_fits_measure(cls, value: date, info: ValidationInfo) -> date:
        measure = (info.context or {}).get("measure")
        return check_period_start(value, measure.period) if measure is not None else value

    @model_validator(mode="after")
    def _values_fit_data_type(self, info: ValidationInfo) -> "DataPoint":
        measure = (info.context or {}).get("measure")
        data_type = measure.data_type if measure is not None else None
        if data_type in ("proportion", "rate"):
            self._check_numerator_denominator(data_type)
        elif data_type == "days_between":
            if self.value is not None or self.numerator is not None or self.denominator is not None:
                raise invalid("days_between_date_only", "a days-between measure records only the date of each event", field="value")
        elif data_type is not None:
            self._check_single_value(data_type)
        return self

    def _check_numerator_denominator(self, data_type: str) -> None:
        if self.value is not None:
            raise invalid("needs_fraction", "this measure needs a numerator and a denominator, not a single value", field="value")
        if self.numerator is None or self.denominator is None:
            raise invalid("needs_both", "both numerator (tæller) and denominator (nævner) are needed", field="numerator")
        if self.numerator < 0:
            raise invalid("negative_numerator", "cannot be negative", field="numerator")
        if self.denominator <= 0:
            raise invalid("denominator_not_positive", "must be above 0", field="denominator")
        if data_type == "proportion":
            if not (_is_whole(self.numerator) and _is_whole(self.denominator)):
                raise invalid("whole_cases", "a proportion counts whole cases", field="numerator")
            if self.numerator > self.denominator:
                raise invalid("numerator_above_denominator", "the numerator is larger than the denominator", field="numerator")

    def _check_single_value(self, data_type: str) -> None:
        if self.numerator is not None or self.denominator is not None:
            raise invalid("needs_single_value", "this measure takes a single value, not numerator/denominator", field="numerator")
        if self.value is None:
            raise invalid("value_needed", "a value is needed", field="value")
        if data_type in ("count", "cases_between"):
            if self.value < 0:
                raise invalid("negative_count", "a count cannot be negative", field="value")
            if not _is_whole(self.value):
                raise invalid("fractional_count", "a count is a whole number", field="value")

    def plotted_value(self) -> float | None:
        if self.numerator is not None and self.denominator:
            return self.numerator / self.denominator
        return self.value


class PdsaCycle(EditableModel):
    """One Plan-Do-Study-Act cycle; cycles form ramps through parent_id."""

    id: int | None = None
    project_id: int
    change_idea_id: int | None = None
    parent_id: int | None = None
    title: Title
    cycle_number: int = Field(default=1, ge=1)
    # Plan
    plan_objective: Text = None
    plan_questions: Text = None
    plan_predictions: Text = None
    plan_who: Text = None
    plan_what: Text = None
    plan_where: Text = None
    plan_when: Text = None
    plan_data_collection: Text = None
    plan_end: date | None = None        # when the test is planned to be done
    measure_ids: list[int] = Field(default_factory=list)  # the measures the cycle is judged by
    created_by: int | None = None
    # Do
    do_start: date | None = None
    do_end: date | None = None
    do_what_happened: Text = None
    do_observations: Text = None
    do_problems: Text = None
    # Study
    study_results: Text = None
    study_learning: Text = None
    # Act
    act_decision: Decision | None = None
    act_next_step: Text = None

    @model_validator(mode="after")
    def _end_after_start(self) -> "PdsaCycle":
        if self.do_start and self.do_end and self.do_end < self.do_start:
            raise invalid("end_before_start", "the end date is before the start date", field="do_end")
        if self.do_end and not self.do_start:
            raise invalid("end_without_start", "a cycle with an end date needs a start date", field="do_start")
        return self

    @property
    def stage(self) -> str:
        """Where the cycle is, read from what has been filled in."""
        if self.act_decision:
            return "acted"
        if self.do_end or self.study_results or self.study_learning:
            return "studying"
        if self.do_start or self.do_what_happened:
            return "doing"
        return "planning"


class Observation(EditableModel):
    """Words from a patient representative or staff member about the pathway."""

    id: int | None = None
    text: RequiredText
    kind: ObservationKind
    author_role: Text = None
    observed_on: date
    pathway_id: int
    step_id: int | None = None
    problem_id: int | None = None
    project_id: int | None = None
    cycle_id: int | None = None
    created_by: int | None = None


# slice: worksheet — a comment on a PDSA cycle, or the team's answer to one (reply_to)
CycleCommentStage = Literal["plan", "do", "study", "act"]
CycleCommentRole = Literal["lead", "member", "patient_partner", "sponsor", "patient_representative", "staff",
                           "administrator"]


class CycleComment(EditableModel):
    """Words on a cycle, written at one of its stages and shown with the author's role."""

    id: int | None = None
    cycle_id: int
    stage: CycleCommentStage
    text: RequiredText
    author_id: int | None = None
    author_name: Title
    author_role: CycleCommentRole
    reply_to: int | None = None
    created_at: datetime | None = None
