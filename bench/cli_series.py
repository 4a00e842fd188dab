"""Benchmark: ``python -m pdsa analyze`` as whole processes on files it generates.

    python bench/cli_series.py [--series 10000 --points 100 --big 1000000 --charts run,i,...]

For every chart type it writes two CSV files into a temporary folder and times the real
command on them, each run a fresh process (start-up, reading, analysis and writing all
counted), its output going to a file:

* ``--series`` series x ``--points`` rows with ``--series series --summary``;
* the same with every point (``--series series``);
* one series of ``--big`` rows (all points).

Half the files are written the Danish way (``;`` separated, decimal comma), half the
English way, so the reader's both paths are timed. It prints one line per run: wall time,
its CPU time (user + system: less sensitive to other work on a shared machine), the peak
resident set size of that process (``ru_maxrss`` from ``wait4``), the output's size and
number of lines, and at the end the slowest run of each kind against the
targets (issue 13: 1 s, 4 s, and a million rows without running out of memory).

The files are written by a child process (``--write``): Linux carries a process's peak
RSS across ``fork`` and ``exec``, so the measuring parent stays small and imports no numpy.
The command runs with Python's default of caching compiled modules (``__pycache__``), as on
a user's machine: an environment that sets PYTHONDONTWRITEBYTECODE (this sandbox and its CI
do) would otherwise recompile every module of the command on every run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
CHART_TYPES = ("run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")   # pdsa.spc.result

SUBGROUP = 4            # rows per x for xbar and s charts
NEEDS_N = ("p", "pp", "u", "up")
TARGETS = {"summary": 1.0, "points": 4.0}


def values(chart: str, rng, rows: int, series: int):
    """Values that fit the chart, with a level shift in a third of the series."""
    import numpy as np

    code = np.repeat(np.arange(series), rows // series)
    level = rng.uniform(5, 30, series)[code]
    step = np.where(rng.random(series) < 1 / 3, rng.choice([0.7, 1.4], series), 1.0)[code]
    position = np.tile(np.arange(rows // series), series)
    level = level * np.where(position >= rows // series // 2, step, 1.0)
    if chart in NEEDS_N:
        n = rng.integers(20, 400, rows).astype(float)
        share = np.clip(level / 60, 0.02, 0.9)
        y = rng.binomial(n.astype(int), share) if chart in ("p", "pp") else rng.poisson(n * share / 4)
        return y.astype(float), n
    if chart in ("c", "g"):
        return rng.poisson(level).astype(float), None
    if chart == "t":
        return np.round(rng.exponential(level) + 0.1, 1), None
    return np.round(rng.normal(level, level / 6), 1), None


def write_file(path: Path, chart: str, series: int, rows_per_series: int, danish: bool, seed: int) -> None:
    """series;x;y[;n] rows, series after series, x as weekly dates."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = series * rows_per_series
    y, n = values(chart, rng, rows, series)
    y[rng.random(rows) < 0.01] = np.nan
    position = np.tile(np.arange(rows_per_series), series)
    week = position // SUBGROUP if chart in ("xbar", "s") else position
    dates = (np.datetime64("2020-01-06") + week.astype("timedelta64[D]") * 7).astype(str)
    names = np.char.add("unit_", np.repeat(np.arange(series), rows_per_series).astype(str))
    sep, decimal = (";", ",") if danish else (",", ".")
    y_text = np.where(np.isnan(y), "", np.char.replace(np.round(y, 1).astype(str), ".", decimal))
    y_text = np.char.replace(y_text, decimal + "0", "") if chart in NEEDS_N + ("c", "g") else y_text
    columns = [names, dates, y_text] + ([n.astype(np.int64).astype(str)] if n is not None else [])
    header = sep.join(["series", "x", "y"] + (["n"] if n is not None else []))
    body = columns[0]
    for column in columns[1:]:
        body = np.char.add(np.char.add(body, sep), column)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        handle.write("\n".join(body.tolist()))
        handle.write("\n")


def run(arguments: list[str], output: Path) -> tuple[float, float, float, int, int]:
    """(wall seconds, CPU seconds, peak RSS MiB, output bytes, output lines) of one whole process."""
    with open(output, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pdsa", "analyze", *arguments], cwd=ROOT,
                                   stdout=sink, stderr=subprocess.PIPE, env=ENVIRONMENT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    error = process.stderr.read().decode()
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"analyze {' '.join(arguments)} failed ({process.returncode}): {error}")
    with open(output, "rb") as result:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: result.read(1 << 20), b""))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output.stat().st_size, lines


def write_in_child(path: Path, chart: str, series: int, rows_per_series: int, danish: bool, seed: int) -> None:
    subprocess.run([sys.executable, __file__, "--write", str(path), chart, str(series), str(rows_per_series),
                    str(int(danish)), str(seed)], check=True)


def start_up() -> tuple[float, float, float]:
    """Best of three ``python -m pdsa analyze --help``: what every run pays before reading (the
    first run also fills the module cache)."""
    best = None
    for _ in range(3):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pdsa", "analyze", "--help"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, env=ENVIRONMENT)
        _, _, usage = os.wait4(process.pid, 0)
        found = (time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        best = found if best is None or found[0] < best[0] else best
    return best


def main() -> None:
    if sys.argv[1:2] == ["--write"]:
        path, chart, series, rows, danish, seed = sys.argv[2:8]
        write_file(Path(path), chart, int(series), int(rows), danish == "1", int(seed))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--big", type=int, default=1_000_000, help="rows of the one-series file (0: skip)")
    parser.add_argument("--charts", default=",".join(CHART_TYPES))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    charts = args.charts.split(",")
    worst: dict[str, tuple[float, float, str]] = {}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start")
    wall, cpu, rss = start_up()
    print(f"start-up alone (python -m pdsa analyze --help, best of 3): {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{rss:.0f} MiB")
    print(f"{'run':<44} {'wall s':>7} {'CPU s':>6} {'peak RSS MiB':>13} {'output MB':>10} {'lines':>7}")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for number, chart in enumerate(charts):
            danish = number % 2 == 1
            many = folder / f"{chart}_many.csv"
            write_in_child(many, chart, args.series, args.points, danish, args.seed + number)
            runs = [("summary", [str(many), "--chart", chart, "--series", "series", "--summary"]),
                    ("points", [str(many), "--chart", chart, "--series", "series"])]
            if args.big:
                big = folder / f"{chart}_big.csv"
                write_in_child(big, chart, 1, args.big, danish, args.seed + 100 + number)
                runs.append(("one series", [str(big), "--chart", chart]))
            if chart == "i":
                runs.append(("summary", [str(many), "--chart", "i", "--series", "series", "--summary",
                                         "--rules", "mdc", "--target", "20"]))
                runs.append(("points", [str(many), "--chart", "i", "--series", "series", "--rules", "mdc"]))
            for kind, arguments in runs:
                wall, cpu, rss, size, lines = run(arguments, folder / "out.jsonl")
                label = f"{chart:<4} {'da' if danish else 'en'} {kind:<10} " + \
                        ("mdc" if "mdc" in arguments else "") + \
                        (f" {args.series}x{args.points}" if kind != "one series" else f" 1x{args.big}")
                print(f"{label:<44} {wall:7.2f} {cpu:6.2f} {rss:13.0f} {size / 1e6:10.1f} {lines:7d}", flush=True)
                if kind not in worst or wall > worst[kind][0]:
                    worst[kind] = (wall, rss, label)
            for path in folder.glob(f"{chart}_*.csv"):
                path.unlink()
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (wall times grow with other work on the machine)")
    for kind, (wall, rss, label) in worst.items():
        target = f"target <= {TARGETS[kind]:.0f} s" if kind in TARGETS else "target: no memory failure"
        print(f"slowest {kind:<10}: {wall:5.2f} s, peak RSS {rss:5.0f} MiB ({label.strip()}); {target}")


if __name__ == "__main__":
    main()
