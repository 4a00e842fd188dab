"""The pathway diagram on a tablet (820 px wide), in headless Chromium: the demo's longest
pathway fits the width, and no word in its boxes is cut in two ("Universit etshospital")."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from browser.steps import TIMEOUT, sign_in_as


ROOT = Path(__file__).resolve().parents[2]
TABLET = {"width": 820, "height": 1180}


def _demo_words() -> set[str]:
    """Every word the boxes may show: the demo's step and unit names (and each part of a
    hyphenated word), the sectors, and the counted problems' words."""
    text = " ".join((ROOT / "data" / "demo" / name).read_text(encoding="utf-8")
                    for name in ("pathways.yaml", "units.yaml"))
    text += " Hospital Kommune Almen praksis Region Andet åbent åbne problem problemer"
    words = set()
    for word in re.findall(r"[\wÆØÅæøå-]+", text):
        words.add(word)
        words.update(piece for piece in re.split(r"(?<=-)", word) if piece)  # "KOL-" + "rehabilitering"
    return words


def test_the_longest_demo_pathway_is_readable_at_a_tablets_width(page, app_url, screenshot_dir):
    page.set_viewport_size(TABLET)
    page.goto(f"{app_url}/pathways")
    sign_in_as(page, "Mette Kjær Andersen")
    expect(page.get_by_role("heading", name="Patientforløb")).to_be_visible(timeout=TIMEOUT)
    chart = page.locator('[data-testid="stGraphVizChart"]').first
    svg = chart.locator("svg").first
    expect(svg).to_be_visible(timeout=TIMEOUT)
    expect(svg.locator("text", has_text="Universitetshospital").first).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(screenshot_dir / "pathway-diagram-820px.png"), full_page=True)

    lines = [line.strip() for line in svg.locator("text").all_text_contents() if line and line.strip()]
    assert any(line.startswith("7.") for line in lines), "the hip fracture pathway (7 steps) is shown"
    known = _demo_words()
    cut = [token for line in lines for token in re.findall(r"[\wÆØÅæøå-]+", line)
           if not token.isdigit() and token not in known]
    assert cut == [], f"words cut in two: {cut}"

    box = svg.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"], "no sideways scrolling"
    font_px = page.evaluate(
        "(el) => { const t = el.querySelector('text'); const r = t.getBoundingClientRect(); return r.height; }",
        svg.element_handle())
    assert font_px >= 11, f"the boxes' text is {font_px:.1f} px high: too small to read"

    # the steps list under the diagram, with its buttons, at the same width
    page.get_by_text("Tilføj et trin").first.scroll_into_view_if_needed()
    expect(page.get_by_role("button", name="Fjern").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "pathway-steps-820px.png"))
