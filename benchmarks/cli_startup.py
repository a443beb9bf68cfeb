"""Wall time of ``itsm --help`` in a fresh process, against a bare interpreter.

Baselines, measured in the same run and interleaved with it so that drift hits
all three alike:

* ``python -c pass``: the interpreter's own start-up (the floor of any CLI);
* ``python -c "import typer"``: the floor of a Typer CLI.

Target: ``itsm --help`` median <= 100 ms. When it is missed, one
``python -X importtime`` run names the heaviest imports, so the report says
where the time goes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks._core import Figure, Result, RunConfig, Target, median, percentile

NAME = "cli_startup"
TITLE = "CLI start-up: itsm --help"
TARGET_MS = 100.0

PASS_CMD = "python -c pass"
TYPER_CMD = 'python -c "import typer"'
ITSM_CMD = "itsm --help"

# What the ``itsm`` console script runs, for when the script is not installed.
_ENTRY = "from itsm.cli.main import main; main()"


def itsm_command() -> list[str]:
    """The installed console script next to this interpreter, else its equivalent."""
    script = Path(sys.executable).parent / "itsm"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", _ENTRY]


def compile_itsm() -> None:
    """Write itsm's ``.pyc`` files, as pip does for an installed package.

    An editable install has none, and with ``PYTHONDONTWRITEBYTECODE`` set
    (as on the CI machines) a command would compile every itsm module from
    source on every run, while the third-party libraries it is compared with
    load their compiled files.
    """
    import compileall

    import itsm

    compileall.compile_dir(Path(itsm.__file__).parent, quiet=1)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC"):
        env.pop(key, None)
    return env


def _run_once(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit; fails loudly if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {proc.returncode}: {err[-1] if err else ''}"
        )
    return elapsed


def run(cfg: RunConfig) -> Result:
    runs = cfg.size(full=20, smoke=5)
    py = sys.executable
    commands: dict[str, list[str]] = {
        PASS_CMD: [py, "-c", "pass"],
        TYPER_CMD: [py, "-c", "import typer"],
        ITSM_CMD: [*itsm_command(), "--help"],
    }
    env = _env()
    compile_itsm()
    cfg.log(f"{NAME}: warming up, then {runs} runs of each command")
    for cmd in commands.values():  # page cache and .pyc files
        for _ in range(2):
            _run_once(cmd, env)
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, cmd in commands.items():
            samples[label].append(_run_once(cmd, env) * 1000)

    med = {label: median(values) for label, values in samples.items()}
    result = Result(name=NAME, title=TITLE)
    result.figures = [
        Figure(PASS_CMD, med[PASS_CMD], "ms", detail="baseline: bare interpreter"),
        Figure(TYPER_CMD, med[TYPER_CMD], "ms", baseline=PASS_CMD, baseline_value=med[PASS_CMD]),
        Figure(ITSM_CMD, med[ITSM_CMD], "ms", baseline=PASS_CMD, baseline_value=med[PASS_CMD]),
        Figure(
            f"{ITSM_CMD} vs import typer",
            med[ITSM_CMD],
            "ms",
            baseline=TYPER_CMD,
            baseline_value=med[TYPER_CMD],
            detail=f"itsm adds {med[ITSM_CMD] - med[TYPER_CMD]:+.1f} ms over typer",
        ),
    ]
    passed = med[ITSM_CMD] <= TARGET_MS
    result.targets.append(
        Target(
            f"{ITSM_CMD} median <= {TARGET_MS:.0f} ms",
            passed,
            f"{med[ITSM_CMD]:.1f} ms",
        )
    )
    result.data = {
        "runs": runs,
        "command": commands[ITSM_CMD],
        "samples_ms": {k: [round(v, 3) for v in vs] for k, vs in samples.items()},
        "median_ms": {k: round(v, 3) for k, v in med.items()},
        "min_ms": {k: round(min(v), 3) for k, v in samples.items()},
        "p90_ms": {k: round(percentile(v, 90), 3) for k, v in samples.items()},
    }
    result.notes.append(f"median of {runs} runs each, interleaved, after 2 warm-up runs")
    if not passed:
        cfg.log(f"{NAME}: target missed, profiling imports with -X importtime")
        profile = import_profile(env)
        result.data["importtime"] = profile.as_json()
        result.notes.extend(profile.summary())
    return result


@dataclass(frozen=True)
class ImportRow:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


@dataclass(frozen=True)
class ImportProfile:
    rows: list[ImportRow]

    @property
    def total_us(self) -> int:
        return sum(row.cumulative_us for row in self.rows if row.depth == 0)

    def top_level(self, limit: int) -> list[ImportRow]:
        tops = [row for row in self.rows if row.depth == 0]
        return sorted(tops, key=lambda r: r.cumulative_us, reverse=True)[:limit]

    def by_owner(self, limit: int) -> list[tuple[str, int]]:
        """Self time per top-level package, stdlib modules counted under their first importer.

        ``-X importtime`` prints a module after its imports (children first), so the
        rows are walked backwards to see each parent before its children. A stdlib
        module imported first by typer costs typer; one imported at top level
        (``site``, ``encodings``) is the interpreter's own ``(stdlib)``.
        """
        totals: dict[str, int] = defaultdict(int)
        stack: list[tuple[int, str]] = []  # (depth, owner) of the open ancestors
        for row in reversed(self.rows):
            while stack and stack[-1][0] >= row.depth:
                stack.pop()
            root = row.name.split(".")[0]
            if root not in sys.stdlib_module_names:
                owner = root
            else:
                owner = stack[-1][1] if stack else "(stdlib)"
            totals[owner] += row.self_us
            stack.append((row.depth, owner))
        return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:limit]

    def heaviest_modules(self, limit: int) -> list[ImportRow]:
        return sorted(self.rows, key=lambda r: r.self_us, reverse=True)[:limit]

    def summary(self) -> list[str]:
        total = self.total_us or 1
        lines = [f"-X importtime: {total / 1000:.1f} ms of imports in all (inflated by profiling)"]
        lines.append(
            "imports by package, with the stdlib modules each pulls in first: "
            + ", ".join(
                f"{name} {us / 1000:.1f} ms ({us / total:.0%})" for name, us in self.by_owner(7)
            )
        )
        lines.append(
            "heaviest top-level imports (cumulative): "
            + ", ".join(f"{r.name} {r.cumulative_us / 1000:.1f} ms" for r in self.top_level(5))
        )
        lines.append(
            "heaviest single modules (self): "
            + ", ".join(f"{r.name} {r.self_us / 1000:.1f} ms" for r in self.heaviest_modules(8))
        )
        return lines

    def as_json(self) -> dict[str, object]:
        return {
            "total_ms": round(self.total_us / 1000, 2),
            "by_owner_ms": {k: round(v / 1000, 2) for k, v in self.by_owner(15)},
            "top_level_ms": {r.name: round(r.cumulative_us / 1000, 2) for r in self.top_level(10)},
            "heaviest_modules_self_ms": {
                r.name: round(r.self_us / 1000, 2) for r in self.heaviest_modules(20)
            },
        }


def parse_importtime(text: str) -> ImportProfile:
    """Rows of ``-X importtime`` output (``import time: self | cumulative | name``)."""
    rows: list[ImportRow] = []
    for line in text.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|", 2)
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        raw = parts[2]
        name = raw.strip()
        depth = max(0, (len(raw) - len(raw.lstrip()) - 1) // 2)
        rows.append(ImportRow(name, depth, int(parts[0]), int(parts[1])))
    return ImportProfile(rows)


def import_profile(env: dict[str, str]) -> ImportProfile:
    """Profile the imports of ``itsm --help`` (the second of two runs, so .pyc are warm)."""
    cmd = [sys.executable, "-X", "importtime", "-c", _ENTRY, "--help"]
    text = ""
    for _ in range(2):
        proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
        text = proc.stderr.decode(errors="replace")
    return parse_importtime(text)
