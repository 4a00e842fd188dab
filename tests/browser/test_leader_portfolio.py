"""End to end in headless Chromium: a leader's Monday (issue 12).

The demo leader signs in, filters the portfolio on the Overview page by a theme and by signal,
clicks a row's "Open chart" through to the measure's chart (a new tab, as the table's links
open), opens the project on one page from there and prints it: the PDF is one A4 page. Then the
theme's page shows the projects that contribute. Screenshots go to ``screenshot_dir``; the
portfolio's also to docs/screenshots/portfolio.png for the README (kept under 300 KB).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from browser.steps import TIMEOUT, choose, grid_row, settled, sign_in_as, snap


ROOT = Path(__file__).resolve().parents[2]
LEADER = "Hanne Dalgaard"
THEME = "Godt koordineret udskrivelse"
PROJECT = "Godt hjem efter hoftebrud"
MEASURE = "Andel genindlagt inden for 30 dage efter hoftebrud"
A4_PORTRAIT = {"width": 794, "height": 1123}  # CSS pixels of an A4 sheet at 96 dpi

# the portfolio table's column widths (ui/portfolio_table.py column_config: the owner and the
# measure "medium", the chart link "small"): the link is drawn on a canvas, so it is clicked
# where it is drawn
_LINK_X = 200 + 200 + 30
_ROW = 35


def _filter(page: Page, label: str, option: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    choose(page, box, option)
    settled(page)


def _open_chart_of(page: Page, measure: str) -> Page:
    """Click the row's "Open chart" link (the table opens it in a new tab) and return that tab."""
    row = grid_row(page, measure)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    index = int(row.get_attribute("aria-rowindex")) - 1  # the header is row 1
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    x, y = box["x"] + _LINK_X, box["y"] + _ROW * index + _ROW / 2
    page.mouse.move(x, y)  # the link answers a click once the pointer is over it
    page.wait_for_timeout(300)
    with page.context.expect_page(timeout=TIMEOUT) as opened:
        page.mouse.click(x, y)
    chart_page = opened.value
    chart_page.wait_for_load_state()
    return chart_page


def _pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF (a "/Type /Page" that is not "/Type /Pages")."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_a_leader_filters_the_portfolio_opens_a_chart_and_prints_a_project(page, app_url, screenshot_dir):
    # 1. The portfolio on the Overview page, filtered to a theme and to the measures that improve.
    page.goto(f"{app_url}/overview")
    sign_in_as(page, LEADER)
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT)
    everything = page.get_by_text(re.compile(r"^Viser \d+ af \d+ indikatorer\.$"))
    expect(everything).to_be_visible(timeout=TIMEOUT)
    total = int(re.search(r"af (\d+)", everything.inner_text()).group(1))
    _filter(page, "Tema", THEME)
    expect(grid_row(page, "Andel med genoptræningsplan sendt på udskrivelsesdagen")).to_have_count(1, timeout=TIMEOUT)
    expect(grid_row(page, "Andel opereret inden for 24 timer efter ankomst")).to_have_count(0)  # another theme
    _filter(page, "Signal", "Forbedring")
    shown = page.get_by_text(re.compile(rf"^Viser \d+ af {total} indikatorer?\.$"))
    expect(shown).to_be_visible(timeout=TIMEOUT)
    assert int(re.search(r"Viser (\d+)", shown.inner_text()).group(1)) < total
    expect(grid_row(page, MEASURE)).to_contain_text("Forbedring", timeout=TIMEOUT)
    expect(grid_row(page, "Dage mellem fald med skade efter udskrivelse")).to_have_count(0)  # no signal
    settled(page)
    page.wait_for_timeout(500)  # the sparklines draw
    readme_shot = ROOT / "docs" / "screenshots" / "portfolio.png"
    page.screenshot(path=str(readme_shot))  # the window as the leader sees it
    assert readme_shot.stat().st_size < 300_000, "the README's screenshot stays small"
    snap(page, screenshot_dir, "leader-01-portfolio-filtered.png")

    # 2. The row's link: the measure's chart on its project's page, in a new tab.
    chart_page = _open_chart_of(page, MEASURE)
    try:
        assert re.search(r"/projects\?project=\d+&measure=\d+", chart_page.url), chart_page.url
        # a new tab asks who you are (the sign-in lasts as long as its tab); the address is kept
        expect(chart_page.get_by_role("button", name=re.compile(f"^{LEADER}"))).to_be_visible(timeout=TIMEOUT)
        sign_in_as(chart_page, LEADER)
        expect(chart_page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
        card = chart_page.locator('[class*="st-key-measure-card-"]').filter(
            has=chart_page.get_by_role("heading", name=MEASURE)).first
        expect(card).to_be_visible(timeout=TIMEOUT)
        expect(card.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT)
        snap(chart_page, screenshot_dir, "leader-02-chart.png")

        # 3. The project on one page, from the project's page.
        chart_page.get_by_role("link", name="Projektet på én side").first.click()
        expect(chart_page.get_by_role("heading", name="Projektet på én side")).to_be_visible(timeout=TIMEOUT)
        expect(chart_page.get_by_role("heading", name=PROJECT)).to_be_visible(timeout=TIMEOUT)
        for heading in ("Mål", f"Nøgleindikator: {MEASURE}", "Seneste læring", "Næste skridt", "Team",
                        "Patientpartner"):
            expect(chart_page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(chart_page.get_by_text("Erik Frandsen")).to_be_visible()
        expect(chart_page.get_by_test_id("stVegaLiteChart")).to_have_count(1, timeout=TIMEOUT)
        settled(chart_page)
        chart_page.wait_for_timeout(500)
        snap(chart_page, screenshot_dir, "leader-03-summary.png")

        # 4. Printed: one A4 page, without the app's sidebar and controls, nothing cut off.
        chart_page.set_viewport_size({"width": A4_PORTRAIT["width"] - 90, "height": A4_PORTRAIT["height"]})
        chart_page.emulate_media(media="print")
        settled(chart_page)
        chart_page.wait_for_timeout(500)
        expect(chart_page.get_by_test_id("stSidebar")).to_be_hidden()
        expect(chart_page.get_by_test_id("stSelectbox")).to_be_hidden()
        last = chart_page.get_by_text("Erik Frandsen")
        expect(last).to_be_visible()
        bottom = last.bounding_box()["y"] + last.bounding_box()["height"]
        assert bottom < A4_PORTRAIT["height"] - 70, f"the patient partner is printed at {bottom:.0f} px: not on page 1"
        pdf = chart_page.pdf(format="A4", print_background=True)
        (screenshot_dir / "leader-04-summary.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000, "the PDF holds the page"
        assert _pdf_pages(pdf) == 1, f"the summary prints on {_pdf_pages(pdf)} pages"
        chart_page.emulate_media(media="screen")
    finally:
        chart_page.close()

    # 5. The theme's page: its goal and the projects that contribute, with their signals.
    page.goto(f"{app_url}/themes")
    sign_in_as(page, LEADER)
    expect(page.get_by_role("heading", name="Temaer")).to_be_visible(timeout=TIMEOUT)
    choose(page, page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Tema", exact=True)), THEME)
    settled(page)
    goal = page.get_by_test_id("stMarkdownContainer").filter(
        has_text=re.compile(r"^Mål: 80 % af patienterne oplever udskrivelsen som godt koordineret"))
    expect(goal).to_be_visible(timeout=TIMEOUT)
    for project in (PROJECT, "KOL – tryg hjem og færre genindlæggelser"):
        expect(page.get_by_role("link", name=project)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT)  # its own measure
    snap(page, screenshot_dir, "leader-05-theme.png")
