"""Choosing one pathway or project: a choice that survives a visit to another page."""

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


def choose(label: str, names: dict[int, str], *, key: str) -> int:
    """A selectbox over ids. Streamlit forgets a widget's value on pages that do not show it,
    so the choice is also kept under a key of its own and restored on return."""
    shown = distinct_names(names)
    remembered = f"{key}_remembered"
    if key not in st.session_state and st.session_state.get(remembered) in shown:
        st.session_state[key] = st.session_state[remembered]
    chosen = st.selectbox(label, list(shown), format_func=shown.__getitem__, key=key)
    st.session_state[remembered] = chosen
    return chosen
