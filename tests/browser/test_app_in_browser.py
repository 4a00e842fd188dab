"""End to end in headless Chromium: what a clinician sees when opening the app."""

import re

from playwright.sync_api import expect

TIMEOUT = 30_000


def test_overview_opens_in_danish_with_the_demo(page, app_url, screenshot_dir):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Forbedringsprojekter").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "overview.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error" not in body


def test_switching_to_english_changes_the_texts(page, app_url):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)


def test_a_project_shows_its_measures_as_charts(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/projects")
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("tab", name="Indikatorer").click()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.nth(1)).to_be_visible(timeout=TIMEOUT)  # charts render one after another
    expect(charts.first.locator("canvas, svg").first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "project-measures.png"), full_page=True)


def test_a_pathway_shows_its_steps_and_problems(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/pathways")
    expect(page.get_by_role("heading", name="Patientforløb")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Problemer i forløbet")).to_be_visible()
    expect(page.locator('[data-testid="stGraphVizChart"]').first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "pathways.png"), full_page=True)
    assert not re.search(r"\bpathway_id\b|\bNone\b", page.locator("main").inner_text())
