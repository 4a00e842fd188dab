"""Validation in the models: good input passes, bad input gets a message naming the field."""

from datetime import date

import pytest
from pydantic import ValidationError

from pathways.models import Pathway, PathwayStep, Problem, Unit
from pdsa.core.fields import contains_cpr
from pdsa.models import (
    ChangeIdea,
    DataPoint,
    Driver,
    Measure,
    Observation,
    PdsaCycle,
    ProgressScore,
    Project,
    TeamMember,
)


def error_fields(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in err["loc"]) for err in exc.errors()}


def messages(exc: ValidationError) -> str:
    return " | ".join(err["msg"] for err in exc.errors())


# --- CPR numbers -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Patient 010190-1234 faldt",      # 1990, serial starts 1
    "cpr 0101901234",                  # no dash
    "010190 1234",                     # space
    "290200-4123",                     # 29 Feb 2000 (digit 4, yy 00 -> 2000, a leap year)
    "290296-1234",                     # 29 Feb 1996
    "311299-5123",                     # digit 5, yy 99 -> 1899
    "150536-9123",                     # digit 9, yy 36 -> 2036
])
def test_cpr_numbers_are_found(text):
    assert contains_cpr(text)


# Forms people really type or paste (issue 8): none of them was refused before.
TYPED_FORMS = {
    "slash": "010190/1234",
    "dot": "010190.1234",
    "spaced dash": "010190 - 1234",
    "double dash": "010190--1234",
    "non-breaking hyphen (Word)": "010190\u20111234",
    "minus sign": "010190\u22121234",
    "em dash": "010190\u20141234",
    "figure dash": "010190\u20121234",
    "narrow no-break space": "010190\u202f1234",
    "tab": "010190\t1234",
    "newline": "010190\n1234",
    "zero-width space": "010190\u200b1234",
    "date in spaced pairs": "01 01 90-1234",
    "date in dashed pairs": "01-01-90-1234",
    "date in dotted pairs": "01.01.90-1234",
}


@pytest.mark.parametrize("text", TYPED_FORMS.values(), ids=TYPED_FORMS.keys())
def test_cpr_numbers_as_people_type_them_are_found(text):
    assert contains_cpr(text)
    assert contains_cpr(f"Min mor ({text}) ventede i 3 timer.")


@pytest.mark.parametrize("text", [
    "0101\u200b90\u00ad-1234",         # invisible characters inside the digits
    "01/01/90 1234",
    "01 01 90 1234",
    "010190 \u2013 1234",               # en dash between spaces
    "010190\u00a0-\u00a01234",          # no-break spaces around a dash
    "\uff10\uff11\uff10\uff11\uff19\uff10-\uff11\uff12\uff13\uff14",  # full-width digits
    "010190 -\r\n 1234",
    "3,5 timer 010190-1234",           # a number before it, but not part of it
])
def test_more_typed_forms_are_found(text):
    assert contains_cpr(text)


@pytest.mark.parametrize("text", [
    "290201-1234",        # 29 Feb 1901 does not exist
    "290200-1234",        # digit 1 -> 1900, not a leap year
    "320190-1234",        # day 32
    "011390-1234",        # month 13
    "12345678901",        # eleven digits: a longer number, not a CPR number
    "Tlf 12345678",       # a phone number
    "Ventetid 010190 dage",  # six digits alone
    "2026-03-02",
])
def test_non_cpr_numbers_pass(text):
    assert not contains_cpr(text)


@pytest.mark.parametrize("text", [
    "310290-1234",                     # 31 February is not a date
    "310290 - 1234",
    "31-02-90-1234",
    "310290\u20111234",
    "Tlf. 12 34 56 78",                # a phone number in pairs
    "Ring på +45 12 34 56 78 eller 1234 5678",
    "Mødet 01-01-2026 kl. 10.30",      # dates with a four-digit year
    "01-01-2026",
    "01.01.2026 - 31.12.2026",
    "2026-01-01 1234",
    "12-03-25 kl. 14.30",
    "Perioden 01.01.90-31.12.99",      # two dates, no serial
    "1234567890",                      # a ten-digit run that is not a date (month 34)
    "9999999999",
    "01019012345",                     # eleven digits
    "Budget 120.190,50 kr.",
    "3,1415926535",
    "Journalnr. 2019-01-01-0042",
    "Uge 2026-W10, 45 patienter, 12 % færre",
])
def test_near_misses_are_allowed(text):
    assert not contains_cpr(text)


def test_a_text_field_with_a_cpr_number_is_refused_and_the_field_named():
    with pytest.raises(ValidationError) as exc:
        Observation(text="Min mor (010190-1234) ventede", kind="experience",
                    observed_on=date(2026, 1, 5), pathway_id=1)
    assert error_fields(exc.value) == {"text"}
    assert "CPR" in messages(exc.value)
    assert "010190" not in messages(exc.value)  # the number is never echoed back


@pytest.mark.parametrize("text", ["Min mor (010190-1234) ventede", "Min mor (010190\u20111234) ventede"])
def test_the_error_text_never_repeats_the_number(text):
    with pytest.raises(ValidationError) as exc:
        Observation(text=text, kind="experience", observed_on=date(2026, 1, 5), pathway_id=1)
    assert "CPR" in str(exc.value)
    assert "010190" not in str(exc.value) and "1234" not in str(exc.value)
    assert "010190" not in repr(exc.value)
    observation = Observation(text="Ventede længe", kind="experience", observed_on=date(2026, 1, 5), pathway_id=1)
    with pytest.raises(ValidationError) as exc:
        observation.text = text  # an edit is checked the same way
    assert "010190" not in str(exc.value)


def test_other_refusals_do_not_repeat_the_input_either():
    with pytest.raises(ValidationError) as exc:
        Observation(text="x", kind="010190-1234", observed_on="010190-1234", pathway_id="010190-1234")
    assert error_fields(exc.value) == {"kind", "observed_on", "pathway_id"}
    assert "010190" not in str(exc.value)


def test_a_period_holding_a_cpr_number_is_not_repeated_in_its_error():
    with pytest.raises(ValidationError) as exc:
        DataPoint(measure_id=1, period="010190-1234", value=1)
    assert "is not a date" in str(exc.value) and "010190" not in str(exc.value)
    assert all("010190" not in str(err.get("ctx")) for err in exc.value.errors())
    with pytest.raises(ValidationError) as exc:
        DataPoint(measure_id=1, period="2026-02-31", value=1)
    assert "'2026-02-31' is not a date" in str(exc.value)  # other values are still said


def test_the_demo_loader_does_not_repeat_a_cpr_number_in_its_traceback(monkeypatch, tmp_path):
    import dataclasses
    import traceback

    import actions.demo
    from pdsa.core.db import connect
    from pdsa.demo import read_demo

    files = read_demo()
    units = [dict(files.units[0], name="Afsnit 010190-1234"), *files.units[1:]]
    monkeypatch.setattr(actions.demo, "read_demo", lambda: dataclasses.replace(files, units=units))
    con = connect(tmp_path / "demo.duckdb")
    try:
        with pytest.raises(Exception) as exc:
            actions.demo.load_demo(con.cursor())
    finally:
        con.close()
    told = "".join(traceback.format_exception(exc.value))
    assert "CPR" in told
    assert "010190" not in told


_MINIMAL = {
    Unit: dict(name="A", sector="hospital"),
    PathwayStep: dict(position=1, name="A", sector="hospital"),
    Pathway: dict(name="A"),
    Problem: dict(title="A", pathway_id=1, source="staff", reported_on=date(2026, 1, 1)),
    TeamMember: dict(name="A", sector="hospital"),
    ProgressScore: dict(scored_on=date(2026, 1, 1), score=1.0),
    Project: dict(title="A", pathway_id=1, aim_what="a", aim_how_much="b", aim_by_when=date(2027, 1, 1),
                  start_date=date(2026, 1, 1)),
    Driver: dict(kind="primary", text="A"),
    ChangeIdea: dict(text="A"),
    Measure: dict(project_id=1, name="A", kind="process", data_type="count", period="week"),
    DataPoint: dict(measure_id=1, period="2026-W02", value=1),
    PdsaCycle: dict(project_id=1, title="A"),
    Observation: dict(text="A", kind="experience", observed_on=date(2026, 1, 1), pathway_id=1),
}


def _text_fields():
    for model, minimal in _MINIMAL.items():
        for name, info in model.model_fields.items():
            annotation = str(info.annotation)
            if info.annotation is str or ("str" in annotation and "Literal" not in annotation):
                yield pytest.param(model, minimal, name, id=f"{model.__name__}.{name}")


@pytest.mark.parametrize("model, minimal, field", list(_text_fields()))
def test_every_text_field_refuses_cpr(model, minimal, field):
    model(**minimal)  # the minimal record itself is valid
    with pytest.raises(ValidationError) as exc:
        model(**{**minimal, field: "Se 010190-1234 i journalen"})
    assert error_fields(exc.value) == {field}
    assert "010190" not in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        model(**{**minimal, field: "Se 01 01 90\u20111234 i journalen"})
    assert error_fields(exc.value) == {field}


def test_there_are_text_fields_to_check():
    names = {p.id for p in _text_fields()}
    assert {"Observation.text", "PdsaCycle.study_learning", "Problem.description", "TeamMember.name"} <= names


# --- titles and scales ----------------------------------------------------------------------

def test_empty_titles_are_refused():
    with pytest.raises(ValidationError) as exc:
        Unit(name="   ", sector="hospital")
    assert error_fields(exc.value) == {"name"}
    with pytest.raises(ValidationError) as exc:
        Pathway(name="")
    assert error_fields(exc.value) == {"name"}


def test_blank_optional_text_becomes_none_and_is_stripped():
    unit_step = PathwayStep(position=1, name="  Akutmodtagelse ", sector="hospital", description="  ")
    assert unit_step.name == "Akutmodtagelse"
    assert unit_step.description is None


def test_unknown_sector_is_refused():
    with pytest.raises(ValidationError) as exc:
        Unit(name="Afsnit", sector="hospitall")
    assert error_fields(exc.value) == {"sector"}


def test_steps_need_distinct_positions():
    steps = [PathwayStep(position=1, name="A", sector="hospital"), PathwayStep(position=1, name="B", sector="hospital")]
    with pytest.raises(ValidationError, match="same position"):
        Pathway(name="Hofte", steps=steps)


@pytest.mark.parametrize("field", ["impact", "effort"])
@pytest.mark.parametrize("value", [0, 6])
def test_impact_and_effort_are_1_to_5(field, value):
    with pytest.raises(ValidationError) as exc:
        Problem(title="Ventetid", pathway_id=1, source="complaint", reported_on=date(2026, 1, 1), **{field: value})
    assert error_fields(exc.value) == {field}


@pytest.mark.parametrize("score", [0.5, 1.0, 2.5, 5.0])
def test_progress_scores_on_the_scale(score):
    assert ProgressScore(scored_on=date(2026, 1, 1), score=score).score == score


@pytest.mark.parametrize("score", [0.0, 0.7, 5.5, -1])
def test_progress_scores_off_the_scale_are_refused(score):
    with pytest.raises(ValidationError) as exc:
        ProgressScore(scored_on=date(2026, 1, 1), score=score)
    assert error_fields(exc.value) == {"score"}
    assert "IHI" in messages(exc.value)


def _project(**changes):
    values = dict(title="Færre genindlæggelser", pathway_id=1, aim_what="Genindlæggelser inden 30 dage",
                  aim_how_much="fra 20 % til 12 %", aim_by_when=date(2027, 6, 30), start_date=date(2026, 1, 1))
    values.update(changes)
    return Project(**values)


def test_project_with_team_and_progress():
    project = _project(team=[TeamMember(name="Anna", discipline="Sygeplejerske", sector="hospital", role="lead"),
                             TeamMember(name="Bo", sector="other", role="patient_partner")])
    assert [m.role for m in project.team] == ["lead", "patient_partner"]


def test_project_deadline_before_start_is_refused():
    with pytest.raises(ValidationError, match="before the project's start"):
        _project(aim_by_when=date(2025, 12, 31))


def test_team_role_must_be_known():
    with pytest.raises(ValidationError) as exc:
        TeamMember(name="Anna", sector="hospital", role="boss")
    assert error_fields(exc.value) == {"role"}


def test_drivers_primary_and_secondary():
    assert Driver(kind="primary", text="Tidlig mobilisering").parent_id is None
    with pytest.raises(ValidationError, match="belongs under a primary"):
        Driver(kind="secondary", text="Fysioterapeut i weekenden")
    with pytest.raises(ValidationError, match="directly from the aim"):
        Driver(kind="primary", text="X", parent_id=3)
    assert ChangeIdea(text="Mobilisering dag 0", driver_ids=[2, 3]).driver_ids == [2, 3]


# --- measures and data points ---------------------------------------------------------------

def _measure(data_type="proportion", period="week", **changes):
    return Measure(id=7, project_id=1, name="Andel", kind="process", data_type=data_type, period=period, **changes)


def _point(measure, **raw):
    return DataPoint.model_validate({"measure_id": measure.id, **raw}, context={"measure": measure})


def test_weekly_measure_takes_mondays_and_week_labels():
    weekly = _measure()
    assert _point(weekly, period="2026-W01", numerator=3, denominator=10).period == date(2025, 12, 29)
    assert _point(weekly, period=date(2026, 3, 2), numerator=3, denominator=10).period == date(2026, 3, 2)
    with pytest.raises(ValidationError) as exc:
        _point(weekly, period=date(2026, 3, 4), numerator=3, denominator=10)
    assert error_fields(exc.value) == {"period"}
    assert "not a Monday" in messages(exc.value) and "2026-W10" in messages(exc.value)


def test_week_53_exists_only_in_long_years():
    weekly = _measure()
    assert _point(weekly, period="2026-W53", numerator=1, denominator=2).period == date(2026, 12, 28)
    with pytest.raises(ValidationError, match="no week 53"):
        _point(weekly, period="2025-W53", numerator=1, denominator=2)


def test_monthly_measure_takes_first_of_month():
    monthly = _measure(period="month")
    assert _point(monthly, period="2026-02", numerator=1, denominator=2).period == date(2026, 2, 1)
    with pytest.raises(ValidationError, match="first day of a month"):
        _point(monthly, period="2026-02-15", numerator=1, denominator=2)


def test_numerator_above_denominator_is_refused():
    with pytest.raises(ValidationError) as exc:
        _point(_measure(), period="2026-W02", numerator=11, denominator=10)
    assert "larger than the denominator" in messages(exc.value)


def test_value_where_numerator_denominator_is_needed():
    with pytest.raises(ValidationError, match="needs a numerator and a denominator"):
        _point(_measure(), period="2026-W02", value=0.4)
    with pytest.raises(ValidationError, match="denominator"):
        _point(_measure(), period="2026-W02", numerator=2)


def test_zero_denominator_is_refused():
    with pytest.raises(ValidationError, match="above 0"):
        _point(_measure(data_type="rate"), period="2026-W02", numerator=2, denominator=0)


def test_rate_allows_numerator_above_exposure_only_in_proportion_sense():
    rate = _measure(data_type="rate")
    assert _point(rate, period="2026-W02", numerator=12, denominator=3.5).plotted_value() == pytest.approx(12 / 3.5)


def test_negative_and_fractional_counts_are_refused():
    count = _measure(data_type="count")
    with pytest.raises(ValidationError, match="cannot be negative"):
        _point(count, period="2026-W02", value=-1)
    with pytest.raises(ValidationError, match="whole number"):
        _point(count, period="2026-W02", value=1.5)
    assert _point(count, period="2026-W02", value=4).value == 4


def test_continuous_takes_a_value_not_a_fraction():
    continuous = _measure(data_type="continuous")
    assert _point(continuous, period="2026-W02", value=-3.25).value == -3.25
    with pytest.raises(ValidationError, match="single value"):
        _point(continuous, period="2026-W02", numerator=1, denominator=2)


def test_event_measures_are_daily_and_days_between_take_only_a_date():
    with pytest.raises(ValidationError, match="per event date"):
        _measure(data_type="days_between", period="week")
    days = _measure(data_type="days_between", period="day")
    assert _point(days, period="2026-03-04").value is None
    with pytest.raises(ValidationError, match="only the date"):
        _point(days, period="2026-03-04", value=3)
    cases = _measure(data_type="cases_between", period="day")
    assert _point(cases, period="04-03-2026", value=17).period == date(2026, 3, 4)


def test_unreadable_period_names_the_formats():
    with pytest.raises(ValidationError, match="2026-W10"):
        _point(_measure(), period="last week", numerator=1, denominator=2)


def test_measure_chart_settings_fit_the_data_type():
    assert _measure().effective_chart == "p"
    assert _measure(chart="run").effective_chart == "run"
    with pytest.raises(ValidationError, match="can be shown as"):
        _measure(chart="c")
    with pytest.raises(ValidationError, match="individuals"):
        _measure(rules="mdc")
    assert _measure(data_type="continuous", rules="mdc").rules == "mdc"


# --- PDSA cycles and observations ------------------------------------------------------------

def test_cycle_stage_follows_what_is_filled_in():
    cycle = PdsaCycle(project_id=1, title="Mobilisering dag 0", plan_objective="Kan vi?")
    assert cycle.stage == "planning"
    cycle.do_start = date(2026, 3, 2)
    assert cycle.stage == "doing"
    cycle.do_end = date(2026, 3, 3)
    assert cycle.stage == "studying"
    cycle.act_decision = "adapt"
    assert cycle.stage == "acted"


def test_cycle_end_before_start_is_refused():
    with pytest.raises(ValidationError) as exc:
        PdsaCycle(project_id=1, title="X", do_start=date(2026, 3, 2), do_end=date(2026, 3, 1))
    assert "before the start date" in messages(exc.value)


def test_cycle_decision_must_be_adopt_adapt_abandon():
    with pytest.raises(ValidationError) as exc:
        PdsaCycle(project_id=1, title="X", act_decision="continue")
    assert error_fields(exc.value) == {"act_decision"}


def test_observation_needs_text_and_kind():
    with pytest.raises(ValidationError) as exc:
        Observation(text=" ", kind="opinion", observed_on=date(2026, 1, 1), pathway_id=1)
    assert error_fields(exc.value) == {"text", "kind"}


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as exc:
        Unit(name="Afsnit", sector="hospital", colour="red")
    assert error_fields(exc.value) == {"colour"}
