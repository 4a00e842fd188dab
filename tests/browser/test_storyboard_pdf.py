"""End to end in headless Chromium (issue 14): a leader takes the storyboard to the meeting.

The demo leader signs in, opens the project on one page, downloads the storyboard as PDF (the
file is made when the button is clicked) and the PDF's pages become images a person can look
at: ``storyboard-page-N.png`` in the screenshot folder, the first page also
docs/screenshots/storyboard.png for the README (kept under 300 KB).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from browser.steps import TIMEOUT, choose, settled, sign_in_as, snap


ROOT = Path(__file__).resolve().parents[2]
LEADER = "Hanne Dalgaard"
PROJECT = "Godt hjem efter hoftebrud"


def test_a_leader_downloads_the_storyboard_as_pdf(page, app_url, screenshot_dir):
    import pypdfium2 as pdfium
    from PIL import Image

    page.goto(f"{app_url}/summary")
    sign_in_as(page, LEADER)
    expect(page.get_by_role("heading", name="Projektet på én side")).to_be_visible(timeout=TIMEOUT)
    choose(page, page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Projekt", exact=True)), PROJECT)
    settled(page)
    expect(page.get_by_role("heading", name=PROJECT)).to_be_visible(timeout=TIMEOUT)
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Storyboard som PDF")
    expect(button).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stDownloadButton").filter(has_text="Alle projektets data (Excel)")).to_be_visible()
    snap(page, screenshot_dir, "storyboard-00-summary-with-downloads.png")

    with page.expect_download(timeout=120_000) as waiting:
        button.click()
    download = waiting.value
    assert download.suggested_filename == "storyboard-godt-hjem-efter-hoftebrud.pdf"
    target = screenshot_dir / "storyboard.pdf"
    download.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")

    document = pdfium.PdfDocument(pdf)
    assert len(document) >= 2, "aim, team, driver diagram, charts, ramps and observations take more than a page"
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297), "A4"
    text = "".join(document[k].get_textpage().get_text_range() for k in range(len(document)))
    for words in (PROJECT, "Mål", "Patientpartner", "Erik Frandsen", "Driverdiagram", "Indikatorer",
                  "PDSA-ramper", "Patienternes iagttagelser", "PDSA 1.1"):
        assert words in text, words
    for k in range(len(document)):
        document[k].render(scale=1.5).to_pil().save(screenshot_dir / f"storyboard-page-{k + 1}.png")
    readme_shot = ROOT / "docs" / "screenshots" / "storyboard.png"
    first, second = (document[k].render(scale=1.0).to_pil() for k in (0, 1))
    both = Image.new("RGB", (first.width + second.width + 12, max(first.height, second.height)), "#d0d0d0")
    both.paste(first, (0, 0))
    both.paste(second, (first.width + 12, 0))
    both.convert("P", palette=Image.Palette.ADAPTIVE, colors=96).save(readme_shot, optimize=True)
    assert readme_shot.stat().st_size < 300_000, "the README's picture stays small"
