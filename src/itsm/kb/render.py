"""An article's Markdown as safe HTML: the one rendering of the editor's preview and of
the article pages everyone reads.

Two locks, each enough alone for the usual attacks: markdown-it never passes raw
HTML through (it is shown as text) and refuses ``javascript:``-like links; nh3 then
keeps only the tags, attributes and URL schemes below, whatever the parser let by.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
#: Links may lead to the web and to mail; no ``javascript:``, ``data:`` or ``file:``.
_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _parser() -> MarkdownIt:
    # CommonMark with tables and strikethrough; "html": False shows raw HTML as text.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(markdown: str) -> Markup:
    """``markdown`` as sanitised HTML, safe to put in a page as it is."""
    html = _parser().render(markdown)
    clean = nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes=set(_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
