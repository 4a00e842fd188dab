"""End to end in headless Chromium: a team's first week with a measure and a PDSA cycle (issue 10).

A team member of the demo's hip-fracture project adds a measure, enters five weeks of data in its
table (Danish decimal commas), starts a cycle judged by that measure and takes it through Plan, Do,
Study and Act with the decision "adapt", starts the next cycle of the ramp (its plan filled in from
what was learned), and sees the cycle on the measure's chart. The home page's to-do list changes
with the work: the new measure is listed as having no data until the data is saved.
A screenshot of each step goes to the ``screenshot_dir`` folder (01-…png to 08-…png); with
PDSA_README_SCREENSHOTS set to a folder (docs/screenshots), the README's two pictures are taken
too: data-entry.png (the measure's card: its data table and chart) and worksheet.png (the
cycle's worksheet in Study, the prediction beside what happened).

Every step waits for what it expects on the page (Playwright's expectations), and reads the
page only once Streamlit has finished the run: no element is stale and the running indicator
is gone (:func:`_drawn`); a click reruns the script, and until that run ends the page still
shows what the previous run drew.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser.steps import (
    TIMEOUT,
    choose,
    drawn,
    open_expander,
    open_tab,
    readme_picture,
    selectbox,
    settled,
    sign_in_as,
    snap,
)


MEMBER = "Søren Holst"
MEASURE = "Minutter på akutmodtagelsens gang før sengeafsnit – målt på én vagt pr. uge (æøå)"
DEFINITION = "Minutter fra ankomst til patienten ligger på sengeafsnittet, for hver patient med hoftebrud."
VALUES = ("212,5", "198", "187,25", "176,5", "160")  # five weeks, oldest first
CYCLE = "Sengeafsnittet henter patienten – 1 patient, 1 dagvagt"
OBJECTIVE = "At se, om sengeafsnittet kan hente patienten, når blokaden er lagt."
PREDICTION = "Patienten er på sengeafsnittet inden for 150 minutter."
WHAT_HAPPENED = "Portøren var optaget; sygeplejersken hentede selv patienten efter 170 minutter."
RESULTS = "170 minutter mod forudsagt 150 – bedre end ugens median, men ikke nok."
LEARNING = "Det virker, når en portør er sat af på forhånd."
NEXT_STEP = "Aftal en fast portør i dagvagten, og prøv med 3 patienter."
NEXT_TITLE = "Fast portør – 3 patienter, 1 uge"


ROW_HEIGHT = 35  # the data editor's header and rows


def _weeks() -> list[date]:
    """The Mondays of this week and the four before it, oldest first: the latest periods have
    data, so the measure is not missing data on the home page whatever today's date is, and a
    cycle started today lies inside the charted weeks (the chart marks cycles started there)."""
    monday = date.today() - timedelta(days=date.today().weekday())
    return [monday - timedelta(weeks=n) for n in range(4, -1, -1)]


def _week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"uge {week} {year}"


TOTAL = re.compile(r"^(\d+) ting venter på teamet\.$")


def _todo_items(page: Page) -> list[str]:
    """The home page's to-do list as text (its headings and the links under them), read once
    the page has drawn it whole: the run has ended, and the headings' counts and the items add
    up to the total the list states."""
    expect(page.get_by_role("heading", name="Det, der venter")).to_be_visible(timeout=TIMEOUT)
    drawn(page)
    main = page.get_by_test_id("stMain")
    total = main.get_by_text(TOTAL)
    expect(total).to_have_count(1, timeout=TIMEOUT)
    count = int(TOTAL.match(total.inner_text().strip()).group(1))
    headings = main.locator("h5")
    items = main.locator("[data-testid='stPageLink'] a").filter(has_not_text=re.compile(r"^flag"))
    expect(items).to_have_count(count, timeout=TIMEOUT)  # every item drawn
    assert sum(int(text.split()[0]) for text in headings.all_inner_texts()) == count
    texts = [re.sub(r"\s+", " ", text).strip() for text in main.locator(
        "h5, [data-testid='stPageLink'] a [data-testid='stMarkdownContainer']").all_inner_texts()]
    return [text for text in texts if text]


def _go_home(page: Page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Mit arbejde").click()
    expect(page.get_by_role("heading", name="Mit arbejde")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Det, der venter")).to_be_visible(timeout=TIMEOUT)
    drawn(page)


def _go_to_project(page: Page) -> None:
    """From the home page to the project through its link under "Mine projekter"."""
    page.get_by_role("link", name=re.compile("^Hoftebrud – smertefri")).first.click()
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    drawn(page)
    expect(page.get_by_role("combobox", name="Vælg projekt")).to_have_value(
        re.compile("^Hoftebrud – smertefri"), timeout=TIMEOUT)  # the project chosen, not the first in the list


def _card(page: Page) -> Locator:
    """The new measure's card on the Indikatorer tab (its bordered container, keyed by the measure)."""
    card = page.locator('[class*="st-key-measure-card-"]').filter(
        has=page.get_by_role("heading", name=MEASURE, exact=True))
    expect(card).to_have_count(1, timeout=TIMEOUT)
    return card


def _enter_rows(page: Page, card: Locator) -> None:
    """Five rows typed into the data editor: the add-row button makes a row and selects its
    period cell; Enter opens the date field, then the value cell (past the period's name) is
    typed into. glide-data-grid draws on a canvas; its accessible table tells what is selected."""
    grid = card.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible(timeout=TIMEOUT)
    for number, (day, value) in enumerate(zip(_weeks(), VALUES), start=1):
        row = grid.locator(f'[role="row"][aria-rowindex="{number + 1}"]')
        _add_row(page, card, grid, row)
        period = row.locator('[aria-colindex="1"]')
        editor = page.locator('input[data-testid="date-picker-cell"], [data-testid="date-picker-cell"] input')
        _type_into_cell(page, grid, row, number, 1, editor, day.isoformat())  # shown as typed in the copy text
        assert period.inner_text() == day.isoformat()
        _type_into_cell(page, grid, row, number, 3, page.locator("textarea.gdg-input"), value)  # past the name


def _type_into_cell(page: Page, grid: Locator, row: Locator, number: int, column: int, editor: Locator,
                    text: str) -> None:
    """Open the cell's editor, type, and Enter; until the accessible table shows the text. A rerun
    that redraws the grid closes an open editor: then the cell is opened and typed into again."""
    for attempt in range(3):
        _open_cell_editor(page, grid, row, number, column, editor)
        try:
            editor.fill(text, timeout=5_000)
            page.keyboard.press("Enter")  # saves the cell, and the selection moves down a row
            expect(row.locator(f'[aria-colindex="{column}"]')).to_have_text(
                text, timeout=10_000 if attempt < 2 else TIMEOUT)
            return
        except (AssertionError, PlaywrightTimeoutError):
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def _open_cell_editor(page: Page, grid: Locator, row: Locator, number: int, column: int, editor: Locator) -> None:
    """Select the row's cell in ``column`` (its first cell clicked, then arrow keys right) and
    open its editor with Enter. Should the grid be redrawn under the keys (the rerun after the
    previous edit), Enter may only move the selection: then the cell is selected again."""
    for attempt in range(3):
        _select_first_cell(page, grid, number, row.locator('[aria-colindex="1"]'))
        for step in range(2, column + 1):
            page.keyboard.press("ArrowRight")
            expect(row.locator(f'[aria-colindex="{step}"]')).to_have_attribute("aria-selected", "true",
                                                                              timeout=TIMEOUT)
        drawn(page)
        page.keyboard.press("Enter")
        try:
            expect(editor).to_be_visible(timeout=5_000 if attempt < 2 else TIMEOUT)
            return
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def _add_row(page: Page, card: Locator, grid: Locator, row: Locator) -> None:
    """The table's "Add row" button (its toolbar slides in while the pointer is over the table).
    A click the grid missed (a rerun redrew it under the pointer) is tried again; should both
    clicks land, the extra row stays empty and the next row is typed into it (an empty row is
    not saved)."""
    for attempt in range(4):
        drawn(page)
        grid.hover()
        add = card.get_by_role("button", name="Add row")
        expect(add).to_be_visible(timeout=TIMEOUT)
        add.click(force=True)
        try:
            expect(row).to_have_count(1, timeout=5_000 if attempt < 3 else TIMEOUT)
            return
        except AssertionError:
            if attempt == 3:
                raise


def _select_first_cell(page: Page, grid: Locator, number: int, cell: Locator) -> None:
    """Click the first cell of the table's row ``number`` (1 = the first data row); the rerun after
    an edit may move the table, so the click waits for the page to settle and is tried again."""
    for attempt in range(3):
        drawn(page)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 40, box["y"] + ROW_HEIGHT * number + ROW_HEIGHT / 2)
        try:
            expect(cell).to_have_attribute("aria-selected", "true", timeout=5_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _stage(page: Page, cycle: Locator, stage: str) -> Locator:
    box = cycle.locator(f'[class*="st-key-ws-stage-{stage}-"]')
    expect(box).to_be_visible(timeout=TIMEOUT)
    return box


def _cycle(page: Page, title: str, stage: str | None = None) -> Locator:
    """The cycle's worksheet (an expander headed by its number, title and stage), opened; with
    ``stage``, once its heading names that stage."""
    summary = page.locator("summary").filter(has_text=title)
    if stage:
        summary = summary.filter(has_text=f"— {stage}")
    expander = page.get_by_test_id("stExpander").filter(has=summary)
    expect(expander).to_have_count(1, timeout=TIMEOUT)
    settled(page)
    expect(page.get_by_test_id("stExpander").filter(has=page.locator("summary").filter(has_text=title))).to_have_count(
        1, timeout=TIMEOUT)  # the heading of before the rerun is gone
    details = expander.locator("details")
    if details.get_attribute("open") is None:
        expander.locator("summary").click()
    expect(details).to_have_attribute("open", "", timeout=TIMEOUT)
    return expander


def test_a_team_runs_its_first_week(page, app_url, screenshot_dir):
    """The steps are in _first_week; a failure leaves the page as it was in failure.png."""
    try:
        _first_week(page, app_url, screenshot_dir)
    except BaseException:
        page.screenshot(path=str(screenshot_dir / "failure.png"), full_page=True)
        raise


def _first_week(page, app_url, screenshot_dir):
    # 1. The home page before: what waits for the team.
    page.goto(app_url)
    sign_in_as(page, MEMBER)
    expect(page.get_by_role("heading", name="Mit arbejde")).to_be_visible(timeout=TIMEOUT)
    before = _todo_items(page)
    assert before, "the demo's home page lists what waits"
    assert not any(MEASURE in item for item in before)
    snap(page, screenshot_dir, "01-home-before.png")

    # 2. A new measure on the project's Indikatorer tab (the project opened from the home page,
    # in the same session: no second sign-in).
    _go_to_project(page)
    open_tab(page, "Indikatorer")
    adding = open_expander(page, "Ny indikator")
    adding.get_by_role("textbox", name="Navn", exact=True).fill(MEASURE)
    choose(page, selectbox(adding, "Type"), "Procesindikator")
    adding.get_by_text("lavere", exact=True).click()
    adding.get_by_role("textbox", name="Hvad tælles", exact=True).fill(DEFINITION)
    choose(page, selectbox(adding, "Datatype"), "Måleværdi")
    choose(page, selectbox(adding, "Periode"), "Uge")
    adding.get_by_role("textbox", name="Enhed", exact=True).fill("minutter")
    adding.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.get_by_text(f"“{MEASURE}” er oprettet.", exact=False)).to_be_visible(timeout=TIMEOUT)
    card = _card(page)
    expect(card.get_by_text("Data – 0 perioder")).to_be_visible(timeout=TIMEOUT)
    snap(page, screenshot_dir, "02-measure-added.png")

    # … and the home page lists it: it has no data yet.
    _go_home(page)
    waiting = page.get_by_role("link", name=MEASURE)
    expect(waiting).to_be_visible(timeout=TIMEOUT)
    missing = _todo_items(page)
    assert MEASURE in missing and MEASURE not in before
    snap(page, screenshot_dir, "03-home-measure-without-data.png")

    # 3. Five weeks of data typed into the table and saved: the chart draws five points.
    _go_to_project(page)
    open_tab(page, "Indikatorer")
    card = _card(page)
    _enter_rows(page, card)
    card.get_by_role("button", name="Gem data").click()
    expect(card.get_by_text("Data er gemt: 5 rækker tilføjet. Diagrammet er opdateret.")).to_be_visible(
        timeout=TIMEOUT)
    expect(card.get_by_text("Data – 5 perioder")).to_be_visible(timeout=TIMEOUT)
    chart = card.get_by_test_id("stVegaLiteChart")
    expect(chart.locator("svg, canvas").first).to_be_visible(timeout=TIMEOUT)
    for day in _weeks():
        expect(card.get_by_text(_week_name(day), exact=True).first).to_be_attached(timeout=TIMEOUT)
    snap(page, screenshot_dir, "04-data-entered.png")
    readme_picture(page, _card(page), "data-entry.png")

    # 4. A cycle judged by the measure, through Plan, Do, Study and Act ("Tilpas").
    open_tab(page, "PDSA-cirkler")
    starting = open_expander(page, "Start en ny PDSA-cirkel")
    settled(page)
    starting.get_by_role("textbox", name="Titel (hvad testes, og i hvilket omfang)", exact=True).fill(CYCLE)
    starting.get_by_role("textbox", name="Hvad er formålet?", exact=True).fill(OBJECTIVE)
    choose(page, starting.get_by_test_id("stMultiSelect"), MEASURE)
    starting.get_by_role("button", name="Start cirklen").click()
    expect(page.get_by_text(f"Cirklen »{CYCLE}« er startet i Planlæg.", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    cycle = _cycle(page, CYCLE)
    expect(cycle.locator("summary")).to_contain_text("planlægges")
    plan = _stage(page, cycle, "plan")
    expect(plan.get_by_role("textbox", name="Hvad er formålet?", exact=True)).to_have_value(OBJECTIVE)
    plan.get_by_role("textbox", name="Hvad forudsiger vi?", exact=True).fill(PREDICTION)
    plan.get_by_role("button", name="Færdig med Planlæg → Udfør").click()
    cycle = _cycle(page, CYCLE, "udføres")  # its heading names the stage: a new heading shows the worksheet closed
    expect(cycle.get_by_text("Planen er gemt, og afprøvningen er startet i dag.", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    expect(cycle.get_by_text("Cirklen udføres.", exact=True)).to_be_visible(timeout=TIMEOUT)

    do = _stage(page, cycle, "do")
    do.get_by_role("textbox", name="Hvad skete der?", exact=True).fill(WHAT_HAPPENED)
    do.get_by_role("button", name="Færdig med Udfør → Studér").click()
    cycle = _cycle(page, CYCLE, "studeres")  # its heading names the stage: a new heading shows the worksheet closed
    expect(cycle.get_by_text("Udfør er afsluttet.", exact=False)).to_be_visible(timeout=TIMEOUT)
    expect(cycle.get_by_text("Cirklen studeres.", exact=True)).to_be_visible(timeout=TIMEOUT)

    study = _stage(page, cycle, "study")
    expect(study.get_by_text(PREDICTION)).to_be_visible(timeout=TIMEOUT)  # beside what happened
    study.get_by_role("textbox", name="Hvad viste data – sammenlignet med forudsigelsen?", exact=True).fill(RESULTS)
    readme_picture(page, cycle, "worksheet.png")
    study.get_by_role("button", name="Færdig med Studér → Handl").click()
    cycle = _cycle(page, CYCLE, "studeres")  # its heading names the stage: a new heading shows the worksheet closed
    expect(cycle.get_by_text("Studér er gemt.", exact=False)).to_be_visible(timeout=TIMEOUT)

    act = _stage(page, cycle, "act")
    act.get_by_text("Tilpas – ret til og test igen", exact=True).click()
    act.get_by_role("textbox", name="Hvad lærte vi?", exact=True).fill(LEARNING)
    act.get_by_role("textbox", name="Hvad er næste skridt?", exact=True).fill(NEXT_STEP)
    act.get_by_role("button", name="Gem beslutningen").click()
    cycle = _cycle(page, CYCLE, "afsluttet")  # its heading names the stage: a new heading shows the worksheet closed
    expect(cycle.get_by_text("Beslutningen er gemt. Cirklen er afsluttet.")).to_be_visible(timeout=TIMEOUT)
    expect(cycle.locator("summary")).to_contain_text("afsluttet · Tilpas")
    snap(page, screenshot_dir, "05-cycle-adapted.png")

    # 5. The next cycle of the same ramp, its plan filled in from what was learned.
    label = re.search(r"PDSA (\d+)\.1", cycle.locator("summary").inner_text())
    assert label, cycle.locator("summary").inner_text()
    ramp = label.group(1)
    cycle.get_by_role("textbox", name="Titel på næste cirkel (det nye omfang)", exact=True).fill(NEXT_TITLE)
    cycle.get_by_role("button", name="Start næste cirkel").click()
    expect(page.get_by_text(f"Næste cirkel »{NEXT_TITLE}« er startet", exact=False)).to_be_visible(
        timeout=TIMEOUT)
    following = _cycle(page, NEXT_TITLE)
    expect(following.locator("summary")).to_contain_text(f"PDSA {ramp}.2 · {NEXT_TITLE} — planlægges")
    plan = _stage(page, following, "plan")
    expect(plan.get_by_role("textbox", name="Hvad er formålet?", exact=True)).to_have_value(NEXT_STEP)
    expect(plan.get_by_role("textbox", name="Hvilke spørgsmål vil vi have svar på?", exact=True)).to_have_value(
        f"Sidste gang lærte vi: {LEARNING}")
    snap(page, screenshot_dir, "06-next-cycle.png")

    # 6. The measure's chart shows the cycle, and the home page no longer lists the measure.
    open_tab(page, "Indikatorer")
    card = _card(page)
    chart = card.get_by_test_id("stVegaLiteChart")
    expect(chart).to_be_visible(timeout=TIMEOUT)
    expect(chart).to_contain_text(f"PDSA {ramp}.1", timeout=TIMEOUT)
    snap(page, screenshot_dir, "07-chart-with-cycle.png")

    _go_home(page)
    expect(page.get_by_role("link", name=MEASURE)).to_have_count(0, timeout=TIMEOUT)
    after = _todo_items(page)
    assert MEASURE not in after
    assert after == before, (before, after)
    snap(page, screenshot_dir, "08-home-after.png")
