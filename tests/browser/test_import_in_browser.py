"""End to end in headless Chromium: a team imports last year's spreadsheet into a new measure (issue 14).

A team member of the demo's hip-fracture project opens the Indikatorer tab, defines a new weekly
proportion measure with the measure form, opens "Importér data fra en fil" on its card, uploads a
year of the ward's spreadsheet in the Danish SPC layout (Dato;Tæller;Nævner;Skift;Frys;
Kommentarer), checks the preview and the guessed columns, imports, and sees the success message,
the 52 periods in the data table and the chart. The user's part — from opening the measure form to
the chart showing the data, without the test's own screenshots — is timed and must take under
two minutes; the figure is printed.

Two files, each made at test time as a ward has them:

- an Excel workbook (.xlsx, openpyxl): a title line above the header, real Excel dates (the
  Friday each week was counted), a second, empty sheet "Ark2" as Excel makes it;
- a CSV file in ISO-8859-1 with dd-mm-yyyy dates on Tuesdays (a Danish SPC tool's export).

Screenshots of each step go to the ``screenshot_dir`` folder (import-xlsx-1 … -5, import-csv-1 … -2);
with PDSA_README_SCREENSHOTS set (e.g. docs/screenshots) the wizard's preview with the guessed
columns is kept as import.png for the README.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import Locator, Page, expect

from browser.steps import (
    TIMEOUT,
    choose,
    open_expander,
    open_tab,
    readme_picture,
    selectbox,
    settled,
    sign_in_as,
    snap,
    tall_picture,
)


MEMBER = "Søren Holst"  # on the demo's hip-fracture team
PROJECT = "Hoftebrud – smertefri og opereret inden for 24 timer"
WIZARD = "Importér data fra en fil"
WEEKS = 52
LIMIT = 120  # seconds: "a team imports last year's spreadsheet into a new measure in under two minutes"


def _workbook(path: Path) -> None:
    """Last year's ward spreadsheet: a title line, the Danish SPC layout, Excel dates on each week's
    Friday (ISO weeks 1–52 of 2025), the baseline frozen after 10 weeks, a new phase from week 27
    when the pain scale was changed, comments with æøå, and the empty second sheet Excel adds."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Smertevurdering 2025"
    sheet.append(["Smertevurdering inden for 30 minutter – ortopædkirurgisk afsnit, 2025"])
    sheet.append(["Dato", "Tæller", "Nævner", "Skift", "Frys", "Kommentarer"])
    first_friday = date(2025, 1, 3)
    for week in range(WEEKS):
        day = first_friday + timedelta(weeks=week)
        note = {2: "Tælling startet på dagvagten", 26: "Ny smerteskala og tjekliste på gangen",
                29: "Sommerferie – færre sygeplejersker"}.get(week)
        sheet.append([datetime(day.year, day.month, day.day), 18 + week % 7 + (9 if week >= 26 else 0),
                      38 + week % 5, "x" if week == 26 else None, "x" if week == 9 else None, note])
        sheet.cell(row=sheet.max_row, column=1).number_format = "dd-mm-yyyy"
    book.create_sheet("Ark2")
    book.save(path)


def _csv(path: Path) -> None:
    """The same year as a Danish SPC tool's CSV export: ISO-8859-1, ';', dd-mm-yyyy on Tuesdays
    (ISO weeks 1–52 of 2025)."""
    first_tuesday = date(2024, 12, 31)  # ISO week 1 of 2025
    lines = ["Dato;Tæller;Nævner;Skift;Frys;Kommentarer"]
    for week in range(WEEKS):
        lines.append(f"{first_tuesday + timedelta(weeks=week):%d-%m-%Y};{20 + week % 9};{40 + week % 5};;"
                     f"{'x' if week == 11 else ''};{'Ny tjekliste på gangen' if week == 12 else ''}")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))


class _Stopwatch:
    """The user's time: from the moment the measure form is opened; the test's own screenshots are
    not counted (a person does not take them)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.paused = 0.0

    def aside(self, picture, *args) -> None:
        began = time.monotonic()
        picture(*args)
        self.paused += time.monotonic() - began

    def seconds(self) -> float:
        return time.monotonic() - self.started - self.paused


def _element_picture(page: Page, element: Locator, path: Path) -> None:
    """One part of the page, once Streamlit has finished running it."""
    settled(page)
    tall_picture(page, path, element)


def _new_measure(page: Page, app_url: str, name: str) -> tuple[Locator, _Stopwatch]:
    """Sign in as the team member, open the Indikatorer tab and define a weekly proportion with the
    measure form; the form, and the stopwatch started as the form was opened."""
    page.goto(app_url)
    sign_in_as(page, MEMBER)
    expect(page.get_by_role("heading", name="Mit arbejde")).to_be_visible(timeout=TIMEOUT)
    # The demo's hip-fracture project (Søren is on its team), from its link on the home page.
    page.get_by_role("link", name=re.compile("^Hoftebrud – smertefri")).first.click()
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("combobox", name="Vælg projekt", exact=True)).to_have_value(PROJECT, timeout=TIMEOUT)
    open_tab(page, "Indikatorer")
    clock = _Stopwatch()
    adding = open_expander(page, "Ny indikator")
    adding.get_by_role("textbox", name="Navn", exact=True).fill(name)
    choose(page, selectbox(adding, "Type"), "Procesindikator")
    choose(page, selectbox(adding, "Datatype"), "Andel (tæller/nævner)")
    choose(page, selectbox(adding, "Periode"), "Uge")
    return adding, clock


def _card(page: Page, name: str) -> Locator:
    card = page.locator('[class*="st-key-measure-card-"]').filter(
        has=page.get_by_role("heading", name=name, exact=True))
    expect(card).to_have_count(1, timeout=TIMEOUT)
    return card


def _open_wizard(page: Page, card: Locator) -> Locator:
    wizard = card.get_by_test_id("stExpander").filter(has=page.get_by_text(WIZARD, exact=True))
    expect(wizard).to_have_count(1, timeout=TIMEOUT)
    if wizard.locator("details").get_attribute("open") is None:
        wizard.get_by_text(WIZARD, exact=True).click()
    expect(wizard.locator("details")).to_have_attribute("open", "", timeout=TIMEOUT)
    expect(wizard.locator('input[type="file"]')).to_have_count(1, timeout=TIMEOUT)
    settled(page)
    return wizard


def _expect_imported(page: Page, card: Locator, filename: str) -> None:
    """The success message, the 52 periods in the data table (its rows counted) and the chart."""
    expect(card.get_by_text(f"Importeret fra {filename}: {WEEKS} nye perioder, 0 erstattet, 0 sprunget over.",
                            exact=False)).to_be_visible(timeout=TIMEOUT)
    expect(card.get_by_test_id("stVegaLiteChart").locator("svg, canvas").first).to_be_visible(timeout=TIMEOUT)
    heading = f"Data – {WEEKS} perioder"
    table = card.get_by_test_id("stExpander").filter(has=page.get_by_text(heading, exact=True))
    expect(table).to_have_count(1, timeout=TIMEOUT)
    if table.locator("details").get_attribute("open") is None:
        table.get_by_text(heading, exact=True).click()
    # glide-data-grid's accessible table: the header, the 52 weeks and the empty row for adding one
    grid = table.locator('[data-testid="stDataFrame"] [role="grid"]').first
    expect(grid).to_have_attribute("aria-rowcount", str(1 + WEEKS + 1), timeout=TIMEOUT)
    expect(grid.locator('[role="row"]').filter(has_text="uge 1 2025").first).to_be_attached(timeout=TIMEOUT)


def test_a_team_imports_last_years_excel_sheet_into_a_new_measure_in_under_two_minutes(
        page, app_url, screenshot_dir, tmp_path):
    measure = "Andel med smertevurdering inden for 30 minutter (fra Excel)"
    workbook = tmp_path / "smertevurdering-2025.xlsx"
    _workbook(workbook)

    adding, clock = _new_measure(page, app_url, measure)
    clock.aside(snap, page, screenshot_dir, "import-xlsx-1-measure-form.png")
    adding.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.get_by_text(f"“{measure}” er oprettet.", exact=False)).to_be_visible(timeout=TIMEOUT)
    card = _card(page, measure)

    wizard = _open_wizard(page, card)
    clock.aside(snap, page, screenshot_dir, "import-xlsx-2-wizard.png")
    wizard.locator('input[type="file"]').set_input_files(str(workbook))

    # The sheet with the data is chosen (Excel's empty "Ark2" is offered, marked empty), the title
    # line is skipped, and every column of the Danish layout is guessed from its heading.
    expect(wizard.get_by_role("combobox", name="Ark", exact=True)).to_have_value("Smertevurdering 2025",
                                                                                timeout=TIMEOUT)
    expect(wizard.get_by_text("Række 1 over overskrifterne er sprunget over (en titel).")).to_be_visible(
        timeout=TIMEOUT)
    for field, column in (("Periode eller dato *", "Dato"), ("Tæller *", "Tæller"), ("Nævner *", "Nævner"),
                          ("Kommentar", "Kommentarer"), ("Skift (ny fase)", "Skift"),
                          ("Frys (basislinjen slutter)", "Frys")):
        expect(wizard.get_by_role("combobox", name=field, exact=True)).to_have_value(column, timeout=TIMEOUT)
    expect(wizard.get_by_text("Kolonnerne er gættet ud fra overskrifterne og indholdet.", exact=False)).to_be_visible()

    # The preview: the Friday dates counted in their ISO weeks, the first rows as they will be stored.
    expect(wizard.get_by_text(f"{WEEKS} datoer er ikke mandage; hver tælles i sin ISO-uge", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    expect(wizard.get_by_text(f"De første 10 af {WEEKS} rækker, som de gemmes")).to_be_visible(timeout=TIMEOUT)
    first = wizard.locator('[data-testid="stDataFrame"] [role="row"]').filter(has_text="03-01-2025")
    expect(first).to_have_count(1, timeout=TIMEOUT)
    expect(first).to_contain_text("uge 1 2025")
    frozen = wizard.locator('[data-testid="stDataFrame"] [role="row"]').filter(has_text="07-03-2025")
    expect(frozen).to_contain_text("uge 10 2025")
    expect(frozen).to_contain_text("ja")  # Frys: the baseline ends with week 10
    expect(wizard.get_by_text(f"Alle {WEEKS} perioder er nye for indikatoren.")).to_be_visible(timeout=TIMEOUT)
    clock.aside(snap, page, screenshot_dir, "import-xlsx-3-preview.png")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    clock.aside(readme_picture, page, wizard, "import.png")

    wizard.get_by_role("button", name=f"Importér {WEEKS} perioder").click()
    _expect_imported(page, card, workbook.name)
    seconds = clock.seconds()
    snap(page, screenshot_dir, "import-xlsx-4-imported.png")
    _element_picture(page, card, screenshot_dir / "import-xlsx-5-card.png")
    print(f"\nLast year's Excel sheet ({WEEKS} weeks) imported into a new measure in {seconds:.1f} s "
          f"(from opening the measure form to the chart with the data)")
    assert seconds < LIMIT, f"the import took {seconds:.0f} s"


def test_a_team_imports_a_danish_spc_tools_csv_export_in_under_two_minutes(page, app_url, screenshot_dir, tmp_path):
    measure = "Andel med smertevurdering inden for 30 minutter (fra CSV)"
    sheet = tmp_path / "smertevurdering-2025.csv"
    _csv(sheet)

    adding, clock = _new_measure(page, app_url, measure)
    adding.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.get_by_text(f"“{measure}” er oprettet.", exact=False)).to_be_visible(timeout=TIMEOUT)
    card = _card(page, measure)

    wizard = _open_wizard(page, card)
    wizard.locator('input[type="file"]').set_input_files(str(sheet))
    expect(wizard.get_by_role("combobox", name="Periode eller dato *", exact=True)).to_have_value("Dato",
                                                                                                timeout=TIMEOUT)
    expect(wizard.get_by_text(f"{WEEKS} datoer er ikke mandage; hver tælles i sin ISO-uge", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    expect(wizard.get_by_text(f"Alle {WEEKS} perioder er nye for indikatoren.")).to_be_visible(timeout=TIMEOUT)
    clock.aside(snap, page, screenshot_dir, "import-csv-1-preview.png")
    wizard.get_by_role("button", name=f"Importér {WEEKS} perioder").click()
    _expect_imported(page, card, sheet.name)
    seconds = clock.seconds()
    snap(page, screenshot_dir, "import-csv-2-imported.png")
    print(f"\nA Danish SPC tool's CSV export ({WEEKS} weeks, ISO-8859-1) imported into a new measure in "
          f"{seconds:.1f} s (from opening the measure form to the chart with the data)")
    assert seconds < LIMIT, f"the import took {seconds:.0f} s"
