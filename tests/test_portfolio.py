"""The portfolio (all measures in one vectorised pass) says what each measure's own chart says."""

import numpy as np

from conftest import add_edge_case_measures
from pdsa.findings import finding_for_last_part
from pdsa.portfolio import evaluate_portfolio
from pdsa.series import analyze_measure
from pdsa.store.measures import data_points_frame, list_measures


def test_portfolio_agrees_with_each_measures_own_chart(demo_db):
    table = evaluate_portfolio(demo_db).set_index("measure_id")
    measures = list_measures(demo_db)
    assert set(table.index) == {m.id for m in measures}
    for measure in measures:
        series, analysis = analyze_measure(measure, data_points_frame(demo_db, [measure.id]))
        row = table.loc[measure.id]
        finding = finding_for_last_part(analysis)
        assert row["chart"] == analysis.chart and row["n_points"] == len(series), measure.name
        assert row["last_part"] == analysis.parts[-1].part, measure.name
        assert row["n_sigma_signal"] == finding.n_outside_limits, measure.name
        if measure.rules == "anhoej":
            assert bool(row["runs_signal"]) == finding.runs_signal, measure.name
        else:
            assert row["variation_icon"] == analysis.variation_icon and row["assurance"] == analysis.assurance
        assert bool(row["signal"]) == finding.has_signal, measure.name


def test_portfolio_follows_stored_settings_and_flags(demo_db):
    before = evaluate_portfolio(demo_db).set_index("measure_id")
    measure = next(m for m in list_measures(demo_db) if m.rules == "anhoej" and m.freeze_until and not m.splits)
    demo_db.execute("UPDATE data_point SET excluded = true WHERE measure_id = ?", [measure.id])
    after = evaluate_portfolio(demo_db).set_index("measure_id")
    # every point excluded: no centre line, no signal — and no other measure moved
    assert not after.loc[measure.id, "signal"]
    others = [i for i in before.index if i != measure.id]
    assert np.array_equal(before.loc[others, "signal"].to_numpy(), after.loc[others, "signal"].to_numpy())


def test_an_empty_database_gives_an_empty_portfolio(db):
    assert evaluate_portfolio(db).empty


def test_portfolio_agrees_on_measures_the_demo_lacks(db):
    measures = add_edge_case_measures(db)
    table = evaluate_portfolio(db).set_index("measure_id")
    lonely = measures[-1]
    assert lonely.id not in table.index  # nothing to plot yet
    for measure in measures[:-1]:
        series, analysis = analyze_measure(measure, data_points_frame(db, [measure.id]))
        finding = finding_for_last_part(analysis)
        row = table.loc[measure.id]
        assert row["n_points"] == len(series) and row["last_part"] == analysis.parts[-1].part, measure.name
        assert row["n_sigma_signal"] == finding.n_outside_limits, measure.name
        assert bool(row["signal"]) == finding.has_signal, measure.name
    assert table.loc[measures[0].id, "last_part"] == 3  # the split at the last week is outside the series
    mdc = table.loc[measures[1].id]
    assert mdc["variation_icon"] == "common_cause" and mdc["signal"]  # the outlier counts, as on its chart
    series, _ = analyze_measure(lonely, data_points_frame(db, [lonely.id]))
    assert len(series) == 0


# --- the leaders' portfolio (issue 12) -------------------------------------------------------

from datetime import date, timedelta  # noqa: E402

import pandas as pd  # noqa: E402

from pdsa.portfolio import STALE_AFTER, build_portfolio, periods_since  # noqa: E402
from pdsa.store.portfolio import data_version, portfolio_lists, portfolio_projects  # noqa: E402


def _expected_tone(measure, db):
    series, analysis = analyze_measure(measure, data_points_frame(db, [measure.id]))
    if analysis is None:
        return series, None, "no_data"
    return series, analysis, finding_for_last_part(analysis).tone


def _assert_agrees(db, table, measures):
    for measure in measures:
        series, analysis, tone = _expected_tone(measure, db)
        row = table.loc[measure.id]
        assert row["tone"] == tone, measure.name
        if analysis is None:
            continue
        assert np.isclose(row["centre"], analysis.points["cl"].iloc[-1], equal_nan=True), measure.name
        assert np.isclose(row["latest"], analysis.points["y"].iloc[-1]), measure.name
        assert row["recent"] == [round(float(v), 6) for v in analysis.points["y"].iloc[-20:]], measure.name
        assert row["latest_period"] == series.x[-1], measure.name


def test_the_portfolio_says_what_each_measures_own_chart_says(demo_db):
    """Signal in words (the tone of the chart's own sentence), centre line and latest value."""
    portfolio = build_portfolio(demo_db, date.today())
    table = portfolio.measures.set_index("measure_id")
    measures = list_measures(demo_db)
    assert set(table.index) == {m.id for m in measures}
    _assert_agrees(demo_db, table, measures)
    assert {"improvement", "random"} <= set(table["tone"])  # the demo shows both


def test_the_portfolio_agrees_on_edge_cases_and_lists_measures_without_data(db):
    measures = add_edge_case_measures(db)
    table = build_portfolio(db, date.today()).measures.set_index("measure_id")
    _assert_agrees(db, table, measures)
    assert table.loc[measures[-1].id, "tone"] == "no_data" and not table.loc[measures[-1].id, "stale"]


def test_target_staleness_and_the_projects_facts(demo_db):
    today = date(2026, 12, 2)
    portfolio = build_portfolio(demo_db, today)
    table = portfolio.measures.set_index("measure_id")
    for measure in list_measures(demo_db):
        row = table.loc[measure.id]
        series, analysis = analyze_measure(measure, data_points_frame(demo_db, [measure.id]))
        latest = analysis.points["y"].iloc[-1]
        if measure.target is None:
            assert pd.isna(row["meets_target"])
        else:
            assert bool(row["meets_target"]) == (latest >= measure.target if measure.direction == "up"
                                                 else latest <= measure.target), measure.name
        last = max(data_points_frame(demo_db, [measure.id])["period"])
        last = pd.Timestamp(last).date()
        if measure.period == "week":
            gap = ((today - timedelta(days=today.weekday())) - (last - timedelta(days=last.weekday()))).days // 7
        elif measure.period == "month":
            gap = (today.year * 12 + today.month) - (last.year * 12 + last.month)
        else:
            gap = (today - last).days
        assert row["periods_since"] == gap, measure.name
        assert row["stale"] == (gap >= STALE_AFTER and measure.data_type not in ("days_between", "cases_between"))
    assert table["stale"].any() and not table["stale"].all()  # weeks since W44 are stale, a month since October not
    projects = portfolio.projects.set_index("project_id")
    assert (projects["progress"] > 0).all() and projects["last_cycle_on"].notna().all()


def test_periods_since_counts_whole_days_weeks_and_months():
    last = pd.Series([date(2026, 11, 30), date(2026, 11, 16), date(2026, 10, 1), date(2026, 11, 29), None])
    period = pd.Series(["day", "week", "month", "week", "month"])
    assert periods_since(last, period, date(2026, 12, 2)).tolist()[:4] == [2, 2, 2, 1]
    assert periods_since(last, period, date(2026, 12, 2)).isna().tolist()[4]


def test_cycles_in_the_last_90_days_and_the_latest_progress_are_counted_in_sql(demo_db):
    from pdsa.store.cycles import list_cycles
    from pdsa.store.projects import latest_progress, list_projects

    today = date(2026, 9, 1)
    facts = portfolio_projects(demo_db, today).set_index("project_id")
    cycles = list_cycles(demo_db)
    for project in list_projects(demo_db):
        mine = [c for c in cycles if c.project_id == project.id]
        recent = [c for c in mine if c.do_start and c.do_start <= today
                  and (c.do_end or c.do_start) >= today - timedelta(days=90)]
        row = facts.loc[project.id]
        assert row["cycles_90"] == len(recent), project.title
        assert row["running_cycles"] == sum(c.act_decision is None for c in mine)
        assert row["last_cycle_on"] == max(c.do_start for c in mine if c.do_start)
        assert row["progress"] == latest_progress(project).score
    assert facts["cycles_90"].sum() > 0


def test_a_themes_own_measure_is_in_the_portfolio_under_its_theme(db):
    from actions import Actor, create_theme, define_measure
    from pdsa.models import Measure, Theme

    actor = Actor(None, "test", roles=frozenset({"administrator"}))
    theme_id = create_theme(db, actor, Theme(name="Godt koordineret udskrivelse")).id
    measure_id = define_measure(db, actor, Measure(
        theme_id=theme_id, name="Oplever udskrivelsen som koordineret", kind="outcome", data_type="proportion",
        period="month", target=0.8)).id
    table = build_portfolio(db, date.today()).measures.set_index("measure_id")
    row = table.loc[measure_id]
    assert row["theme_id"] == theme_id and pd.isna(row["project_id"]) and row["tone"] == "no_data"
    assert portfolio_lists(db)["themes"]["name"].tolist() == ["Godt koordineret udskrivelse"]


def test_the_data_version_changes_with_every_save(demo_db):
    from actions import Actor, record_data_points

    before = data_version(demo_db)
    assert before[0] > 0
    measure = next(m for m in list_measures(demo_db) if m.data_type == "count" and m.period == "week")
    from pdsa.models import DataPoint

    record_data_points(demo_db, Actor(None, "test", roles=frozenset({"administrator"})), measure.id,
                       [DataPoint(measure_id=measure.id, period=date(2026, 11, 30), value=3)])
    assert data_version(demo_db) > before


def test_a_save_that_commits_late_changes_the_data_version(demo_db):
    """A save that took an earlier audit id commits after a later one: the newest id stays, the
    version still changes (PostgreSQL hands out ids when a save starts, not when it commits)."""
    newest, _ = data_version(demo_db)
    demo_db.execute("INSERT INTO audit_event (id, who, entity, entity_id, action) VALUES (?, 'test', 'measure', 1, 'update')",
                    [newest + 5])
    before = data_version(demo_db)
    demo_db.execute("INSERT INTO audit_event (id, who, entity, entity_id, action) VALUES (?, 'test', 'measure', 1, 'update')",
                    [newest + 2])  # the late one
    after = data_version(demo_db)
    assert after != before and after[0] == before[0] == newest + 5


def test_the_filters_pick_the_right_rows(demo_db):
    """Pathway, unit, sector, theme (its projects, its chosen measures and its own measure),
    status and signal, as the page applies them."""
    from actions import Actor, create_theme, define_measure, set_theme_contributions
    from pdsa.models import Measure, Theme
    from ui.portfolio_table import _shown, filter_rows

    actor = Actor(None, "test", roles=frozenset({"administrator"}))
    theme_id = create_theme(demo_db, actor, Theme(name="Godt koordineret udskrivelse")).id
    own = define_measure(demo_db, actor, Measure(theme_id=theme_id, name="Oplever udskrivelsen som koordineret",
                                                 kind="outcome", data_type="proportion", period="month")).id
    chosen = list_measures(demo_db)[0]
    set_theme_contributions(demo_db, actor, theme_id, measure_ids=[chosen.id])
    portfolio = build_portfolio(demo_db, date.today())
    rows = _shown.__wrapped__("k", 0, date.today(), "en", portfolio)
    measures = portfolio.measures
    lists = portfolio.lists

    def ids(**filters):
        return set(filter_rows(rows, portfolio, **filters)["_measure_id"].astype(int))

    assert ids() == set(measures["measure_id"].astype(int))
    pathway = int(measures["pathway_id"].dropna().iloc[-1])
    assert ids(pathways=[pathway]) == set(measures.loc[measures["pathway_id"] == pathway, "measure_id"].astype(int))
    unit = int(lists["project_units"]["unit_id"].iloc[0])
    unit_projects = set(lists["project_units"].loc[lists["project_units"]["unit_id"] == unit, "project_id"].astype(int))
    assert ids(units=[unit]) == set(measures.loc[measures["project_id"].isin(unit_projects), "measure_id"].astype(int))
    sector_projects = set(lists["project_sectors"].loc[lists["project_sectors"]["sector"] == "municipality",
                                                       "project_id"].astype(int))
    assert 0 < len(ids(sectors=["municipality"])) and ids(sectors=["municipality"]) == set(
        measures.loc[measures["project_id"].isin(sector_projects), "measure_id"].astype(int))
    assert ids(themes=[theme_id]) == {own, chosen.id}  # its own measure and the one chosen for it
    project_theme = int(lists["project_themes"]["theme_id"].iloc[0])
    theme_projects = set(lists["project_themes"].loc[lists["project_themes"]["theme_id"] == project_theme,
                                                     "project_id"].astype(int))
    links = portfolio.theme_links
    chosen_for_it = set(links.loc[links["theme_id"] == project_theme, "measure_id"].astype(int))
    assert ids(themes=[project_theme]) == set(measures.loc[
        measures["project_id"].isin(theme_projects) | (measures["theme_id"] == project_theme)
        | measures["measure_id"].isin(chosen_for_it), "measure_id"].astype(int))
    assert ids(statuses=["active"]) == set(measures.loc[measures["status"] == "active", "measure_id"].astype(int))
    assert own not in ids(statuses=["active"])  # a theme's own measure belongs to no project
    assert ids(tones=["no_data"]) == {own}
    assert ids(pathways=[pathway], tones=["improvement"]) == set(measures.loc[
        (measures["pathway_id"] == pathway) & (measures["tone"] == "improvement"), "measure_id"].astype(int))
    assert rows.loc[rows["_measure_id"] == own, "owner"].item() == "Theme: Godt koordineret udskrivelse"
    assert rows.loc[rows["_measure_id"] == own, "chart"].item() == f"themes?theme={theme_id}&measure={own}"


def test_a_database_without_splits_or_freezes_is_evaluated(db):
    from actions import Actor, create_pathway, create_project, define_measure, record_data_points
    from pathways.models import Pathway
    from pdsa.models import DataPoint, Measure, Project

    actor = Actor(None, "test", roles=frozenset({"administrator"}))
    pathway = create_pathway(db, actor, Pathway(name="Hoftebrud"))
    project = create_project(db, actor, Project(title="Hurtig operation", pathway_id=pathway.id, aim_what="a",
                                                aim_how_much="b", aim_by_when=date(2027, 1, 1),
                                                start_date=date(2026, 1, 1)))
    measure = define_measure(db, actor, Measure(project_id=project.id, name="Fald", kind="outcome",
                                                data_type="count", period="week", target=2, direction="down"))
    start = date(2026, 1, 5)
    record_data_points(db, actor, measure.id, [
        DataPoint(measure_id=measure.id, period=start + timedelta(weeks=k), value=[5, 6, 4, 5, 7, 5][k % 6])
        for k in range(20)])
    table = build_portfolio(db, date(2026, 5, 25)).measures.set_index("measure_id")
    _assert_agrees(db, table, [measure])
    row = table.loc[measure.id]
    assert row["n_points"] == 20 and not row["meets_target"] and not row["stale"] and row["periods_since"] == 1


def test_the_tables_icons_use_the_charts_colours_and_letters():
    import pdsa.charts_icons as chart
    import ui.portfolio_table as table

    assert table.MDC_COLOURS == chart.MDC_COLOURS
    assert table.ASSURANCE_COLOURS == chart.ASSURANCE_COLOURS
    assert table.ASSURANCE_LETTERS == chart.ASSURANCE_LETTERS
    for point_type in chart.MDC_COLOURS:
        for direction in ("increase", "decrease"):
            assert table.variation_letter(point_type, direction) == chart.variation_letter(point_type, direction)


def test_fetching_a_few_measures_at_a_time_beside_the_analysis_gives_the_same_figures(demo_db, monkeypatch):
    """A full pass fetches the next group of measures on a second cursor while one is analysed."""
    import pdsa.portfolio as portfolio

    add_edge_case_measures(demo_db)
    whole = evaluate_portfolio(demo_db)
    groups = []
    real = portfolio.all_measure_series
    monkeypatch.setattr(portfolio, "all_measure_series",
                        lambda cur, ids=None, **group: groups.append((cur is demo_db, group)) or real(cur, ids, **group))
    monkeypatch.setattr(portfolio, "FETCH_MEASURES", 3)
    pieces = evaluate_portfolio(demo_db)
    assert len(groups) > 3 and not any(on_main for on_main, _ in groups), "fetched beside, on a cursor of its own"
    ranges = [group["id_range"] for _, group in groups]
    assert ranges == sorted(ranges) and all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))
    pd.testing.assert_frame_equal(whole.drop(columns="recent"), pieces.drop(columns="recent"))
    assert all(np.array_equal(np.array(a), np.array(b), equal_nan=True) for a, b in zip(whole["recent"], pieces["recent"]))


def test_evaluating_a_few_series_at_a_time_gives_the_same_figures(demo_db, monkeypatch):
    import pdsa.portfolio as portfolio

    add_edge_case_measures(demo_db)
    whole = evaluate_portfolio(demo_db)
    monkeypatch.setattr(portfolio, "CHUNK_POINTS", 7)  # a handful of series per pass
    pieces = evaluate_portfolio(demo_db)
    assert len(whole) == len(pieces) > 3
    pd.testing.assert_frame_equal(whole.drop(columns="recent"), pieces.drop(columns="recent"))
    assert [np.array(r) for r in whole["recent"]] and all(
        np.array_equal(np.array(a), np.array(b), equal_nan=True) for a, b in zip(whole["recent"], pieces["recent"]))


def test_after_saves_only_the_changed_measures_are_evaluated_again(demo_db, monkeypatch):
    """A refresh from the previous portfolio evaluates the measures whose points or settings
    changed (and new ones), and gives the same table as evaluating everything afresh."""
    import pdsa.portfolio as portfolio
    from actions import Actor, archive_measure, record_data_points, update_measure
    from pdsa.models import DataPoint

    admin = Actor(None, "test", roles=frozenset({"administrator"}))
    today = date.today()
    before = build_portfolio(demo_db, today)
    measures = list_measures(demo_db)
    counted = next(m for m in measures if m.period == "week" and m.data_type == "count")
    targeted = next(m for m in measures if m.id != counted.id and m.target is not None)
    archived = next(m for m in measures if m.id not in (counted.id, targeted.id))
    record_data_points(demo_db, admin, counted.id, [DataPoint(measure_id=counted.id, period=date(2026, 11, 30), value=9)])
    update_measure(demo_db, admin, targeted.model_copy(update={"target": targeted.target * 0.5}))
    archive_measure(demo_db, admin, archived.id)
    added = add_edge_case_measures(demo_db)

    fetched = []
    real = portfolio.all_measure_series
    monkeypatch.setattr(portfolio, "all_measure_series", lambda cur, ids=None, **group: fetched.append(ids) or real(cur, ids, **group))
    monkeypatch.setattr(portfolio, "REFRESH_AT_MOST", 1.0)  # the demo is small: most of it changed here
    refreshed = build_portfolio(demo_db, today, previous=before)
    assert len(fetched) == 1 and set(fetched[0]) == {counted.id, targeted.id} | {m.id for m in added}
    afresh = build_portfolio(demo_db, today, stored=False)
    order = refreshed.measures["measure_id"].tolist()
    assert order == afresh.measures["measure_id"].tolist() and archived.id not in order
    pd.testing.assert_frame_equal(refreshed.measures.drop(columns="recent"), afresh.measures.drop(columns="recent"))
    assert all(np.array_equal(np.array(a), np.array(b), equal_nan=True)
               for a, b in zip(refreshed.measures["recent"], afresh.measures["recent"]))
    row = refreshed.measures.set_index("measure_id").loc[counted.id]
    assert str(row["latest_period"]) == "2026-11-30"

    fetched.clear()
    again = build_portfolio(demo_db, today, previous=refreshed)  # nothing changed since
    assert fetched == [] and again.measures["measure_id"].tolist() == order

    monkeypatch.setattr(portfolio, "REFRESH_AT_MOST", 0.0)
    record_data_points(demo_db, admin, counted.id, [DataPoint(measure_id=counted.id, period=date(2026, 11, 30), value=3)])
    build_portfolio(demo_db, today, previous=again)
    assert fetched == [None], "more changed than a refresh pays off for: one full pass"


def _same_portfolio(one, other) -> None:
    assert one.measures["measure_id"].tolist() == other.measures["measure_id"].tolist()
    pd.testing.assert_frame_equal(one.measures.drop(columns="recent"), other.measures.drop(columns="recent"))
    assert all(np.array_equal(np.array(a), np.array(b), equal_nan=True)
               for a, b in zip(one.measures["recent"], other.measures["recent"]))


def test_a_new_process_starts_from_the_evaluation_kept_in_the_database(demo_db, monkeypatch):
    """The first view of a new app server reads the kept evaluation and evaluates only what
    changed since; a kept evaluation made by other code, or one that cannot be read, is not used."""
    import pdsa.portfolio as portfolio
    from actions import Actor, record_data_points
    from pdsa.models import DataPoint

    today = date.today()
    build_portfolio(demo_db, today)  # the first process: evaluates everything and keeps it
    assert demo_db.execute("SELECT count(*) FROM portfolio_snapshot").fetchone()[0] == 1
    counted = next(m for m in list_measures(demo_db) if m.period == "week" and m.data_type == "count")
    record_data_points(demo_db, Actor(None, "test", roles=frozenset({"administrator"})), counted.id,
                       [DataPoint(measure_id=counted.id, period=date(2026, 11, 30), value=7)])

    fetched = []
    real = portfolio.all_measure_series
    monkeypatch.setattr(portfolio, "all_measure_series", lambda cur, ids=None, **group: fetched.append(ids) or real(cur, ids, **group))
    started = build_portfolio(demo_db, today)  # a new process: no previous portfolio in memory
    assert fetched == [[counted.id]]
    _same_portfolio(started, build_portfolio(demo_db, today, stored=False))
    assert started.measures.set_index("measure_id").loc[counted.id, "latest_period"] == date(2026, 11, 30)

    fetched.clear()
    monkeypatch.setattr(portfolio, "evaluation_code", lambda: "other statistics")
    build_portfolio(demo_db, today)
    assert fetched == [None], "findings kept by other code are evaluated afresh"
    fetched.clear()
    demo_db.execute("UPDATE portfolio_snapshot SET body = 'not a snapshot' WHERE id = 1")
    _same_portfolio(build_portfolio(demo_db, today), build_portfolio(demo_db, today, stored=False))
    assert fetched[0] is None
