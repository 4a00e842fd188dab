"""Text users type is shown as typed: never as Markdown, HTML, a link, an image or an icon (issue 8).

The pages write user text into Markdown through :func:`ui.plain.plain`. The first tests read
its output as a CommonMark parser does (markdown-it) and then apply the rewrites Streamlit's
front end makes to the parsed text (copied from Streamlit's StreamlitMarkdown); the page tests
open every page on a database holding rows whose text is Markdown and HTML.
"""

from __future__ import annotations

import html
import re
import shutil
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from pdsa.core.db import connect
from ui.plain import WORD_JOINER, plain

EVIL = "![x](http://evil.example/x.png) [klik](http://evil.example) <b>fed</b> :red[rød]"

TRICKY = [
    EVIL,
    "**fed** _kursiv_ ~~streget~~ `kode` $x^2$ $$y$$ \\*ikke\\* \\",
    "# Overskrift\n- punkt\n+ punkt\n* punkt\n1. en\n2) to\n> citat\n---\n===\n| a | b |\n|---|---|",
    "linje 1\n\nlinje 3 efter en tom linje\r\nwindows-linje",
    "<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; &#60; &lt;b&gt; <http://evil.example>",
    "www.evil.example http://evil.example HTTPS://EVIL.EXAMPLE/sti?a=1 navn@evil.example mailto:a@b.dk",
    ":material/home: :material_home: :streamlit: :smile: :+1: :blue-background[x] :small[y] :help[z]",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "[ref]: http://evil.example\n[ref] [^1]\n\n[^1]: fodnote",
    "Ventetid 3-4 timer, 10:30 – 12.00, 50 % færre; “citat” · æøå",
]


def parsed(markdown: str) -> tuple[str, str]:
    """(HTML, text) as a CommonMark parser makes them; the text has line breaks as newlines."""
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered.replace("<br />\n", "\n"))).strip("\n")
    return rendered, text


def test_every_ascii_punctuation_character_is_escaped():
    import string

    for char in string.punctuation:
        assert plain(char) == "\\" + char
    assert plain("Ventetid æøå 12") == "Ventetid æøå 12"  # letters, digits and spaces stay as they are
    assert plain(None) == ""


@pytest.mark.parametrize("text", TRICKY)
def test_the_markdown_shows_the_text_and_nothing_else(text):
    rendered, shown = parsed(plain(text))
    expected = text.replace("\r\n", "\n")
    assert shown.replace(WORD_JOINER, "") == expected
    assert rendered.startswith("<p>") and rendered.count("<p>") == 1  # one paragraph: no blocks
    assert not re.search(r"<(?!/?p>|br />)", rendered), rendered  # no tag but the paragraph and breaks


@pytest.mark.parametrize("text", TRICKY)
def test_one_line_text_stays_on_one_line(text):
    rendered, shown = parsed(plain(text, one_line=True))
    assert "\n" not in plain(text, one_line=True)
    assert shown.replace(WORD_JOINER, "") == " ".join(text.replace("\r\n", "\n").split("\n"))


# Streamlit's rewrites of the parsed text (frontend StreamlitMarkdown and remark-gfm's autolinks):
# they see the text after escapes are undone, so only a word joiner inside breaks them.
STREAMLIT_TEXT_REWRITES = [
    re.compile(r":material_(\w+):"),
    re.compile(r":streamlit:"),
    re.compile(r"(?:^|\s)(?:<->|->|<-|--|>=|<=|~=)(?:\s|$)"),
    re.compile(r"(?:https?://|www(?=\.))[-.\w]+", re.IGNORECASE),
    re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+"),
    re.compile(r":[\w+-]+:"),  # emoji short codes
]


@pytest.mark.parametrize("text", TRICKY)
def test_none_of_streamlits_rewrites_of_the_parsed_text_applies(text):
    _, shown = parsed(plain(text))
    for line in shown.split("\n"):
        for rewrite in STREAMLIT_TEXT_REWRITES:
            assert not rewrite.search(line), (rewrite.pattern, line)


@pytest.mark.parametrize("text", TRICKY)
def test_streamlit_finds_no_formula_icon_or_emoji_in_the_source(text):
    source = plain(text)
    assert ":material/" not in source  # Streamlit rewrites that in the source, before parsing
    assert not re.search(r":(?!material/|streamlit:)[\w+-][\w_+-]*:", source)  # loads the emoji plugin
    assert not re.search(r"(?<!\\)\$", source)  # an unescaped dollar may start a formula


def test_the_invisible_word_joiner_is_used_only_where_needed():
    assert WORD_JOINER not in plain("Ventetid 3-4 timer, kl. 10.30 – se punkt 2 (side 4).")
    assert plain("a -> b") == f"a \\-{WORD_JOINER}\\> b"


# --- on the pages ----------------------------------------------------------------------------

SECOND = "Første linje\n\n- ikke en liste\n# ikke en overskrift"


@pytest.fixture(scope="module")
def evil_db(demo_db_file, tmp_path_factory):
    """The demo plus a pathway, a project and everything in them written in Markdown and HTML."""
    from actions import (
        Actor, add_change_idea, add_observation, add_pathway_step, add_unit, create_pathway, create_project,
        create_theme, define_measure, link_problem_to_project, register_problem, start_cycle,
    )
    from pathways.models import Pathway, PathwayStep, Problem, Unit
    from pdsa.models import ChangeIdea, Measure, Observation, PdsaCycle, Project, Theme

    path = tmp_path_factory.mktemp("evil") / "evil.duckdb"
    shutil.copyfile(demo_db_file, path)
    con = connect(path)
    cur = con.cursor()
    actor = Actor(None, "test", roles=frozenset({"administrator"}))
    unit = add_unit(cur, actor, Unit(name=EVIL, sector="hospital"))
    pathway = create_pathway(cur, actor, Pathway(name="Forløb " + EVIL, description=EVIL))
    pathway = add_pathway_step(cur, actor, pathway.id, PathwayStep(position=1, name=EVIL, sector="hospital",
                                                                  unit_id=unit.id, description=EVIL))
    theme = create_theme(cur, actor, Theme(name=EVIL))
    project = create_project(cur, actor, Project(
        title="Projekt " + EVIL, pathway_id=pathway.id, theme_id=theme.id, aim_what=EVIL, aim_how_much=EVIL,
        aim_by_when=date(2027, 1, 1), start_date=date(2026, 1, 1)))
    idea = add_change_idea(cur, actor, project.id, ChangeIdea(text=EVIL))
    define_measure(cur, actor, Measure(project_id=project.id, name=EVIL, definition=EVIL, kind="process",
                                       data_type="count", period="week"))
    start_cycle(cur, actor, PdsaCycle(project_id=project.id, title=EVIL, change_idea_id=idea.id,
                                      plan_objective=EVIL, plan_predictions=SECOND))
    problem = register_problem(cur, actor, Problem(
        title=EVIL, description=EVIL, pathway_id=pathway.id, source="patient_or_relative", reported_by_role=EVIL,
        reported_on=date(2026, 12, 31)))
    link_problem_to_project(cur, actor, problem.id, project.id)
    for text in (EVIL, SECOND):
        add_observation(cur, actor, Observation(text=text, kind="experience", author_role=EVIL,
                                                observed_on=date(2026, 6, 1), pathway_id=pathway.id,
                                                project_id=project.id))
    con.execute("CHECKPOINT")
    con.close()
    return path, pathway.id, project.id


def demo_admin_id(path) -> int | None:
    """The demo administrator's user id, to open the pages signed in (as tests/test_pages.py)."""
    try:
        from pdsa.store.users import find_user
    except ImportError:  # a version of the app without sign-in
        return None
    con = connect(path)
    try:
        user = find_user(con.cursor(), "demo-admin")
    finally:
        con.close()
    return user.id if user else None


def open_page(monkeypatch, path, page: str, **choices) -> AppTest:
    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "da"
    if (admin := demo_admin_id(path)) is not None:
        at.session_state["signed_in_user_id"] = admin
    at.run()
    at.switch_page(page).run()
    for key, value in choices.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, at.exception
    return at


def markdown_sources(at: AppTest) -> list[str]:
    """The Markdown every element on the page carries: text, captions, alerts, and labels."""
    sources = [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                    "info", "warning", "error", "success") for e in getattr(at, kind)]
    sources += [e.label for e in at.expander] + [e.label for e in at.tabs] + [e.label for e in at.metric]
    return sources


def assert_shown_literally(at: AppTest, *, at_least: int) -> None:
    """The text is written escaped at least so many times, reads back exactly as typed, and no
    element carries Markdown or HTML from it."""
    sources = markdown_sources(at)
    escaped = plain(EVIL)
    holding = [s for s in sources if escaped in s]
    shown = sum(s.count(escaped) for s in holding)
    assert shown >= at_least, f"the text is shown {shown} times: {holding}"
    for source in holding:
        assert EVIL in parsed(source)[1].replace(WORD_JOINER, "")  # shown exactly as typed
    for source in sources:
        for markup in ("![", "](", "<b>", ":red[", "http://"):
            assert markup not in source, (markup, source)


def test_the_overview_shows_typed_text_literally(monkeypatch, evil_db):
    path, _, _ = evil_db
    at = open_page(monkeypatch, path, "views/overview.py")
    # the project's title and pathway, its aim (what and how much), the problem's title and pathway
    assert_shown_literally(at, at_least=6)


def test_the_pathway_page_shows_typed_text_literally(monkeypatch, evil_db):
    path, pathway_id, _ = evil_db
    at = open_page(monkeypatch, path, "views/pathways.py", pathway=pathway_id)
    # description, step name and unit, step description, problem title (a label) and description,
    # who reported it, the observation and who said it (and who said the other one)
    assert_shown_literally(at, at_least=7)
    assert any(plain(SECOND) in source for source in markdown_sources(at))


def test_the_problems_page_shows_typed_text_literally(monkeypatch, evil_db):
    from pathways.store import list_problems

    path, pathway_id, _ = evil_db
    con = connect(path)
    try:
        problem = next(p for p in list_problems(con.cursor(), pathway_id=pathway_id) if p.title == EVIL)
    finally:
        con.close()
    at = open_page(monkeypatch, path, "views/problems.py", pathway=pathway_id)
    # the inbox: the pathway chosen (a label) and the problem in the table and the pickers (plain
    # values, never Markdown)
    assert not any("![" in source or "<b>" in source for source in markdown_sources(at))
    at.selectbox(key=f"open-pick-{pathway_id}").set_value(problem.id).run()
    at.button(key=f"open-{pathway_id}").click().run()
    assert not at.exception, at.exception
    # the problem's page: its title (the heading), the step, what happened, who reported it, the
    # observation linked to nothing yet is not shown; the project it is linked to is a link
    assert_shown_literally(at, at_least=3)
    for link in at.get("page_link"):
        for markup in ("![", "](", "<b>", ":red["):
            assert markup not in link.label, (markup, link.label)


def test_the_project_page_shows_typed_text_literally(monkeypatch, evil_db):
    path, _, project_id = evil_db
    at = open_page(monkeypatch, path, "views/projects.py", project=project_id)
    # the aim (what and how much), the pathway, the theme, the measure's name and definition, the
    # change idea heading the ramp, the cycle's title (a label) and objective, the problem
    # addressed, the observation and who said it (and who said the other one); the page draws
    # only the open tab, and a PDSA worksheet once unfolded: each tab in turn, worksheets unfolded
    from pdsa.i18n import translate

    sources: set[str] = set()  # the aim above the tabs is drawn on every run: counted once
    for tab in ("team", "drivers", "measures", "cycles", "problems"):
        at.session_state["project-tabs-none"] = translate("da", f"projects.tab_{tab}")
        at.run()
        for sheet in [e.proto.id for e in at.expander if "ws-expander-" in e.proto.id]:
            at.session_state[f"ws-expander-{sheet.rsplit('ws-expander-', 1)[1]}"] = True
        at.run()
        assert not at.exception, at.exception
        assert_shown_literally(at, at_least=0)
        sources |= set(markdown_sources(at))
    shown = sum(source.count(plain(EVIL)) for source in sources)
    assert shown >= 13, f"the text is shown {shown} times"
    assert any(plain(SECOND) in source for source in sources)
