"""Send reports to the itsm server over HTTP, through the on-disk spool.

Every report goes into the :class:`~itsm.diagnostics.spool.Spool` first and is
deleted only after a 2xx; anything else keeps it for the next cycle, except answers
retrying cannot fix (a refused token, a wrong URL: stop; a refused report: drop it).
The answers and what the agent does: docs/operations.md. The standard library's
``urllib.request`` only: httpx would load its command-line client (click, Rich,
Pygments) wherever click is installed, 5 MB the agent never uses.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Any

from itsm import __version__
from itsm.diagnostics.errors import (
    AgentForbidden,
    AgentMustStop,
    AgentTokenRefused,
    NoReportEndpoint,
)
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.report import Report
from itsm.diagnostics.spool import Entry, Spool
from itsm.wording import count

log = logging.getLogger(__name__)

REPORTS_PATH = "/api/v1/diagnostics/reports"
#: Stay well under the server's body limit (api.max_body_bytes, 4 MiB by default).
DEFAULT_BATCH_BYTES = 1024 * 1024
_RETRY_STATUSES = frozenset({408, 429})
_MAX_RETRY_AFTER = 3600.0


@dataclass
class Delivery:
    """What one flush of the spool achieved."""

    sent: int = 0  # reports the server took (stored, or already there)
    duplicates: int = 0  # of those, reports the server already had
    refused: int = 0  # permanently refused by the server, dropped
    pending: int = 0  # still in the spool afterwards
    problem: str | None = None  # why sending stopped early (server away or busy)
    outcomes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # by report_id


class ReportSender:
    """An HTTP client for the report endpoint, draining one spool."""

    def __init__(
        self,
        *,
        server: str,
        token: str,
        spool: Spool,
        timeout: float = 10.0,
        batch_reports: int = 100,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server.rstrip("/")
        self.url = self.server + REPORTS_PATH
        self.spool = spool
        self.batch_reports = max(1, batch_reports)
        self.batch_bytes = max(1, batch_bytes)
        self._clock = clock
        self._hold_until = 0.0
        self._timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"itsm-agent/{__version__}",
        }
        # The usual handlers (proxies from the environment, TLS), minus redirects.
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __enter__(self) -> ReportSender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between requests; kept for ``with`` and callers."""

    def submit(
        self, report_id: str, payload: bytes, *, should_stop: Callable[[], bool] | None = None
    ) -> Delivery:
        """Spool one report (an element of the batch format), then send the spool in order.

        Reports left from earlier are sent first, so that a full spool makes room
        by sending, not by dropping, once the server is back.
        """
        earlier = Delivery()
        if self.spool.entries():
            try:
                earlier = self.flush(should_stop=should_stop)
            except AgentMustStop:  # keep this report too, for when the agent is fixed
                self.spool.put(report_id, payload)
                raise
            if earlier.problem is not None:  # still away: one attempt per report is enough
                self.spool.put(report_id, payload)
                earlier.pending = len(self.spool.entries())
                return earlier
        self.spool.put(report_id, payload)
        delivery = self.flush(should_stop=should_stop)
        delivery.sent += earlier.sent
        delivery.duplicates += earlier.duplicates
        delivery.refused += earlier.refused
        delivery.outcomes = {**earlier.outcomes, **delivery.outcomes}
        return delivery

    def flush(self, *, should_stop: Callable[[], bool] | None = None) -> Delivery:
        """Send the spooled reports oldest first until done, refused or the server is away."""
        delivery = Delivery()
        if self._clock() < self._hold_until:
            delivery.problem = "waiting for the server's Retry-After"
        else:
            while True:  # a stop request ends the flush between batches, never before the first
                batch = self._next_batch(self.spool.entries())
                if not batch or not self._send(batch, delivery):
                    break
                if should_stop is not None and should_stop():
                    break
        delivery.pending = len(self.spool.entries())
        return delivery

    def _next_batch(self, entries: list[Entry]) -> list[Entry]:
        batch: list[Entry] = []
        size = 2
        for entry in entries[: self.batch_reports]:
            if batch and size + entry.size + 1 > self.batch_bytes:
                break
            batch.append(entry)
            size += entry.size + 1
        return batch

    def _send(self, batch: list[Entry], delivery: Delivery) -> bool:
        """POST ``batch``; ``True`` when its entries are settled (taken or dropped)."""
        try:
            body = b"[" + b",".join(e.read() for e in batch) + b"]"
        except FileNotFoundError:
            return True  # another agent sent it meanwhile: list the spool again
        try:
            response = self._post(body)
        except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
            delivery.problem = f"server {self.server} is not reachable: {_reason(exc)}"
            log.warning("%s; %s kept in the spool", delivery.problem, count(len(batch), "report"))
            return False
        status = response.status_code
        if 200 <= status < 300:
            self._taken(batch, response, delivery)
            return True
        detail = _detail(response)
        if status == 401:
            raise AgentTokenRefused(f"server {self.server} refused the agent token: {detail}")
        if status == 403:
            raise AgentForbidden(
                f"server {self.server} does not let this token send reports: {detail}"
            )
        if status in (404, 405):
            raise NoReportEndpoint(
                f"{self.url} is not an itsm report endpoint ({status}); check the server URL"
            )
        if status >= 500 or status in _RETRY_STATUSES:
            delivery.problem = f"server {self.server} answered {status}: {detail}"
            self._hold(response)
            log.warning("%s; %s kept in the spool", delivery.problem, count(len(batch), "report"))
            return False
        if len(batch) > 1:  # find the bad reports: one at a time, in order
            log.warning("server refused a batch of %d (%s): sending one by one", len(batch), detail)
            return all(self._send([entry], delivery) for entry in batch)
        log.error(
            "server refused report %s for good (%d: %s); dropped it",
            batch[0].report_id,
            status,
            detail,
        )
        self.spool.remove(batch)
        delivery.refused += 1
        return True

    def _post(self, body: bytes) -> Answer:
        # The server URL is http(s) only: diagnostics.config's server_base_url checks it.
        request = urllib.request.Request(  # noqa: S310
            self.url, data=body, headers=self._headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:  # any status but 2xx: an answer all the same
            with exc:
                return Answer(exc.code, exc.headers, exc.read())

    def _taken(self, batch: list[Entry], response: Answer, delivery: Delivery) -> None:
        self.spool.remove(batch)
        delivery.sent += len(batch)
        try:
            results = response.json().get("results", [])
        except (ValueError, AttributeError):
            results = []
        for item in results if isinstance(results, list) else []:
            if not isinstance(item, dict):
                continue
            if item.get("status") == "duplicate":
                delivery.duplicates += 1
            tickets = item.get("tickets")
            if isinstance(tickets, dict):
                delivery.outcomes[str(item.get("report_id"))] = {
                    str(k): [str(n) for n in v] for k, v in tickets.items() if isinstance(v, list)
                }

    def _hold(self, response: Answer) -> None:
        value = response.headers.get("retry-after", "")
        try:
            wait = min(float(value), _MAX_RETRY_AFTER)
        except ValueError:
            return
        if wait > 0:
            self._hold_until = self._clock() + wait


@dataclass(frozen=True)
class Answer:
    """The server's answer to one POST."""

    status_code: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as an answer: the token is never resent to another URL."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _detail(response: Answer) -> str:
    """The problem document's ``detail``, or the start of whatever the body was."""
    try:
        data: Any = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        return " ".join(str(data["detail"]).split())[:300]
    text = " ".join(response.text.split())[:200]
    return f"HTTP {response.status_code}" + (f" {text}" if text else "")


def _reason(exc: Exception) -> str:
    """``ConnectionRefusedError: [Errno 111] Connection refused``, ``TimeoutError: timed out``."""
    cause: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    name = type(cause).__name__ if isinstance(cause, BaseException) else type(exc).__name__
    text = " ".join(str(cause).split())
    return f"{name}: {text}" if text else name


def envelope(report: Report, problems: list[Finding], recoveries: list[Finding]) -> bytes:
    """One element of a batch: the report and the watch loop's debounced ticket decisions."""
    decisions = {
        "problems": [
            {"check": f.check.value, "subject": f.subject, "severity": f.severity.value}
            for f in problems
        ],
        "recoveries": [{"check": f.check.value, "subject": f.subject} for f in recoveries],
    }
    tickets = json.dumps(decisions, separators=(",", ":"), ensure_ascii=False)
    return f'{{"report":{report.model_dump_json()},"tickets":{tickets}}}'.encode()
