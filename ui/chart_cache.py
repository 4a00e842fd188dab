"""A measure's chart drawn from a cache every session shares, so a page shows it at once.

Building an SPC chart with Altair and having ``st.altair_chart`` turn it into Vega-Lite
(``to_dict`` with schema validation: hundreds of thousands of deep copies) takes 0.4–0.9 s of
server time per chart; the data behind it takes 10 ms to fetch and analyse. So the chart's
Vega-Lite spec is made once — exactly as ``st.altair_chart`` would send it, the data as Arrow
beside the spec — and kept under a key that changes whenever anything drawn changes:

* the measure (id, settings ``version``, ``data_version``) and a fingerprint of everything
  the chart is drawn from: its points as fetched, its settings and definition, the chart type
  chosen, the labels in the reader's language and the PDSA cycles annotated on it (their dates
  and numbers). The fingerprint also keeps apart two databases that share ids (a test's
  copies of the demo, a demo loaded again).

The spec is not validated against the Vega-Lite schema per view: ``tests/test_charts.py``
validates the charts ``pdsa.charts`` builds, and ``tests/test_page_speed.py`` checks that a
cached spec equals one built and validated anew.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from pdsa.charts import Annotation, ChartLabels
from pdsa.models import Measure

try:  # the lock st.altair_chart holds while it switches Altair's global theme and data transformer
    from streamlit.elements.vega_charts import _altair_globals_lock as _ALTAIR_GLOBALS
except ImportError:  # pragma: no cover - another Streamlit version
    _ALTAIR_GLOBALS = threading.Lock()
try:  # the name Streamlit gives a dataset (its content's hash)
    from streamlit.util import calc_hash
except ImportError:  # pragma: no cover - another Streamlit version
    def calc_hash(data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

_TRANSFORMER = "pdsa_arrow"


def _to_arrow(data: Any, datasets: dict[str, bytes]) -> dict[str, str]:
    """Altair data transformer: a table becomes Arrow bytes under a name made from them (as
    Streamlit's own does, so ``st.vega_lite_chart`` sends them beside the spec unchanged)."""
    data_bytes = dataframe_util.convert_anything_to_arrow_bytes(data)
    name = calc_hash(data_bytes)
    datasets[name] = data_bytes
    return {"name": name}


alt.data_transformers.register(_TRANSFORMER, _to_arrow)


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite dict ``st.altair_chart(chart)`` would send, its datasets as Arrow bytes,
    without validating it against the schema (the tests do)."""
    datasets: dict[str, bytes] = {}
    with _ALTAIR_GLOBALS:  # the theme and the data transformer are global to every thread
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable(_TRANSFORMER, datasets=datasets):
            spec = chart.to_dict(validate=False)
    existing = spec.get("datasets")
    spec["datasets"] = {**existing, **datasets} if isinstance(existing, dict) else datasets
    return spec


def fingerprint(measure: Measure, chart: str, points: pd.DataFrame, labels: ChartLabels,
                annotations: Sequence[Annotation]) -> str:
    """A digest of everything the chart is drawn from."""
    digest = hashlib.sha256()
    digest.update(measure.model_dump_json().encode())
    digest.update(chart.encode())
    digest.update(repr(labels).encode())
    digest.update(repr([(a.date.isoformat(), a.label, a.kind) for a in annotations]).encode())
    digest.update(",".join(map(str, points.columns)).encode())
    digest.update(pd.util.hash_pandas_object(points, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@st.cache_data(show_spinner=False, max_entries=2000)
def _specs(measure_id: int | None, version: int, data_version: int, chart: str, digest: str,
           _build: Callable[[], tuple[alt.TopLevelMixin, alt.TopLevelMixin | None]]) -> tuple[dict, dict | None]:
    """The chart's and its icons' specs; ``_build`` (not part of the key) runs only on a miss."""
    figure, icons = _build()
    return vega_lite_spec(figure), (vega_lite_spec(icons) if icons is not None else None)


class LazyChart:
    """Stands for the Altair chart where it is exported (``pdsa.charts.chart_to_png`` calls
    ``to_dict()``): built only when someone downloads it."""

    def __init__(self, build: Callable[[], alt.TopLevelMixin]):
        self._build = build

    def to_dict(self, **kwargs: Any) -> dict:
        return self._build().to_dict(**kwargs)


def show_measure_chart(
    measure: Measure,
    chart: str,
    points: pd.DataFrame,
    *,
    labels: ChartLabels,
    annotations: Sequence[Annotation],
    figure: Callable[[], alt.TopLevelMixin],
    icons: Callable[[], alt.TopLevelMixin | None],
) -> LazyChart:
    """Draw the measure's chart (and the Making Data Count icons beside it, when it has them)
    from the shared cache; ``figure``/``icons`` build them when the cache has not got them.
    Returns the chart for the export buttons."""
    digest = fingerprint(measure, chart, points, labels, annotations)
    spec, icons_spec = _specs(measure.id, measure.version, measure.data_version, chart, digest,
                              lambda: (figure(), icons()))
    if icons_spec is None:
        st.vega_lite_chart(spec, width="stretch", theme=None)
    else:
        left, right = st.columns([6, 1])
        left.vega_lite_chart(spec, width="stretch", theme=None)
        right.vega_lite_chart(icons_spec, theme=None)
    return LazyChart(figure)




@st.cache_data(show_spinner=False, max_entries=2000)
def _spec_for(digest: str, _build: Callable[[], alt.TopLevelMixin]) -> dict:
    return vega_lite_spec(_build())


def show_altair_chart(build: Callable[[], alt.TopLevelMixin], *, drawn_from: object, where=None, **kwargs: Any) -> None:
    """Any other Altair chart from the shared cache: ``drawn_from`` is everything the chart is
    built from (its ``repr`` is digested: models, dates, texts in the reader's language …);
    ``build`` runs only when the cache has not got it. ``kwargs`` as for ``st.vega_lite_chart``
    (``width``, ``theme``, ``key``); ``where`` a container (default: here)."""
    digest = hashlib.sha256(repr(drawn_from).encode()).hexdigest()
    (where or st).vega_lite_chart(_spec_for(digest, build), **kwargs)


# --- a measure's card redrawn on its own --------------------------------------------------------


@st.fragment
def measure_card(measure: Measure, cycles: list) -> None:
    """The measure's card (ui/measure_view.py ``show_measure``) as a fragment: entering data,
    choosing the chart type or saving a target redraws this card only, not the page's other
    cards and tabs. A change seen elsewhere on the page — the measure archived or restored, its
    definition, name or key-measure mark changed (the settings ``version``) — reruns the page."""
    from pdsa.store.measures import get_measure
    from ui.measure_view import show_measure
    from ui.state import cursor, fragment_rerun

    cur = cursor()
    if fragment_rerun():
        try:
            now = get_measure(cur, measure.id)
        except LookupError:
            now = None
        if now is None or now.version != measure.version or now.archived:
            st.rerun(scope="app")
        measure = now
    show_measure(cur, measure, annotations_from=cycles)
