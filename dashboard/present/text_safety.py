"""Text from data shown as text: never as Markdown, HTML or a template that runs.

Partnership and organisation names, descriptions, indicator notes, file and sheet names, e-mail addresses, audit
messages and reasons come from uploads and reference tables, so anyone who may upload can put ``**x**``,
``[click](javascript:…)``, ``![](http://tracker/p.png)``, ``<img onerror=…>``, ``:red[…]``, ``$x^2$`` or
``:material/…:`` in them. Two helpers make such text literal where it is rendered:

- :func:`markdown_literal` for everything Streamlit (1.67) renders as Markdown: ``st.markdown``, ``st.caption``,
  headings, the bodies of ``st.info``/``st.warning``/``st.error``/``st.success``, labels *and values* of metrics,
  labels of expanders, tabs, widgets and page links, ``help`` tooltips, ``st.progress`` texts, radio options and
  ``st.table`` cells;
- :func:`plotly_literal` for everything Plotly renders: trace names, titles, subtitles, annotations, tick labels,
  legend entries, hover templates and ``text``.

``st.text``, ``st.code``, ``st.dataframe`` and the options of ``st.selectbox``/``st.multiselect`` (``format_func``
results) are shown as plain text and need neither (checked in a browser against Streamlit 1.67).

Nothing here imports streamlit or plotly.
"""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^/@])")
"""Characters with a meaning in GitHub-flavoured Markdown or one of Streamlit's extensions: emphasis and code,
links and images, raw HTML and autolinks, headings, lists, quotes and tables, strikethrough, ``:colour[…]``
directives, ``:material/…:`` icons and emoji shortcodes, LaTeX, bare ``www.``/``http://`` and e-mail autolinks.
Every one is ASCII punctuation, which CommonMark lets a backslash turn into the plain character."""

_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
"""An ``&`` that starts an HTML entity (``&amp;``, ``&#60;``): Markdown would decode it; a lone ``&`` stays."""

WORD_JOINER = "\u2060"
"""An invisible character that never breaks a line. Some of Streamlit's Markdown features work on the text after
escapes are resolved, so a backslash cannot stop them: bare ``http://``, ``www.`` and e-mail autolinks, the
``:streamlit:`` logo and emoji shortcodes. A word joiner after ``:`` and ``@`` and between ``www`` and ``.`` breaks
those patterns without changing what a reader sees."""

_TEXT_PATTERNS = re.compile(r"(?<=\\[:@])|(?i:(?<=www)(?=\\\.))")
"""Where :func:`markdown_literal` puts a word joiner: after an escaped ``:`` or ``@``, and between ``www`` and an
escaped ``.``."""

_PLOTLY_TEMPLATE = "%{"
"""Start of a Plotly template placeholder (``%{y}``), which hover and text templates replace with a value."""


def _text(value: object) -> str:
    """The text of a cell: empty for None, NaN and pandas' missing markers."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN and NaT
            return ""
    except TypeError:  # pd.NA
        return ""
    return str(value)


def markdown_literal(text: object) -> str:
    """Text from data that Streamlit's Markdown shows exactly as typed.

    Every Markdown or Streamlit directive character is backslash-escaped (the escape is invisible), an ``&`` that
    starts an entity too, and line breaks and runs of white space become single spaces, so nothing can start a
    heading, list, quote, table or code block. A :data:`WORD_JOINER` (invisible) after each ``:`` and ``@`` and
    inside ``www.`` stops autolinks, emoji and the ``:streamlit:`` logo. ``None`` and missing values give ``""``.

    Removing the backslash before each escaped character and every word joiner gives the text back (with its white
    space collapsed).
    """
    flat = " ".join(_text(text).split())
    escaped = _ENTITY.sub(r"\\&", MARKDOWN_SPECIAL.sub(r"\\\1", flat))
    return _TEXT_PATTERNS.sub(WORD_JOINER, escaped)


def plotly_literal(text: object) -> str:
    """Text from data that Plotly shows exactly as typed.

    Plotly reads a few HTML tags (``<b>``, ``<a href>``, ``<br>``, ``<span style>``…) and decodes entities in every
    text it draws, and replaces ``%{…}`` placeholders in hover and text templates. ``&``, ``<`` and ``>`` become
    entities (which Plotly decodes back to the characters) and the ``{`` of ``%{`` becomes ``&#123;``, so the text
    is drawn as typed and never read as a tag or a placeholder. ``None`` and missing values give ``""``.
    """
    escaped = _text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace(_PLOTLY_TEMPLATE, "%&#123;")
