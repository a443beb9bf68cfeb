"""Hostile Markdown for the knowledge base's renderer, and a check that HTML is inert.

The check parses the HTML as a browser's tokenizer would (``html.parser``) and
refuses any tag or attribute that can run script or load a foreign document,
whatever the spelling (case, entities, whitespace in the scheme).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x61;script:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](java\tscript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '[x](https://example.com "a\\" onmouseover=\\"alert(1)")',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<object data=x.swf></object><embed src=x.swf>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
]
_FORBIDDEN_TAGS = frozenset(
    {
        "script", "svg", "math", "iframe", "object", "embed", "style", "form", "base",
        "meta", "link", "details", "input", "button", "textarea", "frame", "frameset",
    }
)  # fmt: skip
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
_SAFE_URL = re.compile(r"^(https?:|mailto:|/|#|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


class _Inert(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}=")
            if name in _URL_ATTRS and value is not None:
                # Browsers ignore control characters and leading spaces in a scheme.
                squeezed = re.sub(r"[\x00-\x20]", "", value)
                if not _SAFE_URL.match(squeezed):
                    self.problems.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    """What in ``html`` could run script or load a foreign document (empty: inert)."""
    parser = _Inert()
    parser.feed(html)
    parser.close()
    return parser.problems
