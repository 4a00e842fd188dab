"""Text people typed, shown exactly as typed wherever the page writes Markdown.

Streamlit renders ``st.markdown``, ``st.caption`` and widget labels as Markdown with extras of its
own, so an observation holding ``![x](http://…)`` would load a remote image and ``:red[…]`` would
colour text. :func:`plain` turns user text into Markdown that shows that text and nothing else:

* every ASCII punctuation character is backslash-escaped (CommonMark lets any of them be
  escaped, and an escaped character is always literal), which also covers ``<``, ``>`` and
  ``&`` (no HTML, no entities), ``:`` (no ``:color[…]`` directives), ``$`` (no formulas),
  ``/`` (Streamlit rewrites ``:material/`` in the source before parsing) and the line starts
  (``#``, ``-``, ``>``, ``1.``) that would make headings, lists and quotes;
* a few rewrites act on the *parsed* text, where escapes no longer show: web addresses and
  e-mail addresses become links (``http://…``, ``www.…``, ``name@host.dk``), icon and emoji short
  codes become pictures (``:material_home:``, ``:streamlit:``, ``:smile:``), and arrows and
  dashes between spaces become typographic (`` -> `` becomes →, `` -- `` becomes —). An
  invisible WORD JOINER (U+2060) inside each of those breaks it, and only those (so an address
  copied from the page carries that invisible character);
* line breaks stay line breaks (a backslash before the newline is a hard break), so a typed
  blank line neither ends a quote nor starts a new block.
"""

from __future__ import annotations

import re
import string

_ESCAPE = {ord(c): "\\" + c for c in string.punctuation}
WORD_JOINER = "\u2060"

# Short codes Streamlit replaces in the parsed text: :material_name:, :streamlit:, emoji :name:.
_SHORT_CODE = re.compile(r":(?=[\w+-]+:)")
# GitHub's autolinks, found in the parsed text: http(s)://…, www.…, and e-mail addresses.
_AUTOLINK = re.compile(r"(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=www)(?=\.)|(?<=@)(?=[-\w])", re.IGNORECASE)
# Streamlit's typographic replacements, each only between whitespace (or the ends of a line).
_TYPOGRAPHY = re.compile(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)")


def plain(text: object, *, one_line: bool = False) -> str:
    """Markdown that shows text literally. one_line: line breaks become spaces (headings,
    labels, list items); else they stay line breaks. None shows as nothing."""
    if text is None:
        return ""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    if one_line:
        value = " ".join(value.split("\n"))
    value = _TYPOGRAPHY.sub(lambda m: m[1][0] + WORD_JOINER + m[1][1:], value)
    value = _SHORT_CODE.sub(":" + WORD_JOINER, value)
    value = _AUTOLINK.sub(WORD_JOINER, value)
    return "\\\n".join(line.translate(_ESCAPE) for line in value.split("\n"))
