"""An HTTP load generator in its own process: asyncio + httpx, keep-alive, fixed concurrency.

``python -m benchmarks._loadgen BASE_URL CONNECTIONS``, with an API token in the
environment variable ``LOADGEN_TOKEN`` (optional), opens one ``httpx.AsyncClient`` (at
most ``CONNECTIONS`` keep-alive connections, the token as a bearer header) and then
reads one block per line on stdin, a JSON object ``{"paths": [...], "seconds": S}``
(optionally ``"headers": {...}``, sent with every request of the block: a web
session's cookie): ``CONNECTIONS`` workers send ``GET`` requests back to back for
``S`` seconds, each taking the next path of the list in turn, and one JSON line is
written on stdout for the block:

``{"requests", "errors", "first_error", "wall_s", "latencies_ms", "cpu_s"}``

where ``wall_s`` runs from the first request sent to the last answer received
(no request is started after ``S`` seconds) and ``cpu_s`` is this process's CPU
time during the block. An empty line or end of input ends the process.
It imports nothing from itsm, so that its own cost is only what a client costs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from typing import Any

import httpx


async def _block(
    client: httpx.AsyncClient,
    paths: list[str],
    seconds: float,
    workers: int,
    headers: dict[str, str] | None = None,
) -> Any:
    turn = itertools.cycle(paths)
    latencies: list[float] = []
    errors = 0
    first_error = ""
    clock = time.perf_counter
    cpu0 = time.process_time()
    began = clock()
    deadline = began + seconds

    async def worker() -> None:
        nonlocal errors, first_error
        while clock() < deadline:
            path = next(turn)
            t0 = clock()
            try:
                response = await client.get(path, headers=headers)
                ok = response.status_code == 200
                problem = f"{path}: {response.status_code} {response.text[:300]}"
            except httpx.HTTPError as exc:
                ok, problem = False, f"{path}: {type(exc).__name__}: {exc}"
            latencies.append((clock() - t0) * 1000)
            if not ok:
                errors += 1
                first_error = first_error or problem

    await asyncio.gather(*(worker() for _ in range(workers)))
    return {
        "requests": len(latencies),
        "errors": errors,
        "first_error": first_error,
        "wall_s": clock() - began,
        "latencies_ms": [round(v, 4) for v in latencies],
        "cpu_s": time.process_time() - cpu0,
    }


async def _serve(base_url: str, token: str, workers: int) -> None:
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line.strip():
                return
            order = json.loads(line)
            paths, seconds = list(order["paths"]), float(order["seconds"])
            result = await _block(client, paths, seconds, workers, order.get("headers"))
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()


def main(argv: list[str]) -> int:
    base_url, workers = argv[0], int(argv[1])
    token = os.environ.get("LOADGEN_TOKEN", "")
    try:
        import uvloop
    except ImportError:
        asyncio.run(_serve(base_url, token, workers))
    else:
        uvloop.run(_serve(base_url, token, workers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
