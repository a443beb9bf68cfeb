"""The knowledge base's one Markdown renderer: Markdown becomes HTML, and no hostile
input becomes anything that runs (payloads in tests/xss.py)."""

from __future__ import annotations

import pytest

from itsm.kb.render import to_html
from tests.xss import PAYLOADS, active_content


def test_markdown_becomes_html() -> None:
    html = to_html(
        "# Printer\n\n**Open** the *tray*, ~~then~~ `reset`.\n\n- one\n- two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.com/x) <mail@example.com>"
    )
    assert "<h1>Printer</h1>" in html
    assert "<strong>Open</strong>" in html
    assert "<em>tray</em>" in html
    assert "<s>then</s>" in html
    assert "<code>reset</code>" in html
    assert "<li>one</li>" in html
    assert "<td>2</td>" in html
    assert '<a href="https://example.com/x" rel="noopener noreferrer nofollow">docs</a>' in html
    assert 'href="mailto:mail@example.com"' in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markdown_renders_inert(payload: str) -> None:
    html = to_html(f"Before\n\n{payload}\n\nAfter")
    assert active_content(html) == [], html
    assert "Before" in html
    assert "After" in html


def test_raw_html_is_shown_as_text() -> None:
    assert to_html("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_the_checker_itself_catches_active_content() -> None:
    assert active_content('<a href=" java\tscript:x">') != []
    assert active_content("<img src=x onerror=alert(1)>") != []
    assert active_content("<svg></svg>") != []
    assert active_content('<a href="/kb/1">ok</a><a href="#x">ok</a>') == []
