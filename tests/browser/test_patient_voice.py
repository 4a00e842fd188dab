"""End to end in headless Chromium: a patient representative's voice (issue 11).

The demo's patient representative (Birthe Mortensen, patient partner of the hip-fracture
project) signs in, writes an observation in Danish with æøå in her own words on her home page,
sees it under "Du sagde – vi gjorde", and finds no data-entry or statistics control on her
project's page: no data table to type in, no "Gem data", no new measure, no chart settings, no
import. Screenshots go to the ``screenshot_dir`` folder (patient-*.png); one of them is the
README's docs/screenshots/patient-home.png.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser.steps import TIMEOUT, open_expander, open_tab, settled, sign_in_as, snap

from pdsa.i18n import translate

PATIENT = "Birthe Mortensen"
WORDS = ("Sygeplejersken i akutmodtagelsen tog sig tid til at forklare min mand, hvad der skulle ske. "
         "Det gav ro – også for os pårørende, der sad på gangen i øjeblikke af frygt.")


def _da(key: str, **values) -> str:
    return translate("da", key, **values)


def test_a_patient_representative_writes_in_her_own_words_and_sees_them_on_her_home_page(
        page: Page, app_url, screenshot_dir):
    page.goto(app_url)
    sign_in_as(page, PATIENT)
    expect(page.get_by_role("heading", name=_da("patients_home.trail_heading"))).to_be_visible(timeout=TIMEOUT)
    settled(page)

    form = open_expander(page, _da("patients_home.add_observation"))
    form.get_by_role("textbox", name=_da("patient_voice.text_label")).fill(WORDS)
    form.get_by_text(_da("patient_voice.kind.experience"), exact=True).click()
    form.get_by_text(_da("patient_voice.role.relative"), exact=True).click()
    snap(page, screenshot_dir, "patient-01-writing.png")
    form.get_by_role("button", name=_da("patient_voice.save")).click()

    expect(page.get_by_text(_da("patient_voice.saved"))).to_be_visible(timeout=TIMEOUT)
    # her words under "Du sagde – vi gjorde" (the quote, or its first words when it is long)
    said = page.get_by_text(WORDS[:60], exact=False)
    expect(said.first).to_be_visible(timeout=TIMEOUT)
    settled(page)
    page.get_by_role("heading", name=_da("patients_home.trail_heading")).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "patient-home.png"))  # the window, for the README
    snap(page, screenshot_dir, "patient-02-home-after.png")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body

    # her project: every tab, and no control to enter data or change a chart
    page.get_by_role("link", name="Hoftebrud – smertefri og opereret inden for 24 timer").first.click()
    expect(page.get_by_role("tab", name=_da("projects.tab_measures"))).to_be_visible(timeout=TIMEOUT)
    open_tab(page, _da("projects.tab_measures"))
    expect(page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]').first
           ).to_be_visible(timeout=TIMEOUT)
    snap(page, screenshot_dir, "patient-03-measures-tab.png")
    for label in (_da("measure_data.save"), _da("measure_data.add"), _da("settings.heading"),
                  _da("measure_data.new_heading"), _da("imports.wizard.title")):
        expect(page.get_by_text(label, exact=True)).to_have_count(0)
    expect(page.locator('input[type="file"]')).to_have_count(0)
    # a table she may read is read only: no row can be added to it
    expect(page.get_by_role("button", name="Add row")).to_have_count(0)
    for tab in ("projects.tab_team", "projects.tab_drivers", "projects.tab_cycles", "projects.tab_problems"):
        open_tab(page, _da(tab))
        expect(page.get_by_text(_da("measure_data.save"), exact=True)).to_have_count(0)
        expect(page.get_by_text(_da("measure_data.new_heading"), exact=True)).to_have_count(0)
