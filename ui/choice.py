"""Choosing one pathway, problem, project ...: a choice that survives a visit to another page
and that a link can make (``/projects?project=3``).

Deep links carry ids, not names: a name can change or repeat, an id cannot. (Streamlit's own
``bind="query-params"`` writes the shown name into the address, so it is not used here.)
"""

from __future__ import annotations

import streamlit as st


def distinct_names(names: dict[int, str]) -> dict[int, str]:
    """Names as shown in a list; a repeated name gets a number, so every entry can be chosen."""
    seen: dict[str, int] = {}
    shown = {}
    for item_id, name in names.items():
        seen[name] = seen.get(name, 0) + 1
        shown[item_id] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    return shown


def linked_id(param: str) -> int | None:
    """The id a link put in the address under ``param`` (None when absent or not an id)."""
    raw = st.query_params.get(param)
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _written_key(key: str) -> str:
    return f"{key}_in_address"


def follow_link(key: str, param: str, known: object) -> None:
    """When the address names an id this page has not put there itself (a link was opened,
    or typed), make it the widget's value; ``known`` is the collection of choosable ids."""
    wanted = linked_id(param)
    if wanted is not None and wanted in known and st.session_state.get(_written_key(key)) != wanted:
        st.session_state[key] = wanted
        st.session_state[f"{key}_remembered"] = wanted
    st.session_state[_written_key(key)] = wanted


def show_in_address(key: str, param: str, chosen: int | None) -> None:
    """Put the choice in the address, so it can be copied, bookmarked and reloaded."""
    if chosen is None:
        if param in st.query_params:
            del st.query_params[param]
    elif linked_id(param) != chosen:
        st.query_params[param] = str(chosen)
    st.session_state[_written_key(key)] = chosen


def choose(label: str, names: dict[int, str], *, key: str, param: str | None = None) -> int:
    """A selectbox over ids. Streamlit forgets a widget's value on pages that do not show it,
    so the choice is also kept under a key of its own and restored on return. With ``param``
    the choice follows the address: a link with ``?param=ID`` opens that entry, and choosing
    another one writes its id into the address."""
    shown = distinct_names(names)
    remembered = f"{key}_remembered"
    if param:
        follow_link(key, param, shown)
    if key not in st.session_state and st.session_state.get(remembered) in shown:
        st.session_state[key] = st.session_state[remembered]
    if key in st.session_state and st.session_state[key] not in shown:
        del st.session_state[key]  # archived, or not visible to this user any more
    chosen = st.selectbox(label, list(shown), format_func=shown.__getitem__, key=key)
    st.session_state[remembered] = chosen
    if param:
        show_in_address(key, param, chosen)
    return chosen
