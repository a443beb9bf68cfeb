"""What the agent does with each kind of server answer, over real HTTP on loopback.

The server here is a small scripted one (``http.server``), so that each test
chooses the status the agent gets; the real API server is in
``tests/e2e/diag/test_diag_remote.py``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from itsm.api.problems import Problem
from itsm.diagnostics.errors import AgentForbidden, AgentTokenRefused, NoReportEndpoint
from itsm.diagnostics.remote import REPORTS_PATH, ReportSender
from itsm.diagnostics.schemas import IngestedReport, IngestResult, TicketChanges
from itsm.diagnostics.sending import read_token_file
from itsm.diagnostics.spool import Spool
from itsm.errors import ConfigError

Reply = tuple[int, dict[str, str], Any]


def server_id(sent_id: str) -> UUID:
    """The UUID the server's schema gives a report the tests name with a short id."""
    return uuid5(NAMESPACE_URL, sent_id)


def taken(batch: list[dict[str, Any]]) -> Reply:
    """The server's answer to a batch it stored, built from its own schema."""
    result = IngestResult(
        received=len(batch),
        stored=len(batch),
        duplicates=0,
        results=[
            IngestedReport(
                id=n,
                report_id=server_id(r["id"]),
                status="stored",
                asset_id=None,
                tickets=TicketChanges(opened=[f"T-{r['id']}"]),
            )
            for n, r in enumerate(batch, start=1)
        ],
    )
    return 200, {}, result.model_dump(mode="json")


def problem(status: int, detail: str) -> dict[str, Any]:
    """An error answer as the API writes it (RFC 9457 problem details)."""
    return Problem(type="about:blank", title="error", status=status, detail=detail).model_dump(
        mode="json", exclude_none=True
    )


@dataclass
class Script:
    """The scripted server: ``reply`` decides each answer; every request is recorded."""

    reply: Callable[[list[dict[str, Any]]], Reply] = taken
    requests: list[tuple[str, dict[str, str], list[dict[str, Any]]]] = field(default_factory=list)
    delay: float = 0.0


@pytest.fixture
def script() -> Iterator[tuple[Script, str]]:
    state = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            batch = json.loads(self.rfile.read(length))
            state.requests.append((self.path, dict(self.headers), batch))
            time.sleep(state.delay)
            status, headers, body = state.reply(batch)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _sender(tmp_path: Path, url: str, **options: Any) -> ReportSender:
    spool = Spool(tmp_path / "spool", max_reports=100, max_bytes=1 << 20).open()
    return ReportSender(server=url, token="itsm_secret", spool=spool, **options)


def _doc(report_id: str) -> bytes:
    return json.dumps({"id": report_id}).encode()


def test_spooled_reports_go_in_order_in_batches_and_leave_the_spool(
    tmp_path: Path, script: tuple[Script, str]
) -> None:
    state, url = script
    with _sender(tmp_path, url + "/", batch_reports=2) as sender:
        for n in range(4):
            sender.spool.put(f"r{n}", _doc(f"r{n}"))
        delivery = sender.submit("r4", _doc("r4"))
    assert [[r["id"] for r in batch] for _, _, batch in state.requests] == [
        ["r0", "r1"],
        ["r2", "r3"],
        ["r4"],
    ]
    path, headers, _ = state.requests[0]
    assert path == REPORTS_PATH
    assert headers["Authorization"] == "Bearer itsm_secret"
    assert headers["User-Agent"].startswith("itsm-agent/")
    assert (delivery.sent, delivery.pending, delivery.problem) == (5, 0, None)
    assert delivery.outcomes[str(server_id("r4"))] == {
        "opened": ["T-r4"],
        "commented": [],
        "escalated": [],
        "resolved": [],
    }
    assert sender.spool.entries() == []


def test_batches_stay_under_the_byte_limit(tmp_path: Path, script: tuple[Script, str]) -> None:
    state, url = script
    with _sender(tmp_path, url, batch_reports=100, batch_bytes=40) as sender:
        for n in range(3):
            sender.spool.put(f"r{n}", _doc(f"r{n}"))  # 13 bytes each
        sender.flush()
    assert [len(batch) for _, _, batch in state.requests] == [2, 1]


def test_an_unreachable_server_keeps_everything(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    with _sender(tmp_path, f"http://127.0.0.1:{port}") as sender:
        first = sender.submit("a", _doc("a"))
        second = sender.submit("b", _doc("b"))
    assert first.problem is not None
    assert "is not reachable" in first.problem
    assert (second.sent, second.pending) == (0, 2)
    assert [e.report_id for e in sender.spool.entries()] == ["a", "b"]


def test_a_slow_server_times_out_and_the_report_is_kept(
    tmp_path: Path, script: tuple[Script, str]
) -> None:
    state, url = script
    state.delay = 1.0
    with _sender(tmp_path, url, timeout=0.2) as sender:
        delivery = sender.submit("a", _doc("a"))
    assert delivery.problem is not None
    assert "TimeoutError: timed out" in delivery.problem
    assert delivery.pending == 1


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_busy_or_failing_servers_are_retried_later(
    tmp_path: Path, script: tuple[Script, str], status: int
) -> None:
    state, url = script
    state.reply = lambda _batch: (status, {}, problem(status, "try later"))
    with _sender(tmp_path, url) as sender:
        delivery = sender.submit("a", _doc("a"))
        assert delivery.problem == f"server {url} answered {status}: try later"
        assert delivery.pending == 1
        state.reply = taken
        assert sender.flush().sent == 1
    assert sender.spool.entries() == []


def test_retry_after_is_honoured(tmp_path: Path, script: tuple[Script, str]) -> None:
    state, url = script
    state.reply = lambda _batch: (503, {"Retry-After": "30"}, problem(503, "maintenance"))
    now = [1000.0]
    with _sender(tmp_path, url, clock=lambda: now[0]) as sender:
        sender.submit("a", _doc("a"))
        state.reply = taken
        held = sender.submit("b", _doc("b"))
        assert len(state.requests) == 1  # not asked again before Retry-After
        assert held.pending == 2
        now[0] += 31
        assert sender.flush().sent == 2


def test_a_refused_report_is_dropped_alone_and_never_retried(
    tmp_path: Path, script: tuple[Script, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = script

    def refuse_bad(batch: list[dict[str, Any]]) -> Reply:
        if any(r["id"] == "bad" for r in batch):
            return 422, {}, problem(422, "invalid report.severity")
        return taken(batch)

    state.reply = refuse_bad
    with _sender(tmp_path, url) as sender:
        sender.spool.put("good1", _doc("good1"))
        sender.spool.put("bad", _doc("bad"))
        delivery = sender.submit("good2", _doc("good2"))
    sent = [[r["id"] for r in batch] for _, _, batch in state.requests]
    assert sent == [["good1", "bad"], ["good1"], ["bad"], ["good2"]]
    assert (delivery.sent, delivery.refused, delivery.pending) == (2, 1, 0)
    assert "server refused report bad for good (422: invalid report.severity)" in caplog.text


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, AgentTokenRefused, "refused the agent token: token revoked"),
        (403, AgentForbidden, "does not let this token send reports: token revoked"),
        (404, NoReportEndpoint, "is not an itsm report endpoint (404)"),
    ],
)
def test_refusals_of_the_agent_itself_stop_it_and_keep_the_reports(
    tmp_path: Path,
    script: tuple[Script, str],
    status: int,
    error: type[Exception],
    message: str,
) -> None:
    state, url = script
    state.reply = lambda _batch: (status, {}, problem(status, "token revoked"))
    with _sender(tmp_path, url) as sender:
        with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
            sender.submit("a", _doc("a"))
        with pytest.raises(error):
            sender.submit("b", _doc("b"))  # spooled before the refusal of the older one
    assert [e.report_id for e in sender.spool.entries()] == ["a", "b"]


def test_token_files(tmp_path: Path) -> None:
    good = tmp_path / "token"
    good.write_text("  itsm_abc\n")
    assert read_token_file(good) == "itsm_abc"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        read_token_file(empty)
    two = tmp_path / "two"
    two.write_text("itsm_a itsm_b")
    with pytest.raises(ConfigError, match="more than one word"):
        read_token_file(two)
    with pytest.raises(ConfigError, match="cannot read the token file"):
        read_token_file(tmp_path / "missing")
