"""Server time per page of the app, cold and warm, through the real page scripts (AppTest).

    python bench/pages.py [--repeat 3] [--lang da] [--only projects]

Builds a DuckDB file in a temporary folder with the Danish demo (``actions.demo.load_demo``)
and, through the actions, one more project, "Ti indikatorer": copies of the first ten demo
measures with all their points, and copies of the first demo project's PDSA cycles (so its
charts carry cycle lines, as the demo's do). Then it opens every page of the app as the demo's
administrator with Streamlit's ``AppTest`` on ``streamlit_app.py`` (signed in, the page chosen
before the run, deep links as query parameters), exactly as a browser session runs it, and
times ``AppTest.run()``:

* **cold**: ``st.cache_data`` cleared, a new session, the page's first run (the server process
  is already running: modules are imported and the database is open, both done once by a
  warm-up run timed on its own as ``start``);
* **warm**: the same session runs the page again (what any click on the page costs when it
  reruns the whole page) — the median of ``--repeat`` reruns;
* **other session**: a new session opens the page after the first one did (what the next
  person opening it costs; cross-session caches count here), the median of ``--repeat``.

The project page draws only the open tab (``st.tabs(on_change="rerun")``; the first, Team and
progress, unless a link names another), so "a tab" is the page opened at that tab through its
deep link (``&measure=`` opens Measures, ``&cycle=`` the PDSA cycles with that cycle's worksheet
unfolded); the ten-measure project is timed on its first tab and on its Measures tab.

Targets (issue 10): every page ≤ 1 s warm and ≤ 2 s cold; the project with ten measures
≤ 1 s warm (on either tab). The last line holds every figure. Wall time on a shared machine
varies with its load; the CPU time of the process during the run is printed beside it.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.local_script_runner import LocalScriptRunner  # noqa: E402

from actions import Actor, create_project, define_measure, record_data_points, start_cycle  # noqa: E402
from actions.demo import load_demo  # noqa: E402
from pdsa.core.db import connect  # noqa: E402
from pdsa.store.cycles import list_cycles  # noqa: E402
from pdsa.store.measures import list_data_points, list_measures  # noqa: E402
from pdsa.store.projects import list_projects  # noqa: E402
from pdsa.store.users import find_user  # noqa: E402

APP = ROOT / "streamlit_app.py"
BENCH = Actor(user_id=None, name="bench", roles=frozenset({"administrator"}))
TEN = "Ti indikatorer"
WARM_TARGET, COLD_TARGET = 1.0, 2.0


@dataclass
class Case:
    name: str
    page: str
    params: dict[str, str]


def build_database(folder: Path) -> tuple[Path, dict]:
    """The demo plus a project with ten measures; returns the file and the ids the cases link to."""
    path = folder / "pages.duckdb"
    con = connect(path)
    cur = con.cursor()
    load_demo(cur)
    projects = list_projects(cur)
    first = projects[0]
    ten = create_project(cur, BENCH, first.model_copy(update={
        "id": None, "title": TEN, "team": [], "progress": [], "unit_ids": [], "version": 1}))
    for source in list_measures(cur)[:10]:
        copy = define_measure(cur, BENCH, source.model_copy(update={
            "id": None, "project_id": ten.id, "theme_id": None, "is_key": False, "version": 1, "data_version": 1}))
        points = [p.model_dump(include={"period", "value", "numerator", "denominator", "note", "excluded"})
                  for p in list_data_points(cur, source.id)]
        record_data_points(cur, BENCH, copy.id, points)
    copied: dict[int, int] = {}
    for cycle in sorted(list_cycles(cur, project_id=first.id), key=lambda c: c.id):
        new = start_cycle(cur, BENCH, cycle.model_copy(update={
            "id": None, "project_id": ten.id, "change_idea_id": None, "parent_id": copied.get(cycle.parent_id),
            "measure_ids": [], "version": 1}))
        copied[cycle.id] = new.id
    ids = {
        "projects": [p.id for p in projects],
        "ten": ten.id,
        "measure": list_measures(cur, project_id=first.id)[0].id,
        "ten_measure": list_measures(cur, project_id=ten.id)[0].id,
        "cycle": list_cycles(cur, project_id=first.id)[0].id,
        "admin_user": find_user(cur, "demo-admin").id,
    }
    con.execute("CHECKPOINT")
    cur.close()
    con.close()
    return path, ids


def cases(ids: dict) -> list[Case]:
    p1 = str(ids["projects"][0])
    result = [Case("home", "views/home.py", {}), Case("overview", "views/overview.py", {}),
              Case("pathways", "views/pathways.py", {}), Case("problems", "views/problems.py", {})]
    result += [Case(f"projects: project {n}", "views/projects.py", {"project": str(pid)})
               for n, pid in enumerate(ids["projects"], start=1)]
    result += [
        Case("projects: project 1, Measures tab", "views/projects.py", {"project": p1, "measure": str(ids["measure"])}),
        Case("projects: project 1, PDSA tab", "views/projects.py", {"project": p1, "cycle": str(ids["cycle"])}),
        Case("projects: ten measures", "views/projects.py", {"project": str(ids["ten"])}),
        Case("projects: ten measures, Measures tab", "views/projects.py",
             {"project": str(ids["ten"]), "measure": str(ids["ten_measure"])}),
        Case("history", "views/history.py", {}),
        Case("admin", "views/admin.py", {}),
    ]
    return result


def new_session(case: Case, user_id: int, language: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.session_state["lang"] = language
    at.session_state["signed_in_user_id"] = user_id
    at.switch_page(case.page)  # before the first run the page is found by its file name (= its url path)
    at.query_params.update(case.params)
    return at


class ScriptClock:
    """Wall and CPU time of the page's script thread (``ScriptRunner._run_script``: callbacks, the
    script and any ``st.rerun``): the server's time, without AppTest's parsing of the result."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        original = LocalScriptRunner._run_script
        clock = self

        def run_script(runner, *args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(runner, *args, **kwargs)
            finally:
                clock.wall += time.perf_counter() - wall
                clock.cpu += time.thread_time() - cpu

        LocalScriptRunner._run_script = run_script

    def timed(self, at: AppTest) -> tuple[float, float]:
        """Server wall and CPU seconds of one run; raises when the page failed."""
        self.wall = self.cpu = 0.0
        at.run()
        if at.exception:
            raise RuntimeError(f"the page failed: {at.exception[0].message}")
        return self.wall, self.cpu


CLOCK: ScriptClock | None = None


def timed(at: AppTest) -> tuple[float, float]:
    return CLOCK.timed(at)


def measure_case(case: Case, user_id: int, language: str, repeat: int) -> dict:
    st.cache_data.clear()
    at = new_session(case, user_id, language)
    cold, cold_cpu = timed(at)
    if at.title and case.page != "views/home.py" and not at.title[0].value:
        raise RuntimeError(f"{case.name}: no title")
    warm = [timed(at) for _ in range(repeat)]
    other = [timed(new_session(case, user_id, language)) for _ in range(repeat)]
    return {
        "cold": cold, "cold_cpu": cold_cpu,
        "warm": statistics.median(w for w, _ in warm), "warm_cpu": statistics.median(c for _, c in warm),
        "other": statistics.median(w for w, _ in other), "other_cpu": statistics.median(c for _, c in other),
        "charts": len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="warm reruns and other sessions per page (median)")
    parser.add_argument("--lang", default="da", choices=["da", "en"])
    parser.add_argument("--only", default="", help="only the cases whose name contains this text")
    args = parser.parse_args()
    global CLOCK
    CLOCK = ScriptClock()
    logging.disable(logging.WARNING)  # Streamlit's "missing ScriptRunContext", "No runtime found" outside a server

    folder = Path(tempfile.mkdtemp(prefix="pdsa-pages-"))
    try:
        started = time.perf_counter()
        path, ids = build_database(folder)
        print(f"database: demo + '{TEN}' built in {time.perf_counter() - started:.1f} s ({path})")
        os.environ["PDSA_DB"] = str(path)
        user = ids["admin_user"]
        start, start_cpu = timed(new_session(Case("home", "views/home.py", {}), user, args.lang))
        print(f"start (imports, opening the database, the home page): {start:.2f} s (CPU {start_cpu:.2f} s)")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print()
        header = f"{'page':<40} {'charts':>6} {'cold':>7} {'warm':>7} {'other session':>14}   CPU cold/warm/other"
        print(header)
        print("-" * len(header))
        results = {}
        for case in cases(ids):
            if args.only and args.only not in case.name:
                continue
            r = measure_case(case, user, args.lang, args.repeat)
            results[case.name] = r
            flag = "" if r["warm"] <= WARM_TARGET and r["cold"] <= COLD_TARGET else "  over target"
            print(f"{case.name:<40} {r['charts']:>6} {r['cold']:>6.2f}s {r['warm']:>6.2f}s {r['other']:>13.2f}s"
                  f"   {r['cold_cpu']:.2f}/{r['warm_cpu']:.2f}/{r['other_cpu']:.2f}{flag}", flush=True)
        print()
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        worst_warm = max(results.values(), key=lambda r: r["warm"])
        worst_cold = max(results.values(), key=lambda r: r["cold"])
        ok = all(r["warm"] <= WARM_TARGET and r["cold"] <= COLD_TARGET for r in results.values())
        print("; ".join(f"{name} {r['cold']:.2f}/{r['warm']:.2f}/{r['other']:.2f} s" for name, r in results.items())
              + f"; worst cold {worst_cold['cold']:.2f} s, worst warm {worst_warm['warm']:.2f} s; "
              + ("targets met" if ok else "targets NOT met"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
