"""End to end in headless Chromium: a team imports last year's spreadsheet into a new measure (issue 14).

A team member defines a weekly proportion measure, opens "Importér data fra en fil" on its card,
uploads a year of the ward's spreadsheet in the Danish SPC layout (Dato;Tæller;Nævner;Skift;Frys;
Kommentarer, Tuesdays' dates, ISO-8859-1), sees the guessed columns and the preview say that the
dates are counted in their ISO weeks, imports, and sees the success message, the 52 periods in
the table and the chart. The whole of it is timed: under two minutes. Screenshots go to the
``screenshot_dir`` folder (import-1 … import-3).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from playwright.sync_api import expect

from browser.test_app_in_browser import TIMEOUT, sign_in_as
from browser.test_team_builds_a_project import _choose, _open_expander, _settled, _snap
from browser.test_team_first_week import MEMBER, PROJECT_ID, _selectbox, _tab

MEASURE = "Andel med smertevurdering inden for 30 minutter (importeret)"


def _spreadsheet(path) -> None:
    first_tuesday = date(2025, 1, 7)
    lines = ["Dato;Tæller;Nævner;Skift;Frys;Kommentarer"]
    for week in range(52):
        lines.append(f"{first_tuesday + timedelta(weeks=week):%d-%m-%Y};{20 + week % 9};{40 + week % 5};;"
                     f"{'x' if week == 11 else ''};{'Ny tjekliste på gangen' if week == 12 else ''}")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))


def test_a_team_imports_last_years_spreadsheet_in_under_two_minutes(page, app_url, screenshot_dir, tmp_path):
    sheet = tmp_path / "smertevurdering-2025.csv"
    _spreadsheet(sheet)
    started = time.monotonic()
    page.goto(f"{app_url}/projects?project={PROJECT_ID}")
    sign_in_as(page, MEMBER)
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    _tab(page, "Indikatorer")
    adding = _open_expander(page, "Ny indikator")
    adding.get_by_role("textbox", name="Navn", exact=True).fill(MEASURE)
    _choose(page, _selectbox(adding, "Type"), "Procesindikator")
    _choose(page, _selectbox(adding, "Datatype"), "Andel (tæller/nævner)")
    _choose(page, _selectbox(adding, "Periode"), "Uge")
    adding.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.get_by_text(f"“{MEASURE}” er oprettet.", exact=False)).to_be_visible(timeout=TIMEOUT)
    card = page.locator('[class*="st-key-measure-card-"]').filter(
        has=page.get_by_role("heading", name=MEASURE, exact=True))
    expect(card).to_have_count(1, timeout=TIMEOUT)

    wizard = card.get_by_test_id("stExpander").filter(has=page.get_by_text("Importér data fra en fil", exact=True))
    wizard.get_by_text("Importér data fra en fil", exact=True).click()
    _settled(page)
    wizard.locator('input[type="file"]').set_input_files(str(sheet))
    expect(wizard.get_by_text("52 datoer er ikke mandage; hver tælles i sin ISO-uge", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    expect(wizard.get_by_text("Alle 52 perioder er nye for indikatoren.")).to_be_visible(timeout=TIMEOUT)
    _snap(page, screenshot_dir, "import-1-preview.png")
    wizard.get_by_role("button", name="Importér 52 perioder").click()
    expect(card.get_by_text("Importeret fra smertevurdering-2025.csv: 52 nye perioder", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    expect(card.get_by_text("Data – 52 perioder")).to_be_visible(timeout=TIMEOUT)
    expect(card.get_by_test_id("stVegaLiteChart").locator("svg, canvas").first).to_be_visible(timeout=TIMEOUT)
    seconds = time.monotonic() - started
    _snap(page, screenshot_dir, "import-2-imported.png")
    assert seconds < 120, f"the import took {seconds:.0f} s"
    print(f"\nA year's spreadsheet imported into a new measure in {seconds:.0f} s")
