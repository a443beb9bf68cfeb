"""Every request served logs one structured line; its credentials never reach the log."""

from __future__ import annotations

import json
import logging

import pytest

from itsm.logs import JsonLines
from tests.live_server import Api


def test_each_request_logs_one_line_without_credentials(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    token = api.token(api.user("tess", role="technician"))
    client = api.client(token)
    caplog.set_level(logging.INFO, logger="itsm")
    caplog.clear()
    assert client.get("/kb/articles", params={"limit": 5}).status_code == 200
    assert client.get("/kb/articles/987654").status_code == 404
    served = [r for r in caplog.records if r.name == "itsm.api.http"]
    lines = [json.loads(JsonLines().format(r)) for r in served]
    assert [(x["message"], x["method"], x["path"], x["status"]) for x in lines] == [
        ("http.request", "GET", "/api/v1/kb/articles", 200),
        ("http.request", "GET", "/api/v1/kb/articles/987654", 404),
    ]
    assert lines[1]["route"] == "/kb/articles/{article_id}"  # as the metrics label it
    assert all(x["duration_ms"] >= 0 for x in lines)
    assert token not in caplog.text
    assert "limit" not in json.dumps(lines)  # never the query string
