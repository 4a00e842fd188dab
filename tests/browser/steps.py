"""The steps the browser tests share: signing in, waiting for Streamlit's runs to end, choosing
in a list, opening a tab or an expander, finding a table row, and taking pictures.

Streamlit reruns the page after most clicks; a click that lands while a run is under way can be
lost or undone, so the steps wait for the run to end and check that the choice holds.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

TIMEOUT = 30_000
RUNNING = ", ".join(f'[data-testid="{icon}"]' for icon in (
    "stStatusWidgetRunningIcon", "stStatusWidgetRunningManIcon", "stStatusWidgetNewYearsIcon"))
STALE = '[data-stale="true"]'


def sign_in_as(page, name: str) -> None:
    """The demo's sign-in page: "sign in as" one of its people (the database carries the demo mark)."""
    page.get_by_role("button", name=re.compile(f"^{re.escape(name)}")).click()


def settled(page: Page) -> None:
    """Wait until Streamlit has finished running the script (its "running" indicator is gone; the
    status corner may still offer a rerun when a source file changed)."""
    expect(page.locator(RUNNING)).to_have_count(0, timeout=TIMEOUT)


def tall_picture(page: Page, path: Path, element: Locator | None = None) -> None:
    """The whole page, or one part of it: Streamlit scrolls inside its main area, so the window
    is made as tall as that area for the picture (a tall part would be cut) and then put back."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stAppViewContainer\"]')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
    try:
        page.wait_for_timeout(300)  # let the grid and the charts draw at the new height
        if element is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            element.screenshot(path=str(path), animations="disabled")
    finally:
        page.set_viewport_size(size)


def snap(page: Page, folder: Path, name: str) -> None:
    """The whole page, once Streamlit has finished running it."""
    settled(page)
    tall_picture(page, folder / name)


def find_expander(page: Page, heading: str) -> Locator:
    """The expander under ``heading``, once it is shown."""
    found = page.get_by_test_id("stExpander").filter(has=page.get_by_text(heading, exact=True))
    expect(found).to_be_visible(timeout=TIMEOUT)
    return found


def open_expander(page: Page, heading: str) -> Locator:
    """The expander under ``heading``, opened (left open if it was)."""
    found = find_expander(page, heading)
    details = found.locator("details")
    if details.get_attribute("open") is None:
        found.get_by_text(heading, exact=True).click()
    expect(details).to_have_attribute("open", "", timeout=TIMEOUT)
    return found


def _shows(box: Locator, option: str, multi: bool) -> bool:
    """The box shows ``option`` as chosen now (a multiselect as a tag, a selectbox as its value)."""
    if multi:
        return option in (box.inner_text() or "")
    return box.get_by_role("combobox").input_value() == option


def choose(page: Page, box: Locator, option: str) -> None:
    """Pick an option in a Streamlit selectbox or multiselect. A rerun may close the list as it
    opens, or (a rerun that began before the click, say from the text field just filled)
    redraw the box without the choice: then the list is opened and the option chosen again."""
    multi = box.get_attribute("data-testid") == "stMultiSelect"
    for _ in range(3):
        settled(page)
        if _shows(box, option, multi):
            break
        box.get_by_role("combobox").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        if multi:
            page.keyboard.press("Escape")  # a multiselect's list stays open for more
        try:  # … and shows what was chosen (a multiselect as a tag)
            if multi:
                expect(box).to_contain_text(option, timeout=5_000)
            else:
                expect(box.get_by_role("combobox")).to_have_value(option, timeout=5_000)
        except AssertionError:
            continue
        settled(page)
        if _shows(box, option, multi):  # still there once the page has run
            break
    if multi:
        expect(box).to_contain_text(option)
    else:
        expect(box.get_by_role("combobox")).to_have_value(option)
    expect(page.get_by_role("option", name=option, exact=True)).to_have_count(0, timeout=TIMEOUT)


def grid_row(page: Page, text: str) -> Locator:
    """A row of a table (glide-data-grid draws on a canvas; its accessible table holds the text)."""
    return page.locator('[data-testid="stDataFrame"] [role="row"]').filter(has_text=text)


def drawn(page: Page) -> None:
    """Wait until Streamlit has finished the run a click or a link started: a rerun marks every
    element stale at once (data-stale), the run sends them afresh, and at its end the ones not
    sent again are removed; the running indicator is gone too."""
    settled(page)
    expect(page.locator(STALE)).to_have_count(0, timeout=TIMEOUT)
    settled(page)


def held_still(page: Page, target: Locator, still_ms: int = 400) -> Locator:
    """``target`` once it has stopped moving. Charts drawn after the run has ended push what is
    below them down the page; on a busy machine a click aimed just before such a shift lands
    beside the button, and nothing happens (seen on the charts' settings form)."""
    expect(target).to_be_visible(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT / 1000
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        box = target.bounding_box()
        if box != last:
            last, since = box, time.monotonic()
        elif time.monotonic() - since >= still_ms / 1000:
            return target
        page.wait_for_timeout(100)
    raise AssertionError(f"{target} kept moving for {TIMEOUT / 1000:g} s")


def click_when_drawn(page: Page, target: Locator) -> None:
    """Click ``target`` once the page's run has ended, its charts are drawn (Vega's ``.marks``)
    and it holds still."""
    drawn(page)
    expect(page.locator('[data-testid="stVegaLiteChart"]:not(:has(.marks))')).to_have_count(0, timeout=TIMEOUT)
    held_still(page, target).click()


def open_tab(page: Page, name: str) -> None:
    """Open a tab of the project page. Choosing a tab reruns the page (only the open tab is
    drawn). While a run is under way Streamlit disables the tabs whose content that run has not
    sent yet, and a click on one of them is dropped; so the click waits for the run to end, and
    is made again, after the next run, when the tab did not open (a run that began just before
    the click can still swallow it)."""
    tab = page.get_by_role("tab", name=name)
    for _ in range(3):
        drawn(page)
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
        try:
            expect(tab).to_have_attribute("aria-selected", "true", timeout=5_000)
        except AssertionError:
            continue
        drawn(page)
        if tab.get_attribute("aria-selected") == "true":
            return
    expect(tab).to_have_attribute("aria-selected", "true")  # fails, and says which tab


def selectbox(form: Locator, name: str) -> Locator:
    """The selectbox labelled ``name`` inside ``form``."""
    return form.get_by_test_id("stSelectbox").filter(has=form.page.get_by_role("combobox", name=name, exact=True))


def readme_picture(page: Page, element: Locator, name: str) -> None:
    """With PDSA_README_SCREENSHOTS set (a folder, e.g. docs/screenshots), one part of the page
    as a picture for the README, whole."""
    folder = os.environ.get("PDSA_README_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no focus ring in the picture
    drawn(page)
    tall_picture(page, Path(folder) / name, element)
