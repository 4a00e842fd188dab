"""The PDSA tab: start a cycle, the ramps as a timeline, and each cycle's worksheet.

A worksheet shows Plan, Do, Study and Act in turn, each stage's questions in plain words;
what is not filled in yet says so ("endnu ikke"); a cycle still in Do after its planned end is
flagged in an orange box. The team fills in the stage the cycle has come to (ui/cycle_forms.py);
Study shows the prediction beside what happened and beside the charts of the measures the
cycle is judged by, for the cycle's dates; after Act the team starts the next cycle of the
ramp. Comments (with the team's answers) stand beside Plan and Study. Archiving a cycle
(after asking) and the project's archived cycles with Restore are at the end of the file.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from actions import Actor, archive_cycle, can, restore_cycle
from actions.permissions import Scope
from pdsa.charts import Annotation, spc_chart
from pdsa.core.periods import next_period
from pdsa.models import PROPORTION_DATA_TYPES, CycleComment, Measure, PdsaCycle, Project
from ui.ramp_chart import RampLabels, ramp_rows, ramp_timeline
from pdsa.series import analyze_measure
from pdsa.store.cycle_comments import list_comments
from pdsa.store.cycles import list_cycles, ramps
from pdsa.store.measures import data_points_frame, list_measures
from pdsa.store.projects import list_change_ideas
from ui.actor import current_actor
from ui.chart_cache import show_altair_chart
from ui.archive_control import Archivable, archive_control, archive_outcome, restore_button
from ui.cycle_forms import (
    OPEN_KEY,
    STAGE_FIELDS,
    answer_form,
    comment_form,
    new_cycle_form,
    next_cycle_form,
    show_outcome,
    stage_form,
)
from ui.format import fmt_date, fmt_datetime, label
from ui.measure_view import chart_labels
from ui.plain import plain
from ui.state import cursor, t

_STAGE_FIELDS = STAGE_FIELDS  # the fields each stage shows (tests/test_i18n.py checks their words)
_STAGE_OF = {"planning": "plan", "doing": "do", "studying": "study", "acted": "act"}
_STAGES = ("plan", "do", "study", "act")


def cycles_tab(cur, actor: Actor | None, project: Project, cycles: list[PdsaCycle], linked_cycle: int | None) -> None:
    """The project's PDSA tab: the start form (for those who may), the ramp timeline, the
    worksheets ramp by ramp, and the archived cycles."""
    scope = Scope(project_id=project.id)
    idea_texts = {i.id: i.text for i in list_change_ideas(cur, project.id)}
    ideas = {i_id: plain(text, one_line=True) for i_id, text in idea_texts.items()}
    measures = {m.id: m for m in list_measures(cur, project_id=project.id)}
    # choices (selectbox, multiselect) and chart labels are not Markdown: shown as typed
    measure_names = {m.id: m.name for m in measures.values()}
    may_start = actor is not None and can(actor, "start_cycle", scope)
    started = st.session_state.pop(f"ws-next-started-{project.id}", None)
    if started:
        st.success(started)
    if may_start:
        new_cycle_form(project.id, idea_texts, measure_names)
    if not cycles:
        st.info(t("worksheet.empty_start") if may_start else t("cycles.empty"))
    else:
        _ramp_view(cycles, idea_texts)
    comments = list_comments(cur, [c.id for c in cycles])
    for number, ramp in enumerate(ramps(cycles), start=1):
        idea = ideas.get(ramp[0].change_idea_id)
        st.markdown(f"#### {t('cycles.ramp', number=number)}" + (f" · {idea}" if idea else ""))
        for cycle in ramp:
            stage = label("cycle_stage", cycle.stage)
            decision = f" · {label('decision', cycle.act_decision)}" if cycle.act_decision else ""
            overdue = " · ⚠" if is_overdue(cycle) else ""
            heading = (f"PDSA {number}.{cycle.cycle_number} · {plain(cycle.title, one_line=True)} — "
                       f"{stage}{decision}{overdue}")
            _keep_open(cycle.id, heading)
            worksheet = st.expander(heading, expanded=cycle.id == linked_cycle, key=f"ws-expander-{cycle.id}",
                                    on_change="rerun")
            st.session_state[OPEN_KEY.format(cycle.id)] = bool(worksheet.open)  # as the user left it
            if worksheet.open:  # a folded worksheet is not drawn: its forms cost nothing on this run
                with worksheet:
                    show_cycle(cycle, number=f"{number}.{cycle.cycle_number}", measures=measures,
                               comments=[c for c in comments if c.cycle_id == cycle.id],
                               has_next=any(c.parent_id == cycle.id for c in cycles), pathway_id=project.pathway_id)
    archived_cycles_section(cur, actor, project.id)


def _keep_open(cycle_id: int, heading: str) -> None:
    """The heading tells the stage, so a save changes it and Streamlit makes a new expander,
    folded: one that was open (or a cycle just started, see ui/cycle_forms.py ``OPEN_KEY``) is
    opened again under its new heading, and when it comes back after a run without it."""
    heading_key, key = f"ws-heading-{cycle_id}", f"ws-expander-{cycle_id}"
    if st.session_state.get(OPEN_KEY.format(cycle_id)) and (
            st.session_state.get(heading_key) != heading or key not in st.session_state):
        st.session_state[key] = True  # also after a run without it (archived, then restored)
    st.session_state[heading_key] = heading


def _ramp_view(cycles: list[PdsaCycle], ideas: dict[int, str]) -> None:
    labels = RampLabels(
        idea=t("worksheet.ramp_idea"), cycle=t("worksheet.ramp_cycle"), stage=t("worksheet.ramp_stage"),
        decision=t("cycles.decision"), start=t("worksheet.ramp_start"), end=t("worksheet.ramp_end"),
        no_idea=t("worksheet.ramp_no_idea"),
        stages={code: t(f"cycle_stage.{code}") for code in ("planning", "doing", "studying", "acted")},
        decisions={code: t(f"decision.{code}") for code in ("adopt", "adapt", "abandon")},
    )
    today = date.today()
    st.markdown(f"#### {t('worksheet.ramp_heading')}")
    if ramp_rows(cycles, ideas, labels, today=today).empty:
        st.caption(t("worksheet.ramp_no_dates"))
        return
    st.caption(t("worksheet.ramp_caption"))
    # from the cache every session shares (ui/chart_cache.py), kept under everything it is drawn
    # from: the cycles (their versions, dates, stages), the ideas, the words and today
    show_altair_chart(lambda: ramp_timeline(cycles, ideas, labels, today=today),
                      drawn_from=("ramp", cycles, sorted(ideas.items()), labels, today),
                      width="stretch", theme=None, key="ramp-timeline")


def is_overdue(cycle: PdsaCycle, today: date | None = None) -> bool:
    """Still in Do after its planned end."""
    return cycle.stage == "doing" and cycle.plan_end is not None and cycle.plan_end < (today or date.today())


def _not_yet() -> None:
    st.caption(t("worksheet.not_yet"))


def _field_lines(cycle: PdsaCycle, names: tuple[str, ...], *, empty: bool = True) -> None:
    shown = False
    for name in names:
        value = getattr(cycle, name)
        if value:
            st.markdown(f"*{t('worksheet.q.' + name)}*  \n{plain(value)}")
            shown = True
    if not shown and empty:
        _not_yet()


def _period_line(cycle: PdsaCycle) -> None:
    """When the test ran, in words: started, ended (or not yet), planned end."""
    if cycle.do_start and cycle.do_end:
        text = t("worksheet.period_done", start=fmt_date(cycle.do_start), end=fmt_date(cycle.do_end))
    elif cycle.do_start:
        text = t("worksheet.period_running", start=fmt_date(cycle.do_start))
    else:
        text = t("worksheet.period_not_started")
    if cycle.plan_end:
        text += " " + t("worksheet.planned_end", end=fmt_date(cycle.plan_end))
    st.markdown(text)


def show_cycle(cycle: PdsaCycle, *, number: str = "", measures: dict[int, Measure] | None = None,
               comments: list[CycleComment] | None = None, has_next: bool = False,
               pathway_id: int | None = None) -> None:
    """One cycle's worksheet: Plan, Do, Study and Act, the form of the stage it has come to
    (for the team), comments beside Plan and Study, and the next cycle after Act."""
    measures = measures or {}
    comments = comments or []
    actor = current_actor()
    scope = Scope(project_id=cycle.project_id)
    may_edit = actor is not None and can(actor, "update_cycle", scope)
    may_comment = actor is not None and can(actor, "comment_on_cycle", Scope(project_id=cycle.project_id,
                                                                            pathway_id=pathway_id))
    may_answer = actor is not None and can(actor, "answer_cycle_comment", scope)
    current = _STAGE_OF[cycle.stage]
    st.markdown(t("worksheet.stage_now", stage=label("cycle_stage", cycle.stage)))
    _period_line(cycle)
    if is_overdue(cycle):
        days = (date.today() - cycle.plan_end).days
        st.warning(t("worksheet.overdue", end=fmt_date(cycle.plan_end), days=days))
    show_outcome(cycle.id)
    names = {m_id: plain(m.name, one_line=True) for m_id, m in measures.items()}
    for stage in _STAGES:
        with st.container(border=True, key=f"ws-stage-{stage}-{cycle.id}"):
            st.markdown(f"**{t('worksheet.stage_title.' + stage)}**")
            st.caption(t(f"worksheet.stage_questions.{stage}"))
            main, side = st.columns([3, 2])
            with main:
                # the stage the cycle has come to; Act opens once Study has its results; a
                # decided cycle is done (its next cycle carries on)
                editing = may_edit and cycle.stage != "acted" and (
                    stage == current or (stage == "act" and current == "study" and bool(cycle.study_results)))
                if stage == "study":
                    _prediction_beside(cycle, measures)
                if editing:
                    stage_form(cycle, stage, measures={m_id: m.name for m_id, m in measures.items()})
                else:
                    _read_only(cycle, stage, names)
            with side:
                _comments(cycle, stage, [c for c in comments if c.stage == stage], may_comment, may_answer)
    if cycle.stage == "acted" and not has_next and actor is not None and can(actor, "start_cycle", scope):
        next_cycle_form(cycle, number)
    _archive_control(cycle)


def _read_only(cycle: PdsaCycle, stage: str, names: dict[int, str]) -> None:
    if stage == "plan":
        _field_lines(cycle, STAGE_FIELDS["plan"])
        if cycle.measure_ids:
            st.markdown(f"*{t('worksheet.q.measure_ids')}*  \n" + ", ".join(names.get(m, "–") for m in cycle.measure_ids))
    elif stage == "do":
        _field_lines(cycle, STAGE_FIELDS["do"])
    elif stage == "study":
        _field_lines(cycle, STAGE_FIELDS["study"])
    else:
        if cycle.act_decision:
            st.markdown(f"*{t('cycles.decision')}:* {label('decision', cycle.act_decision)}")
            _field_lines(cycle, ("act_next_step",), empty=False)
        else:
            _not_yet()


def _prediction_beside(cycle: PdsaCycle, measures: dict[int, Measure]) -> None:
    """Study: what was predicted beside what happened, and the linked measures' charts."""
    left, right = st.columns(2)
    with left:
        st.markdown(f"*{t('worksheet.predicted')}*")
        st.markdown(plain(cycle.plan_predictions) if cycle.plan_predictions else t("worksheet.no_prediction"))
    with right:
        st.markdown(f"*{t('worksheet.happened')}*")
        st.markdown(plain(cycle.do_what_happened) if cycle.do_what_happened else t("worksheet.not_yet"))
    for measure_id in cycle.measure_ids:
        measure = measures.get(measure_id)
        if measure is not None:
            _cycle_chart(measure, cycle)


def _cycle_chart(measure: Measure, cycle: PdsaCycle) -> None:
    """The measure's run of points around the cycle: from a few periods before it started to
    its end, the cycle's start and end marked (drawn with pdsa/charts.py, read-only)."""
    points = data_points_frame(cursor(), [measure.id])
    start = cycle.do_start or cycle.plan_end
    if points.empty or start is None:
        st.caption(t("worksheet.no_chart", name=plain(measure.name, one_line=True)))
        return
    end = cycle.do_end or cycle.plan_end or date.today()
    span = {"day": timedelta(days=14), "week": timedelta(weeks=12), "month": timedelta(days=366)}[measure.period]
    window = points[(points["period"] >= pd.Timestamp(start - span)) & (points["period"] <= pd.Timestamp(end + span))]
    chart = "run"
    try:
        _series, analysis = analyze_measure(measure, window, chart=chart)
    except ValueError:
        analysis = None
    if analysis is None:
        st.caption(t("worksheet.no_chart", name=plain(measure.name, one_line=True)))
        return
    marks = [Annotation(date=pd.Timestamp(start), label=t("worksheet.chart_start"), kind="pdsa")]
    if cycle.do_end and cycle.do_end != start and next_period(cycle.do_end, measure.period):
        marks.append(Annotation(date=pd.Timestamp(cycle.do_end), label=t("worksheet.chart_end"), kind="pdsa"))
    labels = chart_labels(measure, chart)

    def build():
        figure = spc_chart(analysis, labels=labels, annotations=marks,
                           percent=measure.data_type in PROPORTION_DATA_TYPES, show_icons=False)
        return figure.properties(usermeta={"chart": "cycle_study"})  # told apart from the Measures tab's charts

    # cached for every session under all it is drawn from: the measure (its settings and data
    # versions), the points shown (their digest keeps two databases that share ids apart), the
    # cycle's marks and the words in the reader's language
    shown = pd.util.hash_pandas_object(window, index=False).to_numpy().tobytes()
    show_altair_chart(build, drawn_from=("cycle_study", measure, shown, marks, labels),
                      width="stretch", theme=None, key=f"ws-chart-{cycle.id}-{measure.id}")


def _role_words(role: str) -> str:
    return t(f"worksheet.role.{role}")


def _comments(cycle: PdsaCycle, stage: str, comments: list[CycleComment], may_comment: bool,
              may_answer: bool) -> None:
    """The comments written at this stage, each with the team's answers under it."""
    asked = [c for c in comments if c.reply_to is None]
    if not asked and stage not in ("plan", "study"):
        return
    st.markdown(f"*{t('worksheet.comments_heading')}*")
    if not asked:
        st.caption(t("worksheet.no_comments"))
    for comment in asked:
        with st.container(border=True, key=f"ws-comment-{comment.id}"):
            st.markdown(f"{plain(comment.text)}  \n— {_role_words(comment.author_role)}, "
                        f"{plain(comment.author_name, one_line=True)} · {fmt_datetime(comment.created_at)}")
            for answer in [c for c in comments if c.reply_to == comment.id]:
                st.markdown(f"> **{t('worksheet.answer_from', role=_role_words(answer.author_role))}:** "
                            f"{plain(answer.text)}  \n> — {plain(answer.author_name, one_line=True)}")
            if may_answer:
                answer_form(comment.id)
    if may_comment and stage in ("plan", "study"):
        comment_form(cycle, stage)


# --- archive and restore (ui/archive_control.py) ------------------------------------------------


def _archivable(cycle: PdsaCycle) -> Archivable:
    return Archivable(
        kind="cycle", item_id=cycle.id, version=cycle.version, name=cycle.title, group=cycle.project_id,
        archive=archive_cycle, restore=restore_cycle, archive_label="measure_forms.archive_cycle",
        question="measure_forms.archive_cycle_question", archived_text="measure_forms.cycle_archived",
        restored_text="measure_forms.cycle_restored")


def _archive_control(cycle: PdsaCycle) -> None:
    """A quiet Archive button under the worksheet; clicking it asks first."""
    actor = current_actor()
    archive_control(_archivable(cycle),
                    may=actor is not None and can(actor, "archive_cycle", Scope(project_id=cycle.project_id)))


def archived_cycles_section(cur, actor: Actor | None, project_id: int) -> None:
    """What became of an archive or a restore, and the project's archived cycles under an
    "Archived PDSA cycles" expander, each with Restore for those who may (nothing when none)."""
    archive_outcome("cycle", project_id)
    archived = list_cycles(cur, project_id=project_id, archived_only=True)
    if not archived:
        return
    may_restore = actor is not None and can(actor, "restore_cycle", Scope(project_id=project_id))
    with st.expander(t("measure_forms.archived_cycles", n=len(archived))):
        st.caption(t("measure_forms.archived_cycles_purpose"))
        for cycle in archived:
            row = st.container(horizontal=True, vertical_alignment="center")
            started = f" · {fmt_date(cycle.do_start)}" if cycle.do_start else ""
            row.markdown(f"**{plain(cycle.title, one_line=True)}** · {label('cycle_stage', cycle.stage)}{started}")
            restore_button(row, _archivable(cycle), may=may_restore)
