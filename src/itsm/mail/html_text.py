"""An HTML mail body as readable plain text.

Paragraphs and blocks are separated by blank lines, ``<br>`` breaks lines, list items
start with "- " (numbered in ``<ol>``), links read "text (url)", table cells are
separated by spaces; ``<head>``, ``<script>``, ``<style>`` and similar say nothing.

Tags are found by one regular expression that never looks past the next ``<`` or
``>``, so the work is linear in the input: the standard library's ``html.parser``
rescans to the end of the input for every unclosed tag, and a hostile message of a
few hundred kilobytes of ``<a <a <a`` kept it busy for hours.
"""

from __future__ import annotations

import html
import re

from itsm.mail.charsets import clean_text

# Elements whose content is never text for a person.
_SILENT = frozenset({"head", "script", "style", "title", "template", "noscript", "svg", "object"})
# Elements that stand on lines of their own.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tr", "ul", "body", "html",
    }
)  # fmt: skip
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# A tag: name and attributes up to the next ">", never across another "<". Other
# markup (<!DOCTYPE>, <![if ...]>, <?xml ...?>) is dropped whole.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:._-]*)([^<>]*)>|<[!?][^<>]*>")
_ATTRIBUTE = re.compile(r"""([^\s=/"'<>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+)))?""")


class _Converter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self._silent = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # per open list: [ordered?, next number]
        self._links: list[tuple[str, int]] = []  # (href, position in out)

    def _block(self) -> None:
        self.out.append("\n\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            self._silent += 1
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in {"ul", "ol"}:
            self._lists.append([tag == "ol", 1])
            self._block()
        elif tag == "li":
            if self._lists and self._lists[-1][0]:
                bullet = f"{self._lists[-1][1]}. "
                self._lists[-1][1] += 1
            else:
                bullet = "- "
            self.out.append(f"\n{bullet}")
        elif tag in {"td", "th"}:
            self.out.append(" ")
        elif tag == "a":
            if self._links:  # links do not nest: a new one ends the open one, as browsers do
                self.handle_endtag("a")
            href = next((value for name, value in attrs if name == "href" and value), "")
            self._links.append((href.strip(), len(self.out)))
        elif tag == "img":
            alt = next((value for name, value in attrs if name == "alt" and value), "")
            if alt.strip():
                self.out.append(f"[{alt.strip()}]")
        elif tag in _BLOCKS:
            if tag == "pre":
                self._pre += 1
            self._block()
        if tag == "hr":
            self.out.append("----\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT:
            self._silent = max(self._silent - 1, 0)
            return
        if tag in {"ul", "ol"}:
            if self._lists:
                self._lists.pop()
            self._block()
        elif tag == "a":
            if self._links:
                href, start = self._links.pop()
                text = "".join(self.out[start:]).strip()
                if _worth_showing(href, text):
                    self.out.append(f" ({href})" if text else href)
        elif tag in _BLOCKS:
            if tag == "pre":
                self._pre = max(self._pre - 1, 0)
            self._block()

    def handle_data(self, data: str) -> None:
        if self._silent:
            return
        if not self._pre:
            data = _SPACES.sub(" ", data.replace("\n", " "))
        self.out.append(data)


def _worth_showing(href: str, text: str) -> bool:
    """A link's address is shown unless it says nothing more than its text."""
    if not href or href.startswith(("#", "javascript:", "cid:", "data:")):
        return False
    bare = href.removeprefix("mailto:")
    return text not in {href, bare}


def _attributes(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for match in _ATTRIBUTE.finditer(text):
        name, double, single, bare = match.groups()
        value = next((v for v in (double, single, bare) if v is not None), None)
        found.append((name.lower(), html.unescape(value) if value is not None else None))
    return found


def _without_comments(markup: str) -> str:
    """``markup`` without ``<!-- ... -->``; an unclosed comment runs to the end."""
    kept = []
    position = 0
    while (start := markup.find("<!--", position)) != -1:
        kept.append(markup[position:start])
        end = markup.find("-->", start + 4)
        if end == -1:
            return "".join(kept)
        position = end + 3
    kept.append(markup[position:])
    return "".join(kept)


def html_to_text(markup: str) -> str:
    """``markup`` as plain text; never raises, in time linear in its length."""
    converter = _Converter()
    markup = _without_comments(markup)
    position = 0
    for match in _TAG.finditer(markup):
        if match.start() > position:
            converter.handle_data(html.unescape(markup[position : match.start()]))
        position = match.end()
        closing, name, attributes = match.groups()
        if name is None:
            continue
        tag = name.lower()
        if closing:
            converter.handle_endtag(tag)
        elif attributes.rstrip().endswith("/"):
            converter.handle_startendtag(tag, _attributes(attributes.rstrip()[:-1]))
        else:
            converter.handle_starttag(tag, _attributes(attributes))
    if position < len(markup):
        converter.handle_data(html.unescape(markup[position:]))
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(converter.out).split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return clean_text(text)
