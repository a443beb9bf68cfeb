"""CSV cells that a spreadsheet would run as formulas, guarded as OWASP recommends.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is exported with a leading
``'``, so Excel and LibreOffice show it as text instead of evaluating it. Import takes
the quote off again; cells that already start with quotes before such a character get
one more, so that the round trip gives back exactly what was exported.
"""

from __future__ import annotations

import re

_NEEDS_GUARD = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def guard(text: str) -> str:
    return "'" + text if _NEEDS_GUARD.match(text) else text


def unguard(text: str) -> str:
    return text[1:] if _GUARDED.match(text) else text
