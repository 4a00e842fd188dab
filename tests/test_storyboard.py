"""The storyboard (issue 14): in Danish and in English its text is in the chosen language,
every measure with data has its chart as inline SVG (the key measure first) with the small-
numbers warning where a count is small, it holds no script and loads nothing from the
internet, and its PDF is a valid A4 document. Both engines. The summary page offers the
downloads (AppTest), and the measures tab says the small-numbers warning under the chart."""

from __future__ import annotations

import re
from html import escape
from datetime import date

import pytest

import actions
from actions import Actor
from pdsa.exports.storyboard import key_measure, storyboard_html, storyboard_pdf
from pdsa.i18n import translate
from pdsa.models import Project
from pdsa.store.measures import data_points_frame, list_measures
from pdsa.store.projects import list_projects

ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
HOME = "Godt hjem efter hoftebrud"
OTHER = {"da": "en", "en": "da"}


def _home(cur) -> Project:
    return next(p for p in list_projects(cur) if p.title == HOME)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_storyboard_in_both_languages(demo_db, language):
    project = _home(demo_db)
    page = storyboard_html(demo_db, project.id, language, today=date(2026, 12, 2))
    assert f"<html lang='{language}'>" in page
    for key in ("aim", "team", "patient_partner", "driver_diagram", "measures", "ramps", "observations"):
        heading = escape(translate(language, f"exports.storyboard.{key}"))
        other = escape(translate(OTHER[language], f"exports.storyboard.{key}"))
        assert f">{heading}</h2>" in page, key
        assert other == heading or f">{other}</h2>" not in page, key
    assert ("Lavet 2. dec. 2026" if language == "da" else "Made 2 Dec 2026") in page
    measures = list_measures(demo_db, project_id=project.id)
    with_data = [m for m in measures if not data_points_frame(demo_db, [m.id]).empty]
    assert with_data and page.count("<svg") == len(with_data)
    key = key_measure(measures)
    first = min(page.index(f"{m.name}</h3>") if f"{m.name}</h3>" in page else page.index(f"{m.name} <span")
                for m in measures)
    assert page.index(key.name + " <span class='key'>") == first          # the key measure first
    assert "PDSA 1.1" in page                                              # cycles marked on the chart
    assert "Erik Frandsen" in page                                         # the patient partner
    assert translate(language, "decision.adopt") in page or translate(language, "decision.adapt") in page
    assert ("små tal" if language == "da" else "small numbers") in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    pdf = storyboard_pdf(page)
    assert pdf.startswith(b"%PDF-")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    assert len(document) >= 1
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)   # A4, in mm


def test_a_new_project_says_what_is_missing(db):
    from pathways.models import Pathway

    pathway = actions.create_pathway(db, ADMIN, Pathway(name="Forløb")).id
    project = actions.create_project(db, ADMIN, Project(
        title="Tomt <projekt>", pathway_id=pathway, aim_what="færre fald", aim_how_much="fra 8 til 4 om måneden",
        aim_by_when=date(2027, 6, 30), start_date=date(2026, 1, 5)))
    page = storyboard_html(db, project.id, "da")
    for key in ("no_team", "no_patient_partner", "no_drivers", "no_measures", "no_ramps", "no_observations"):
        assert translate("da", f"exports.storyboard.{key}") in page, key
    assert "Tomt &lt;projekt&gt;" in page and "<projekt>" not in page      # typed text is escaped
    assert "<svg" not in page
    assert storyboard_pdf(page).startswith(b"%PDF-")


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_summary_page_offers_the_downloads(monkeypatch, demo_copy, language):
    from test_project_summary import _project_id, open_summary

    at = open_summary(monkeypatch, demo_copy, language, _project_id(demo_copy, HOME))
    labels = [button.proto.label for button in at.get("download_button")]
    assert translate(language, "exports.download_storyboard_pdf") in labels
    assert translate(language, "exports.download_storyboard_html") in labels
    assert translate(language, "exports.download_workbook") in labels


def test_the_measures_tab_warns_of_small_numbers_and_offers_the_data(monkeypatch, demo_copy):
    from test_pages import open_page

    at = open_page(monkeypatch, demo_copy, "views/projects.py", "da", tab="measures")
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "små tal" in captions and "under 5" in captions
    labels = [button.proto.label for button in at.get("download_button")]
    assert translate("da", "exports.download_csv") in labels and translate("da", "exports.download_excel") in labels


def test_the_summary_warns_of_small_numbers_under_its_key_chart(monkeypatch, demo_copy):
    """The key measure's chart on the one-page summary carries the warning as every chart does."""
    from test_project_summary import _project_id, open_summary

    monkeypatch.setenv("PDSA_SMALL_NUMBER_THRESHOLD", "1000")  # every count of the demo is "small"
    at = open_summary(monkeypatch, demo_copy, "da", _project_id(demo_copy, HOME))
    assert not at.exception, at.exception
    assert "små tal" in " ".join(c.value for c in at.caption)
    monkeypatch.setenv("PDSA_SMALL_NUMBER_THRESHOLD", "0")  # turned off
    at = open_summary(monkeypatch, demo_copy, "da", _project_id(demo_copy, HOME))
    assert "små tal" not in " ".join(c.value for c in at.caption)
