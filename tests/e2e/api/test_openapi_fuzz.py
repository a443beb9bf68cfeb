"""Property-based run of the OpenAPI document with schemathesis, on both databases.

Every operation gets generated requests, valid and invalid, as an admin; the run
fails on any server error or any response that breaks the documented schema,
status codes or content types.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import Api

CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
    ]
)


@pytest.mark.slow
def test_openapi_document_holds_under_generated_requests(api: Api, tmp_path: Path) -> None:
    token = api.token(api.user("fuzzer", role="admin"))
    schemathesis = Path(sys.executable).with_name("schemathesis")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{api.base_url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            os.environ.get("ITSM_FUZZ_EXAMPLES", "8"),
            "--seed",
            "20261127",
            # One worker: with several, hypothesis on Python 3.11 sometimes fails internally
            # ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "30",
            # Revoking random tokens would revoke the fuzzer's own and turn the rest into 401s;
            # the event stream stays open until the client leaves (test_events.py covers it).
            "--exclude-path-regex",
            r"^/api/v1/(tokens/\{token_id\}|events)$",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
