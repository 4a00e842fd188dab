"""End to end in headless Chromium: what a clinician sees when opening the app."""

import re

from playwright.sync_api import expect

from browser.steps import TIMEOUT, choose, click_when_drawn, open_tab, sign_in_as


def test_overview_opens_in_danish_with_the_demo(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/overview")
    sign_in_as(page, "Mette Kjær Andersen")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Forbedringsprojekter").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "overview.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error" not in body


def test_switching_to_english_changes_the_texts(page, app_url):
    page.goto(f"{app_url}/overview")
    sign_in_as(page, "Mette Kjær Andersen")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)


def test_a_team_member_lands_on_my_work_with_what_needs_doing(page, app_url, screenshot_dir):
    page.goto(app_url)
    sign_in_as(page, "Søren Holst")
    expect(page.get_by_role("heading", name="Mit arbejde")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Det, der venter")).to_be_visible(timeout=TIMEOUT)
    click_when_drawn(page, page.get_by_role("link", name=re.compile("^Minutter fra ankomst til nerveblokade")))
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    assert "measure=" in page.url
    page.go_back()
    expect(page.get_by_role("heading", name="Mit arbejde")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("3 indikatorer mangler data")).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "home.png"), full_page=True)


def test_a_project_shows_its_measures_as_charts(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/projects")
    sign_in_as(page, "Mette Kjær Andersen")
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    open_tab(page, "Indikatorer")
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.nth(1)).to_be_visible(timeout=TIMEOUT)  # charts render one after another
    expect(charts.first.locator("canvas, svg").first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "project-measures.png"), full_page=True)


def test_a_pathway_shows_its_steps_and_problems(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/pathways")
    sign_in_as(page, "Mette Kjær Andersen")
    expect(page.get_by_role("heading", name="Patientforløb")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Problemer i forløbet")).to_be_visible()
    expect(page.locator('[data-testid="stGraphVizChart"]').first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "pathways.png"), full_page=True)
    assert not re.search(r"\bpathway_id\b|\bNone\b", page.locator("main").inner_text())


def test_an_anonymous_visitor_sees_no_project_data(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/projects?project=1")
    expect(page.get_by_role("heading", name="Log ind", exact=True)).to_be_visible(timeout=TIMEOUT)
    body = page.locator("main").inner_text()
    assert "Hoftebrud" not in body and "Indikatorer" not in body
    page.screenshot(path=str(screenshot_dir / "sign-in.png"), full_page=True)


def test_the_patient_representative_sees_no_settings_and_a_team_member_changes_one(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/projects")
    sign_in_as(page, "Birthe Mortensen")
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    open_tab(page, "Indikatorer")
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=TIMEOUT)
    assert page.get_by_text("Diagramindstillinger").count() == 0, "no settings for a patient representative"
    page.screenshot(path=str(screenshot_dir / "patient-representative.png"), full_page=True)
    page.get_by_role("button", name="Log ud").click()

    sign_in_as(page, "Søren Holst")
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    project = page.get_by_test_id("stSelectbox").filter(has_text="Vælg projekt")
    expect(project).to_be_visible(timeout=TIMEOUT)
    choose(page, project, "Hoftebrud – smertefri og opereret inden for 24 timer")
    open_tab(page, "Indikatorer")
    click_when_drawn(page, page.locator("summary").filter(has_text="Diagramindstillinger").first)
    target = page.get_by_role("textbox", name="Mål (%)").first
    target.fill("77")
    click_when_drawn(page, page.get_by_role("button", name="Gem indstillinger").first)
    expect(page.get_by_text("Indstillingerne er gemt.")).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "team-member-saved.png"), full_page=True)
