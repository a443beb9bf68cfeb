"""HTML-only mail read as text a technician can work with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.mail.html_text import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>uno</p><p>dos</p>", "uno\n\ndos"),
        ("uno<br>dos<br/>tres", "uno\ndos\ntres"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
        (
            '<a href="https://x.example/p?a=1&amp;b=2">el portal</a>',
            "el portal (https://x.example/p?a=1&b=2)",
        ),
        ('<a href="https://x.example">https://x.example</a>', "https://x.example"),
        ('<a href="mailto:ana@x.example">ana@x.example</a>', "ana@x.example"),
        ('<a href="https://x.example"></a>', "https://x.example"),
        ('<a href="javascript:alert(1)">pulse</a>', "pulse"),
        ("<head><title>T</title><style>p{}</style></head><body>hola</body>", "hola"),
        ("<script>var a = '<p>no</p>';</script>sí", "sí"),
        ("a&nbsp;&nbsp;b &amp; c &lt;d&gt;", "a b & c <d>"),
        ("<table><tr><td>A</td><td>B</td></tr><tr><td>C</td><td>D</td></tr></table>", "A B\n\nC D"),
        ('<img src="cid:x" alt="logo">texto', "[logo]texto"),
        ("<pre>  línea 1\n  línea 2</pre>", "línea 1\nlínea 2"),
        ("<p>broken <b>bold", "broken bold"),
        ("<div><div><div>x</div></div></div>\n\n\n\n<p>y</p>", "x\n\ny"),
        ("<!-- comentario -->visible<![CDATA[x]]>", "visible"),
        ("uno<hr>dos", "uno\n\n----\n\ndos"),
        ("<p/>uno<div/>dos", "uno\n\ndos"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


_PIECES = [*"<>/=\"' &;#ab\n", "<p>", "</a>", "<a href=", "<script>", "<!--", "<![", "</", "<li>"]


@settings(deadline=None)  # a loaded CI machine must not fail a fast check
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_never_raises(html: str) -> None:
    assert "\x00" not in html_to_text(html)
