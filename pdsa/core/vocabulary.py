"""Every closed list of values, written once.

Each list is named after the catalogue group that gives its words (``sector.hospital``), the
pydantic ``Literal`` types are made from these tuples, and the SQL ``CHECK (... IN (...))``
constraints of the schema are tested against them (tests/test_vocabulary.py) — so a new
value is added here, in one migration and in the two catalogues, and a test says which is
missing.
"""

from __future__ import annotations

from typing import Literal

SECTORS: tuple[str, ...] = ("hospital", "municipality", "general_practice", "region", "other")
PERIODS: tuple[str, ...] = ("day", "week", "month")
PROBLEM_SOURCES: tuple[str, ...] = (
    "staff", "patient_or_relative", "complaint", "incident_report", "audit", "other",
)
PROBLEM_STATUSES: tuple[str, ...] = ("new", "triaged", "being_tested", "solved", "not_pursued")
PROJECT_STATUSES: tuple[str, ...] = ("planning", "active", "sustaining", "completed", "stopped")
TEAM_ROLES: tuple[str, ...] = ("lead", "member", "patient_partner", "sponsor")
MEASURE_KINDS: tuple[str, ...] = ("outcome", "process", "balancing")
DATA_TYPES: tuple[str, ...] = ("proportion", "rate", "count", "continuous", "days_between", "cases_between")
DIRECTIONS: tuple[str, ...] = ("up", "down")
DECISIONS: tuple[str, ...] = ("adopt", "adapt", "abandon")
CYCLE_STAGES: tuple[str, ...] = ("planning", "doing", "studying", "acted")
OBSERVATION_KINDS: tuple[str, ...] = ("experience", "suggestion", "concern")
DRIVER_KINDS: tuple[str, ...] = ("primary", "secondary")
CHART_TYPES: tuple[str, ...] = ("run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
RULE_SETS: tuple[str, ...] = ("anhoej", "mdc")
USER_ROLES: tuple[str, ...] = ("administrator", "leader", "staff", "patient_representative", "reader")
AUDIT_ACTIONS: tuple[str, ...] = ("create", "update", "delete")

# catalogue group -> values; every value has words under "<group>.<value>" in da and en
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "sector": SECTORS,
    "period": PERIODS,
    "source": PROBLEM_SOURCES,
    "problem_status": PROBLEM_STATUSES,
    "project_status": PROJECT_STATUSES,
    "team_role": TEAM_ROLES,
    "measure_kind": MEASURE_KINDS,
    "data_type": DATA_TYPES,
    "direction": DIRECTIONS,
    "decision": DECISIONS,
    "cycle_stage": CYCLE_STAGES,
    "observation_kind": OBSERVATION_KINDS,
    "driver_kind": DRIVER_KINDS,
    "chart_type": CHART_TYPES,
    "rules": RULE_SETS,
    "user_role": USER_ROLES,
}

# (table, column) -> the list its CHECK constraint must allow, exactly
SQL_CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("unit", "sector"): SECTORS,
    ("pathway_step", "sector"): SECTORS,
    ("team_member", "sector"): SECTORS,
    ("team_member", "role"): TEAM_ROLES,
    ("project", "status"): PROJECT_STATUSES,
    ("problem", "source"): PROBLEM_SOURCES,
    ("problem", "status"): PROBLEM_STATUSES,
    ("driver", "kind"): DRIVER_KINDS,
    ("measure", "kind"): MEASURE_KINDS,
    ("measure", "data_type"): DATA_TYPES,
    ("measure", "period"): PERIODS,
    ("measure", "direction"): DIRECTIONS,
    ("measure", "chart"): CHART_TYPES,
    ("measure", "rules"): RULE_SETS,
    ("pdsa_cycle", "act_decision"): DECISIONS,
    ("observation", "kind"): OBSERVATION_KINDS,
    ("audit_event", "action"): AUDIT_ACTIONS,
    ("app_user_role", "role"): USER_ROLES,
}

Sector = Literal[SECTORS]
Period = Literal[PERIODS]
ProblemSource = Literal[PROBLEM_SOURCES]
ProblemStatus = Literal[PROBLEM_STATUSES]
ProjectStatus = Literal[PROJECT_STATUSES]
TeamRole = Literal[TEAM_ROLES]
MeasureKind = Literal[MEASURE_KINDS]
DataType = Literal[DATA_TYPES]
Direction = Literal[DIRECTIONS]
Decision = Literal[DECISIONS]
ObservationKind = Literal[OBSERVATION_KINDS]
DriverKind = Literal[DRIVER_KINDS]
ChartName = Literal[CHART_TYPES]
RuleSet = Literal[RULE_SETS]
UserRole = Literal[USER_ROLES]
AuditAction = Literal[AUDIT_ACTIONS]
