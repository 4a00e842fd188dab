"""The leaders' portfolio on the overview page, as a leader uses it (AppTest): filters, sorting,
downloads, both languages, what a patient representative sees, and the cache across sessions."""

import io
from datetime import date

import pandas as pd
import pytest

from conftest import read_from
from test_pages import open_page
from actions import Actor, record_data_points
from pdsa.core.db import connect
from pdsa.i18n import translate
from pdsa.models import DataPoint
from pdsa.portfolio import build_portfolio
from pdsa.store.measures import list_measures
from pdsa.store.portfolio import data_version

ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))


def _expected(path) -> pd.DataFrame:
    con = connect(path)
    try:
        return build_portfolio(con.cursor(), date.today()).measures
    finally:
        con.close()


def _rows(at) -> pd.DataFrame:
    assert not at.exception, at.exception
    return at.dataframe[0].value


def _link_ids(rows: pd.DataFrame) -> list[int]:
    return [int(link.rsplit("measure=", 1)[1]) for link in rows["chart"]]


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_leader_sees_every_measure_with_its_signal_and_a_link_to_its_chart(monkeypatch, demo_copy, language):
    at = open_page(monkeypatch, demo_copy, "views/overview.py", language, user="demo-leader")
    rows = _rows(at)
    expected = _expected(demo_copy)
    assert _link_ids(rows) == expected["measure_id"].astype(int).tolist()  # grouped by project, as listed
    assert rows["chart"].iloc[0] == f"projects?project={int(expected['project_id'].iloc[0])}&measure={_link_ids(rows)[0]}"
    words = [translate(language, f"portfolio.tone.{tone}") for tone in expected["tone"]]
    assert rows["signal"].tolist() == words
    assert all(isinstance(points, (list, tuple)) or hasattr(points, "__len__") for points in rows["recent"])
    assert translate(language, "portfolio.tone.improvement") in set(rows["signal"])
    assert at.caption[2].value == translate(language, "portfolio.shown.other", count=len(expected),
                                            shown=len(expected))
    assert [m.value for m in at.metric][0] == "3"  # the demo-wide counts leaders like stay
    buttons = [b.label for b in at.get("download_button")]
    assert buttons == [translate(language, "portfolio.download_csv"), translate(language, "portfolio.download_excel")]


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_leader_filters_by_pathway_and_by_signal(monkeypatch, demo_copy, language):
    expected = _expected(demo_copy)
    at = open_page(monkeypatch, demo_copy, "views/overview.py", language, user="demo-leader")
    pathway = int(expected["pathway_id"].iloc[0])
    at.multiselect(key="portfolio-pathway").set_value([pathway]).run()
    rows = _rows(at)
    on_pathway = expected[expected["pathway_id"] == pathway]
    assert _link_ids(rows) == on_pathway["measure_id"].astype(int).tolist()
    assert 0 < len(rows) < len(expected)

    at.multiselect(key="portfolio-signal").set_value(["random"]).run()
    rows = _rows(at)
    wanted = on_pathway[on_pathway["tone"] == "random"]
    assert len(wanted) > 0 and _link_ids(rows) == wanted["measure_id"].astype(int).tolist()
    assert set(rows["signal"]) == {translate(language, "portfolio.tone.random")}

    at.multiselect(key="portfolio-pathway").set_value([]).run()  # the signal alone, across the region
    rows = _rows(at)
    assert _link_ids(rows) == expected.loc[expected["tone"] == "random", "measure_id"].astype(int).tolist()


def test_no_match_says_what_to_do_and_the_filters_clear(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/overview.py", "en", user="demo-leader")
    at.multiselect(key="portfolio-signal").set_value(["deterioration", "non_random"]).run()
    if at.dataframe:  # the demo has no such measure today; if it ever has, narrow further
        at.multiselect(key="portfolio-status").set_value(["stopped"]).run()
    assert not at.dataframe
    assert translate("en", "portfolio.no_match") in [i.value for i in at.info]
    at.button(key="portfolio-clear").click().run()
    assert len(_rows(at)) == len(_expected(demo_copy))


def test_sorting_by_staleness_puts_measures_without_new_data_first(monkeypatch, demo_copy):
    expected = _expected(demo_copy).set_index("measure_id")
    at = open_page(monkeypatch, demo_copy, "views/overview.py", "en", user="demo-leader")
    at.selectbox(key="portfolio-sort").set_value("stale").run()
    rows = _rows(at)
    ids = _link_ids(rows)
    stale = expected.loc[ids, "stale"].tolist()
    assert any(stale) and not all(stale)
    assert stale == sorted(stale, reverse=True)  # every stale measure before the others
    gaps = [int(g) for g in expected.loc[ids, "periods_since"].fillna(-1)][:sum(stale)]
    assert gaps == sorted(gaps, reverse=True)  # the longest without data first
    assert rows["data"].tolist() == ["⚠️ Stale" if s else "" for s in stale]

    at.selectbox(key="portfolio-sort").set_value("signal").run()
    order = ["deterioration", "non_random", "improvement", "too_few_to_tell", "random", "no_data"]
    tones = expected.loc[_link_ids(_rows(at)), "tone"].map(order.index).tolist()
    assert tones == sorted(tones)


def test_the_downloads_hold_the_rows_shown(monkeypatch, demo_copy):
    from openpyxl import load_workbook
    from ui.portfolio_table import csv_bytes, download_frame, excel_bytes

    at = open_page(monkeypatch, demo_copy, "views/overview.py", "da", user="demo-leader")
    at.multiselect(key="portfolio-signal").set_value(["improvement"]).run()
    shown = _rows(at)
    expected = _expected(demo_copy)
    rows = expected[expected["tone"] == "improvement"]
    # the same rows the page shows, as the download functions make them
    from ui.portfolio_table import filter_rows, sort_rows, _shown
    con = connect(demo_copy)
    try:
        portfolio = build_portfolio(con.cursor(), date.today())
    finally:
        con.close()
    frame = download_frame(sort_rows(filter_rows(_shown.__wrapped__("k", 0, date.today(), "da", portfolio), portfolio,
                                                 tones=["improvement"]), "project"), "da")
    assert len(frame) == len(shown) == len(rows)
    text = csv_bytes(frame, "da").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Projekt eller tema;Indikator;Patientforløb")
    assert text.count("\n") == len(rows) + 1 and "Forbedring" in text
    sheet = load_workbook(io.BytesIO(excel_bytes(frame, "Indikatorer")))["Indikatorer"]
    values = list(sheet.values)
    assert values[0][:2] == ("Projekt eller tema", "Indikator") and len(values) == len(rows) + 1
    assert [v[1] for v in values[1:]] == rows["measure"].tolist()


def test_a_long_table_is_shown_a_page_at_a_time_and_downloads_whole(monkeypatch, demo_copy, handed_downloads):
    """A region's table goes to the browser a page at a time; the downloads hold every row the
    filters let through (the callables the buttons run, taken as the page hands them over)."""
    import math

    import ui.portfolio_table as table

    page_rows = 5
    monkeypatch.setattr(table, "TABLE_PAGE_ROWS", page_rows)
    expected = _expected(demo_copy)
    ids = expected["measure_id"].astype(int).tolist()
    pages = math.ceil(len(ids) / page_rows)
    assert pages > 2
    at = open_page(monkeypatch, demo_copy, "views/overview.py", "da", user="demo-leader")
    assert _link_ids(_rows(at)) == ids[:page_rows]
    chooser = at.number_input(key="portfolio-table-page")
    assert chooser.label == f"Side i tabellen (af {pages})" and chooser.value == 1
    captions = [c.value for c in at.caption]
    assert f"Indikator 1–{page_rows} af {len(ids)} i tabellen." in captions
    assert translate("da", "portfolio.shown.other", count=len(ids), shown=len(ids)) in captions

    chooser.set_value(2).run()
    assert _link_ids(_rows(at)) == ids[page_rows:2 * page_rows]
    assert f"Indikator {page_rows + 1}–{2 * page_rows} af {len(ids)} i tabellen." in [c.value for c in at.caption]
    csv = handed_downloads["portfolio-csv"]().decode("utf-8-sig")
    assert csv.count("\n") == len(ids) + 1, "the download holds every row, not the page"

    rarest = expected["tone"].value_counts().idxmin()  # a signal with fewer rows than a page
    few = expected.loc[expected["tone"] == rarest, "measure_id"].astype(int).tolist()
    assert 0 < len(few) <= page_rows
    at.multiselect(key="portfolio-signal").set_value([rarest]).run()
    assert _link_ids(_rows(at)) == few
    assert not [n for n in at.number_input if n.key == "portfolio-table-page"], "one page: no chooser"
    assert handed_downloads["portfolio-csv"]().decode("utf-8-sig").count("\n") == len(few) + 1


def test_a_patient_representative_sees_only_their_projects_measures(monkeypatch, demo_copy):
    from pdsa.store.users import find_user

    con = connect(demo_copy)
    try:
        user = find_user(con.cursor(), "demo-patient")
    finally:
        con.close()
    at = open_page(monkeypatch, demo_copy, "views/overview.py", "en", user="demo-patient")
    rows = _rows(at)
    expected = _expected(demo_copy)
    assert 0 < len(rows) < len(expected)
    projects = {int(link.split("project=")[1].split("&")[0]) for link in rows["chart"]}
    assert len(projects) == 1, projects
    assert user is not None


def test_the_evaluation_is_shared_and_only_a_save_makes_it_again(monkeypatch, demo_copy):
    import ui.portfolio_table as table

    calls = []
    real = table.build_portfolio
    monkeypatch.setattr(table, "build_portfolio", lambda cur, today, previous=None: calls.append(today) or real(
        cur, today, previous=previous))
    import pdsa.portfolio
    fetched = []
    real_fetch = pdsa.portfolio.all_measure_series
    monkeypatch.setattr(pdsa.portfolio, "all_measure_series",
                        lambda cur, ids=None, **group: fetched.append(ids) or real_fetch(cur, ids, **group))
    table._evaluated.clear()
    at = open_page(monkeypatch, demo_copy, "views/overview.py", "da", user="demo-leader")
    assert len(calls) == 1
    at.session_state["lang"] = "en"
    at.run()
    assert _rows(at)["signal"].iloc[0].endswith("Improvement") or not at.exception
    other = open_page(monkeypatch, demo_copy, "views/overview.py", "en", user="demo-lead")  # another session
    assert not other.exception
    assert len(calls) == 1, "the language switch and another leader reuse the evaluation"

    con = connect(demo_copy)  # a save (as any saving action writes an audit event)
    try:
        cur = con.cursor()
        measure = next(m for m in list_measures(cur) if m.period == "week" and m.data_type == "count")
        record_data_points(cur, ADMIN, measure.id, [DataPoint(measure_id=measure.id, period=date(2026, 11, 30), value=2)])
    finally:
        con.close()
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == 2
    assert fetched == [None, [measure.id]], "the save evaluates only the measure it changed"
    row = _rows(at).loc[lambda r: r["chart"].str.endswith(f"measure={measure.id}")].iloc[0]
    assert str(row["latest_period"])[:10] == "2026-11-30"


def test_a_save_on_another_connection_changes_the_data_version(demo_db):
    """What another app server's save looks like: its own connection (PostgreSQL: its own session)."""
    before = data_version(demo_db)
    other = demo_db.cursor()
    measure = next(m for m in list_measures(other) if m.period == "week" and m.data_type == "count")
    record_data_points(other, ADMIN, measure.id, [DataPoint(measure_id=measure.id, period=date(2026, 11, 30), value=1)])
    assert data_version(demo_db) > before


def test_a_database_without_measures_says_how_to_get_some(monkeypatch, tmp_path):
    from actions import create_pathway
    from pathways.models import Pathway

    path = tmp_path / "no-measures.duckdb"
    con = connect(path)
    create_pathway(con.cursor(), ADMIN, Pathway(name="Hoftebrud"))
    con.close()
    at = open_page(monkeypatch, path, "views/overview.py", "en", user="admin")
    assert not at.exception, at.exception
    assert translate("en", "portfolio.no_measures") in [i.value for i in at.info]
    assert "projects" in {link.proto.page for link in at.get("page_link")}


def test_a_region_sized_table_goes_a_page_at_a_time_with_its_numbers_in_danish(monkeypatch, tmp_path):
    """bench/region.py's database at a tenth of a region and a bit (110 projects, 1,100
    measures): the first 1,000 rows, then the last 100, with the counts as Danish writes them."""
    from bench.region import LEADER, build

    path = tmp_path / "region.duckdb"
    build("duckdb", str(path), projects=110)
    total = read_from(path, lambda cur: cur.execute("SELECT count(*) FROM measure WHERE NOT archived").fetchone()[0])
    assert total > 1000
    written = f"{total // 1000}.{total % 1000:03d}"
    at = open_page(monkeypatch, path, "views/overview.py", "da", user=LEADER)
    assert len(_rows(at)) == 1000
    captions = [c.value for c in at.caption]
    assert f"Viser {written} af {written} indikatorer." in captions
    assert f"Indikator 1–1.000 af {written} i tabellen." in captions
    assert "Projekt 1–20 af 110" in captions
    at.number_input(key="portfolio-table-page").set_value(2).run()
    assert len(_rows(at)) == total - 1000
    assert f"Indikator 1.001–{written} af {written} i tabellen." in [c.value for c in at.caption]
