"""End to end in headless Chromium: a team builds its improvement work in the browser (issue 9).

A staff member registers a complaint as a problem, triages it in the inbox table, turns it into a
project with an aim, adds two team members (one a patient partner) and a driver with a change
idea, and then finds all of it again through the project's and the problem's links in a new tab.
A screenshot of each step goes to the ``screenshot_dir`` folder (01-…png to 06-…png).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from browser.steps import TIMEOUT, choose, grid_row, open_expander, open_tab, settled, sign_in_as, snap


STAFF = "Mette Kjær Andersen"
PROBLEM = "Pårørende fik ikke besked, da hendes far blev flyttet til en anden afdeling"
WHAT_HAPPENED = ("Datteren kom på besøg om aftenen, men sengen var tom. Ingen havde ringet; "
                 "hun fandt først sin far efter en halv time på en anden afdeling. Hun følte sig glemt.")
AIM_WHAT = "Andelen af pårørende, der får besked samme dag, når patienten flytter afdeling"
AIM_HOW_MUCH = "fra 40 % til 90 %"
NURSE = ("Søren Ærø Jørgensen", "Sygeplejerske")
PARTNER = ("Åse Bøgh", "Pårørende")
DRIVER = "Pårørende får besked ved hver flytning"
IDEA = "Sygeplejersken ringer til den nærmeste pårørende før flytningen"


def _id_in_address(page: Page, param: str) -> int:
    values = parse_qs(urlparse(page.url).query).get(param)
    assert values, f"?{param}= is not in the address {page.url}"
    return int(values[0])


def _triage(page: Page, title: str, values: tuple[str, ...]) -> None:
    """Click the problem's row in the inbox table and choose status, impact and effort in turn:
    each cell is a dropdown, opened with Enter, and the next cell is one step to the right.
    (glide-data-grid draws on a canvas; its accessible table tells which cell is selected.)"""
    row = grid_row(page, title)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    index = int(row.get_attribute("aria-rowindex")) - 1  # the header is row 1
    grid = page.get_by_test_id("stDataFrame").first
    row_height = 35  # the data editor's header and rows
    first = row.locator('[aria-colindex="1"]')
    for column, value in enumerate(values, start=2):
        # From the row's first cell each time: after a dropdown closes, the grid takes the keys back
        # only when clicked again, and the rerun after an edit may move the table (a message above
        # it goes away), so the click waits for the page to settle and is tried again if it missed.
        for attempt in range(3):
            settled(page)
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 40, box["y"] + row_height * index + row_height / 2)
            try:
                expect(first).to_have_attribute("aria-selected", "true", timeout=5_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        for step in range(2, column + 1):
            page.keyboard.press("ArrowRight")
            expect(row.locator(f'[aria-colindex="{step}"]')).to_have_attribute("aria-selected", "true",
                                                                              timeout=TIMEOUT)
        page.keyboard.press("Enter")
        page.get_by_role("option", name=value, exact=True).click()
        expect(page.get_by_role("option")).to_have_count(0, timeout=TIMEOUT)
        expect(row.locator(f'[aria-colindex="{column}"]')).to_have_text(value, timeout=TIMEOUT)


def test_a_staff_member_builds_a_project_from_a_complaint(browser, page, app_url, screenshot_dir):
    # 1. A complaint registered as a problem on the Problems page.
    page.goto(f"{app_url}/problems")
    sign_in_as(page, STAFF)
    expect(page.get_by_role("heading", name="Problemer", exact=True)).to_be_visible(timeout=TIMEOUT)
    register = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Registrér"))
    expect(register.get_by_label("Klage")).to_be_checked()  # a complaint unless told otherwise
    register.get_by_label("Titel – med få ord").fill(PROBLEM)
    register.get_by_label("Hvad skete der? (valgfrit)").fill(WHAT_HAPPENED)
    register.get_by_role("button", name="Registrér").click()
    expect(page.get_by_text(f"Problemet «{PROBLEM}» er registreret")).to_be_visible(timeout=TIMEOUT)
    row = grid_row(page, PROBLEM)
    expect(row).to_contain_text("Ny", timeout=TIMEOUT)
    expect(row).to_contain_text("Klage")
    snap(page, screenshot_dir, "01-problem-registered.png")

    # 2. Triaged in the inbox table: status, impact and effort, then saved.
    _triage(page, PROBLEM, ("Vurderet", "4", "2"))
    page.get_by_role("button", name="Gem vurderingerne").click()
    expect(page.get_by_text("1 problem er vurderet og gemt.")).to_be_visible(timeout=TIMEOUT)
    row = grid_row(page, PROBLEM)
    expect(row.locator('[aria-colindex="2"]')).to_have_text("Vurderet", timeout=TIMEOUT)
    expect(row.locator('[aria-colindex="3"]')).to_have_text("4")
    expect(row.locator('[aria-colindex="4"]')).to_have_text("2")
    expect(page.get_by_text(f"{PROBLEM} – betydning 4, indsats 2")).to_be_visible(timeout=TIMEOUT)  # on the chart
    snap(page, screenshot_dir, "02-problem-triaged.png")

    # 3. Opened, and turned into a project with an aim.
    choose(page, page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Åbn et problem", exact=True)), PROBLEM)
    page.get_by_role("button", name="Åbn", exact=True).click()
    expect(page.get_by_role("heading", name=PROBLEM)).to_be_visible(timeout=TIMEOUT)
    problem_id = _id_in_address(page, "problem")
    page.get_by_role("link", name="Gør problemet til et nyt projekt").click()
    expect(page.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Opret projektet"))
    expect(form.get_by_label("Projektets titel")).to_have_value(PROBLEM, timeout=TIMEOUT)  # filled in from it
    linked = form.get_by_test_id("stMultiSelect").filter(has_text="Problemer, projektet skal løse")
    expect(linked).to_contain_text(PROBLEM)
    by_when = date(date.today().year + 1, date.today().month, 1)
    form.get_by_label("Projektets titel").fill("Pårørende får besked ved flytning")
    form.get_by_label("Hvad skal blive bedre?").fill(AIM_WHAT)
    form.get_by_label("Hvor meget?").fill(AIM_HOW_MUCH)
    # the date field has a spin button per part; typing the digits moves on from day to month to year
    form.get_by_role("spinbutton", name="day, Hvornår? (dato)").click()
    page.keyboard.type(by_when.strftime("%d%m%Y"))
    for part, shown in (("day", "%d"), ("month", "%m"), ("year", "%Y")):
        expect(form.get_by_role("spinbutton", name=f"{part}, Hvornår? (dato)")).to_have_text(by_when.strftime(shown))
    form.get_by_role("button", name="Opret projektet").click()
    expect(page.get_by_text("Projektet »Pårørende får besked ved flytning« er oprettet.")).to_be_visible(
        timeout=TIMEOUT)
    aim = f"{AIM_WHAT} {AIM_HOW_MUCH} senest {by_when.strftime('%d-%m-%Y')}."
    expect(page.get_by_text(aim, exact=True)).to_be_visible(timeout=TIMEOUT)
    project_id = _id_in_address(page, "project")
    snap(page, screenshot_dir, "03-project-with-aim.png")

    # 4a. Two team members, one of them a patient partner (the one who created it is the lead).
    open_tab(page, "Team og fremdrift")
    expect(grid_row(page, STAFF)).to_contain_text("Tovholder", timeout=TIMEOUT)
    for (name, discipline), role, sector in ((NURSE, "Teammedlem", "Hospital"), (PARTNER, "Patientpartner", "Andet")):
        adding = open_expander(page, "Tilføj et teammedlem")
        adding.get_by_label("Navn", exact=True).fill(name)
        adding.get_by_label("Faggruppe").fill(discipline)
        choose(page, adding.get_by_test_id("stSelectbox").filter(has_text="Sektor"), sector)
        choose(page, adding.get_by_test_id("stSelectbox").filter(has_text="Rolle"), role)
        adding.get_by_role("button", name="Tilføj").click()
        expect(page.get_by_text(f"{name} er tilføjet til teamet.")).to_be_visible(timeout=TIMEOUT)
        member = grid_row(page, name)
        expect(member).to_contain_text(discipline, timeout=TIMEOUT)
        expect(member).to_contain_text(role)
        expect(member).to_contain_text(sector)
    snap(page, screenshot_dir, "04-project-team.png")

    # 4b. A primary driver and a change idea that serves it.
    open_tab(page, "Driverdiagram")
    adding = open_expander(page, "Tilføj en primær driver")
    adding.get_by_role("textbox", name="Primær driver", exact=True).fill(DRIVER)
    adding.get_by_role("button", name="Tilføj").click()
    expect(page.get_by_text(f"Driveren {DRIVER} er tilføjet.")).to_be_visible(timeout=TIMEOUT)
    adding = open_expander(page, "Tilføj en forandringsidé")
    adding.get_by_role("textbox", name="Forandringsidé", exact=True).fill(IDEA)
    choose(page, adding.get_by_test_id("stMultiSelect"), f"Primær driver: {DRIVER}")
    adding.get_by_role("button", name="Tilføj").click()
    expect(page.get_by_text(f"Forandringsidéen {IDEA} er tilføjet.")).to_be_visible(timeout=TIMEOUT)
    _expect_diagram(page)
    snap(page, screenshot_dir, "05-driver-diagram.png")

    # 5. The project's link in a new tab: signed in there, everything is found again.
    other = browser.new_page()
    try:
        other.goto(f"{app_url}/projects?project={project_id}")
        sign_in_as(other, STAFF)
        expect(other.get_by_role("heading", name="Forbedringsprojekter")).to_be_visible(timeout=TIMEOUT)
        expect(other.get_by_text(aim, exact=True)).to_be_visible(timeout=TIMEOUT)
        open_tab(other, "Team og fremdrift")
        for (name, discipline), role in ((NURSE, "Teammedlem"), (PARTNER, "Patientpartner")):
            expect(grid_row(other, name)).to_contain_text(role, timeout=TIMEOUT)
        open_tab(other, "Driverdiagram")
        _expect_diagram(other)
        open_tab(other, "Problemer og stemmer")
        expect(other.get_by_text(f"{PROBLEM} · Klage · Vurderet")).to_be_visible(timeout=TIMEOUT)

        # … and the problem's link (a page loaded anew asks who you are again, then opens the link):
        # its status and the project it is linked to.
        other.goto(f"{app_url}/problems?problem={problem_id}")
        sign_in_as(other, STAFF)
        expect(other.get_by_role("heading", name=PROBLEM)).to_be_visible(timeout=TIMEOUT)
        status = other.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(r"^Status\s"))
        expect(status).to_have_text(re.compile(r"^Status\s+Vurderet$"), timeout=TIMEOUT)
        expect(other.get_by_test_id("stMarkdownContainer").get_by_text(WHAT_HAPPENED)).to_be_visible()
        link = other.get_by_role("link", name="Pårørende får besked ved flytning")
        expect(link).to_be_visible(timeout=TIMEOUT)
        assert f"project={project_id}" in link.get_attribute("href")
        snap(other, screenshot_dir, "06-problem-in-new-tab.png")
    finally:
        other.close()


def _expect_diagram(page: Page) -> None:
    """The drawn diagram and its parts as a list under it."""
    diagram = page.get_by_test_id("stGraphVizChart").filter(visible=True)
    expect(diagram).to_be_visible(timeout=TIMEOUT)
    expect(diagram).to_contain_text(DRIVER.split()[0])
    expect(page.get_by_text(f"Primær driver: {DRIVER}", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(f"Forandringsidé: {IDEA} ← {DRIVER}", exact=True)).to_be_visible(timeout=TIMEOUT)
