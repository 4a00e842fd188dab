"""The import wizard on a measure's card (AppTest, on a copy of the demo).

AppTest cannot upload a file, so the tests put the file's bytes where the wizard reads an
upload from (``st.session_state["import-<measure id>-upload"]``); everything after the upload —
sheet, columns, preview, the report of bad rows, the counts, skip or replace, Import, the
success message and the rows on the card — is the page as the user sees it. The reading and
checking behind it is tested directly in tests/test_import_reader.py.
"""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest
from test_pages import open_page

from conftest import read_from
import actions
from actions.actor import Actor
from pdsa.imports.store import remembered_mapping
from pdsa.models import Measure
from pdsa.store.measures import get_measure, list_data_points
from pdsa.store.projects import list_projects
from tests.test_import_reader import FIXTURES

ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
PROJECT = "Hoftebrud – smertefri"


def _new_measure(path, data_type="proportion", period="week", name="Importeret andel") -> Measure:
    def make(cur):
        project = next(p for p in list_projects(cur) if p.title.startswith(PROJECT))
        return actions.define_measure(cur, ADMIN, Measure(project_id=project.id, name=name, kind="process",
                                                          data_type=data_type, period=period))
    return read_from(path, make)


def _open(monkeypatch, path, language="da") -> AppTest:
    at = open_page(monkeypatch, path, "views/projects.py", language)
    choices = at.selectbox(key="project").options
    at.selectbox(key="project").select_index(next(i for i, t in enumerate(choices) if t.startswith(PROJECT))).run()
    at.session_state["project-tabs-none"] = "Indikatorer" if language == "da" else "Measures"
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, measure_id: int, name: str, data: bytes | None = None) -> AppTest:
    at.session_state[f"import-{measure_id}-upload"] = {"name": name, "data": data or (FIXTURES / name).read_bytes()}
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> list[str]:
    """The texts as the user reads them (Markdown's escapes of user text taken out)."""
    return [e.value.replace("\\", "") for e in elements]


def _preview(at: AppTest):
    return next(d.value for d in at.dataframe if "Række i filen" in d.value.columns or "Row in the file" in d.value.columns)


def test_upload_preview_columns_import_and_the_rows_on_the_card(monkeypatch, demo_copy):
    measure = _new_measure(demo_copy)
    at = _open(monkeypatch, demo_copy)
    assert "Importér data fra en fil" in [e.label for e in at.expander]
    _upload(at, measure.id, "tuesdays_in_weekly.csv")
    # the columns guessed, the dates moved to their ISO weeks, and the preview says so
    mapped = {s.label: s.value for s in at.selectbox if s.key and s.key.startswith(f"import-{measure.id}-map-")}
    assert mapped["Periode eller dato *"] == "Dato" and mapped["Tæller *"] == "Tæller" and mapped["Nævner *"] == "Nævner"
    assert "12 datoer er ikke mandage; hver tælles i sin ISO-uge (fx 07-01-2025 → uge 2 2025)." in _texts(at.info)
    preview = _preview(at)
    assert list(preview["I filen"][:2]) == ["07-01-2025", "14-01-2025"]
    assert list(preview["Periode"][:2]) == ["uge 2 2025", "uge 3 2025"]
    assert list(preview["Række i filen"][:2]) == [2, 3]
    assert "Alle 12 perioder er nye for indikatoren." in _texts(at.caption)
    at.button(key=f"import-{measure.id}-import").click().run()
    assert not at.exception, at.exception
    assert any(s.startswith("Importeret fra tuesdays_in_weekly.csv: 12 nye perioder, 0 erstattet, 0 sprunget over.")
               for s in _texts(at.success)), _texts(at.success)
    points = read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))
    assert len(points) == 12 and points[0].period == date(2025, 1, 6) and points[0].numerator == 5
    # the rows on the card: the data table shows them
    assert "Data – 12 perioder" in [e.label for e in at.expander]
    tables = [d.value for d in at.dataframe if len(d.value) == 12]
    assert any(str(date(2025, 1, 6)) in map(str, table.iloc[:, 0]) or "06-01-2025" in map(str, table.iloc[:, 0])
               for table in tables), [t.head(2) for t in tables]
    # the mapping is remembered for next month's file
    assert read_from(demo_copy, lambda cur: remembered_mapping(cur, measure.id))["mapping"] == {
        "period": "Dato", "numerator": "Tæller", "denominator": "Nævner"}


def test_a_bad_file_shows_each_row_and_reason_and_offers_no_import(monkeypatch, demo_copy):
    measure = _new_measure(demo_copy)
    at = _open(monkeypatch, demo_copy)
    _upload(at, measure.id, "text_in_number_column.csv")
    errors = _texts(at.error)
    assert any(e.startswith("Intet er importeret: 2 rækker skal rettes først.") and "Række 3: Tæller: “ca. 4” er ikke et tal."
               in e and "Række 4: Nævner: “ti” er ikke et tal." in e for e in errors), errors
    assert f"import-{measure.id}-import" not in [b.key for b in at.button]
    assert read_from(demo_copy, lambda cur: list_data_points(cur, measure.id)) == []

    _upload(at, measure.id, "cpr_in_note.csv")
    errors = _texts(at.error)
    assert any("Række 3: Kommentarer: kommentaren ser ud til at indeholde et CPR-nummer" in e for e in errors), errors
    assert not any("010190" in e for e in errors)

    _upload(at, measure.id, "binary_renamed.csv")
    assert any("ikke en tekstfil eller et regneark" in e for e in _texts(at.error))


def test_existing_periods_are_counted_and_replaced_when_chosen(monkeypatch, demo_copy):
    measure = _new_measure(demo_copy)
    read_from(demo_copy, lambda cur: actions.record_data_points(cur, ADMIN, measure.id, [
        {"period": date(2025, 1, 6), "numerator": 1, "denominator": 2}]))
    at = _open(monkeypatch, demo_copy, "en")
    _upload(at, measure.id, "weeks_uge.csv")
    assert "11 periods are new, and 1 already hold data in the measure." in _texts(at.warning)
    assert at.button(key=f"import-{measure.id}-import").label == "Import 11 periods"
    at.radio(key=f"import-{measure.id}-existing").set_value("replace").run()
    assert at.button(key=f"import-{measure.id}-import").label == "Import 12 periods"
    at.button(key=f"import-{measure.id}-import").click().run()
    assert any(s.startswith("Imported from weeks_uge.csv: 11 new periods, 1 replaced, 0 skipped.")
               for s in _texts(at.success)), _texts(at.success)
    points = read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))
    assert (points[0].numerator, points[0].denominator) == (0.0, 10.0)


def test_an_excel_file_with_sheets_a_fixed_column_and_the_remembered_mapping(monkeypatch, demo_copy):
    measure = _new_measure(demo_copy, data_type="count", name="Importeret antal")
    at = _open(monkeypatch, demo_copy)
    _upload(at, measure.id, "data_on_second_sheet.xlsx")
    assert at.selectbox(key=f"import-{measure.id}-sheet").value == "Udtræk"
    value_box = next(s for s in at.selectbox if s.key and s.key.startswith(f"import-{measure.id}-map-value-"))
    assert value_box.value == "Tæller"
    value_box.set_value("Nævner").run()
    assert list(_preview(at)["Værdi"][:2]) == ["12", "12"]
    at.button(key=f"import-{measure.id}-import").click().run()
    assert not at.exception, at.exception
    assert [p.value for p in read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))][:2] == [12.0, 12.0]
    assert read_from(demo_copy, lambda cur: remembered_mapping(cur, measure.id)) == {
        "mapping": {"period": "Uge", "value": "Nævner"}, "sheet": "Udtræk", "decimal": ","}
    # next month: the remembered columns are proposed, two clicks import
    at = _open(monkeypatch, demo_copy)
    _upload(at, measure.id, "data_on_second_sheet.xlsx")
    assert "Kolonnerne er dem, I valgte ved sidste import til denne indikator." in " ".join(_texts(at.caption))
    assert next(s for s in at.selectbox if s.key and s.key.startswith(f"import-{measure.id}-map-value-")).value == "Nævner"


def test_a_reader_sees_no_wizard(monkeypatch, demo_copy):
    measure = _new_measure(demo_copy)
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "da", user="demo-reader")
    if at.selectbox(key="project") is not None:
        choices = at.selectbox(key="project").options
        at.selectbox(key="project").select_index(next(i for i, t in enumerate(choices) if t.startswith(PROJECT))).run()
    at.session_state["project-tabs-none"] = "Indikatorer"
    at.run()
    assert "Importér data fra en fil" not in [e.label for e in at.expander]
    assert read_from(demo_copy, lambda cur: get_measure(cur, measure.id)).name == "Importeret andel"
