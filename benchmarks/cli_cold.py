"""``itsm ticket list`` and ``itsm ticket show`` as whole cold commands, against bare imports.

Each command runs as a fresh process (the installed console script), spawn to
exit, on the run's shared data set (:mod:`benchmarks._dataset`, 1,000,000
tickets with comments and events; built by ``ticket_queries`` when it ran first)
with ``ITSM_DATABASE_URL`` pointing at it and an empty config file. Output goes
to a pipe that is read and discarded, so Rich renders plain text as it would
for ``| less``. The ticket shown is a closed one with three comments and its
audit trail. "Cold" is the process: the interpreter, the imports and the
database connection start from nothing every time; the operating system's page
cache is warm (two warm-up runs of each command), as for a user running
commands one after the other.

The baseline, measured in the same run and interleaved with the commands, is
``python -c "import ..."`` of exactly the third-party modules the command
loads: read from a ``python -X importtime`` run of the command, each
third-party module that itsm code (or the command's run) imports directly, so
that the same libraries and everything they pull in load, and nothing of
itsm's own. Its distance from the command is what itsm itself costs: its own
modules, settings, opening the database and checking its schema, the queries
and the rendering. Target: command median <= ``CLI_COLD_MAX_RATIO`` x the median of
the same imports leaving the same way (``os._exit``, as ``itsm`` leaves); the
baseline leaving normally is printed for information.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _dataset
from benchmarks._core import (
    CLI_COLD_MAX_RATIO,
    Figure,
    Result,
    RunConfig,
    Target,
    median,
    percentile,
)
from benchmarks._dataset import Dataset
from benchmarks.cli_startup import ImportProfile, compile_itsm, itsm_command, parse_importtime

NAME = "cli_cold"
TITLE = "Cold CLI commands: itsm ticket list / show vs a bare Python importing the same libraries"
_ENTRY = "from itsm.cli.main import main; main()"


def command_env(ds: Dataset, home: Path) -> dict[str, str]:
    """The environment of every process: no ITSM_* of the user's, the data set's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSM_")}
    for key in ("PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC"):
        env.pop(key, None)
    config = home / "config.toml"
    config.write_text("", encoding="utf-8")
    env.update(
        ITSM_CONFIG=str(config),
        ITSM_DATABASE_URL=ds.url,
        ITSM_DATA_DIR=str(home / "data"),
        ITSM_USER="bench-admin",
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env


def run_once(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit; fails loudly if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {proc.returncode}: {err[-1] if err else ''}"
        )
    return elapsed


def _preloaded(env: dict[str, str]) -> set[str]:
    """What a bare interpreter loads or tries to (``site``, ``.pth`` hooks, ``sitecustomize``)."""
    code = "import sys, json; print(json.dumps(sorted(sys.modules)))"
    cmd = [sys.executable, "-X", "importtime", "-c", code]
    out = subprocess.run(cmd, capture_output=True, env=env, check=True)
    tried = {row.name for row in parse_importtime(out.stderr.decode(errors="replace")).rows}
    return tried | set(json.loads(out.stdout))


def command_profile(args: list[str], env: dict[str, str], runs: int = 2) -> ImportProfile:
    """``-X importtime`` of the command (the last of ``runs``, so .pyc files are warm)."""
    cmd = [sys.executable, "-X", "importtime", "-c", _ENTRY, *args]
    text = ""
    for _ in range(runs):
        proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {proc.returncode} under -X importtime")
        text = proc.stderr.decode(errors="replace")
    return parse_importtime(text)


def third_party_entries(profile: ImportProfile, preloaded: set[str]) -> list[str]:
    """Third-party modules imported by itsm code or at run time, in import order.

    ``-X importtime`` prints each module after its own imports, so the rows are
    walked backwards to see a parent before its children. A stdlib module
    inherits its importer's side; a third-party module whose nearest non-stdlib
    importer is itsm (or nothing: a call at run time) is an entry point.
    """
    found: list[str] = []
    stack: list[tuple[int, str | None]] = []  # (depth, side of that row): itsm/third/None
    for row in reversed(profile.rows):
        while stack and stack[-1][0] >= row.depth:
            stack.pop()
        above = stack[-1][1] if stack else None
        root = row.name.split(".")[0]
        if root == "itsm":
            side: str | None = "itsm"
        elif root in sys.stdlib_module_names:
            side = above
        else:
            side = "third"
            if above != "third" and row.name not in preloaded:
                found.append(row.name)
        stack.append((row.depth, side))
    return list(dict.fromkeys(reversed(found)))


def owners(profile: ImportProfile, limit: int = 8) -> str:
    total = profile.total_us or 1
    return ", ".join(
        f"{name} {us / 1000:.0f} ms ({us / total:.0%})" for name, us in profile.by_owner(limit)
    )


def run(cfg: RunConfig) -> Result:
    count = cfg.ticket_count(full=1_000_000, smoke=20_000)
    runs = cfg.size(full=10, smoke=3)
    warmup = cfg.size(full=2, smoke=1)
    result = Result(name=NAME, title=TITLE)
    result.notes.append(
        f"{count:,} tickets; median of {runs} runs of each command and baseline, interleaved, "
        f"after {warmup} warm-up run(s) each; spawn to exit, output piped and discarded"
    )
    skipped = _dataset.skipped_kinds()
    compile_itsm()
    for kind, label in _dataset.KINDS:
        if kind in skipped:
            result.skipped.append(f"{label}: {skipped[kind]}")
            continue
        ds = _dataset.provide(cfg, kind, count)
        with tempfile.TemporaryDirectory(prefix="itsm-bench-cli-") as tmp:
            env = command_env(ds, Path(tmp))
            _measure(cfg, result, ds, env, runs, warmup)
    return result


def _measure(
    cfg: RunConfig, result: Result, ds: Dataset, env: dict[str, str], runs: int, warmup: int
) -> None:
    itsm = itsm_command()
    commands = {
        "itsm ticket list": ["ticket", "list"],
        f"itsm ticket show {ds.totals.show_number}": ["ticket", "show", ds.totals.show_number],
    }
    preloaded = _preloaded(env)
    cfg.log(f"{NAME}/{ds.kind}: reading the imports of each command (-X importtime)")
    plan: dict[str, list[str]] = {}  # label -> argv, commands and baselines alike
    baseline_of: dict[str, str] = {}
    quick_of: dict[str, str] = {}  # the same imports, then os._exit as `itsm` leaves
    profiles: dict[str, ImportProfile] = {}
    for label, args in commands.items():
        profile = command_profile(args, env, runs=1 if cfg.smoke else 2)
        profiles[label] = profile
        modules = third_party_entries(profile, preloaded)
        base = f'python -c "import {", ".join(modules)}"'
        plan.setdefault(base, [sys.executable, "-c", f"import {', '.join(modules)}"])
        quick = f"{base}, then os._exit"
        plan.setdefault(quick, [*plan[base][:2], f"{plan[base][2]}\nimport os; os._exit(0)"])
        plan[label] = [*itsm, *args]
        baseline_of[label] = base
        quick_of[label] = quick
    cfg.log(f"{NAME}/{ds.kind}: {runs} runs of {len(plan)} commands, interleaved")
    for argv in plan.values():
        for _ in range(warmup):
            run_once(argv, env)
    samples: dict[str, list[float]] = {k: [] for k in plan}
    for _ in range(runs):
        for key, argv in plan.items():
            samples[key].append(run_once(argv, env) * 1000)
    med = {k: median(v) for k, v in samples.items()}
    for key, value in med.items():
        cfg.log(f"{NAME}/{ds.kind}:   median {value:,.0f} ms  {key[:100]}")
    lab = ds.label
    shown: set[str] = set()
    data: dict[str, Any] = {"dataset": ds.detail, "commands": {}}
    for label in commands:
        base = baseline_of[label]
        base_label = f"{lab} baseline {base}"
        if base not in shown:
            shown.add(base)
            result.figures.append(
                Figure(base_label, med[base], "ms", detail="baseline: the same third-party imports")
            )
        ratio = med[label] / med[base]
        result.figures.append(
            Figure(
                f"{lab} {label}",
                med[label],
                "ms",
                baseline=base_label,
                baseline_value=med[base],
                detail=(
                    f"+{med[label] - med[base]:.0f} ms over the imports; fastest "
                    f"{min(samples[label]):.0f} ms, p90 {percentile(samples[label], 90):.0f} ms"
                ),
            )
        )
        quick = quick_of[label]
        same_exit = med[label] / med[quick]
        result.targets.append(
            Target(
                f"{lab}: {label} median <= {CLI_COLD_MAX_RATIO}x the same imports, "
                "leaving the same way",
                same_exit <= CLI_COLD_MAX_RATIO,
                f"{same_exit:.2f}x ({med[label]:.0f} ms vs {med[quick]:.0f} ms)",
            )
        )
        result.figures.append(
            Figure(
                f"{lab} {label} vs imports + quick exit",
                med[label],
                "ms",
                baseline=f"{lab} the same imports, then os._exit",
                baseline_value=med[quick],
                detail=(
                    "itsm's own cost: `itsm` skips the interpreter's teardown, so does "
                    f"this baseline ({med[quick]:.0f} ms): the target's baseline"
                ),
            )
        )
        result.notes.append(
            f"{lab}, {label}: -X importtime by package (stdlib counted under its first "
            f"importer): {owners(profiles[label])}"
        )
        data["commands"][label] = {
            "argv": plan[label],
            "baseline": plan[base],
            "samples_ms": [round(v, 2) for v in samples[label]],
            "baseline_samples_ms": [round(v, 2) for v in samples[base]],
            "median_ms": round(med[label], 2),
            "baseline_median_ms": round(med[base], 2),
            "quick_exit_baseline_median_ms": round(med[quick], 2),
            "ratio": round(ratio, 4),
            "importtime_ms": profiles[label].as_json(),
        }
    result.data[ds.kind] = data
