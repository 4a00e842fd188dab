"""Who is acting in this browser session, as the actions need it."""

from __future__ import annotations

from actions.actor import Actor


def current_actor() -> Actor | None:
    """The signed-in person (with their roles and team roles), or None.

    Read from the database once per run of the page's body (a page asks dozens of times; each
    read is three queries); a callback, which runs before the body and may change the person's
    roles, always reads anew."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from ui.auth import SIGNED_IN, signed_in_actor

    import streamlit as st

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not ctx.has_script_started:
        return signed_in_actor()
    memo = getattr(ctx, "_pdsa_actor", None)
    user_id = st.session_state.get(SIGNED_IN)
    if memo is not None and memo[0] is ctx.cursors and memo[1] == user_id:
        return memo[2]
    actor = signed_in_actor()
    ctx._pdsa_actor = (ctx.cursors, st.session_state.get(SIGNED_IN), actor)
    return actor
