"""The doors do not import each other: the API and the web app share only what lives
outside both (``itsm.server``: the request plumbing, and the app that mounts them)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "itsm"
DOORS = ("api", "web")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "itsm":
            # ``from itsm import web`` names the door as an attribute of the package
            found.update(f"itsm.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def crossings(package: Path) -> list[str]:
    found = []
    for door in DOORS:
        for other in DOORS:
            if other == door:
                continue
            for path in sorted((package / door).rglob("*.py")):
                for module in sorted(imported(path)):
                    if module == f"itsm.{other}" or module.startswith(f"itsm.{other}."):
                        found.append(f"{path.relative_to(package)}: {module}")
    return found


def test_the_api_and_the_web_app_do_not_import_each_other() -> None:
    assert crossings(PACKAGE) == []


def test_a_crossing_is_found_wherever_it_is_written(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "api" / "routers").mkdir(parents=True)
    (tmp_path / "web" / "page.py").write_text(
        "def f():\n    from itsm.api.deps import CallerDep\n", encoding="utf-8"
    )
    (tmp_path / "api" / "routers" / "x.py").write_text(
        "from itsm import web\nimport itsm.webhooks\n", encoding="utf-8"
    )
    assert crossings(tmp_path) == [
        "api/routers/x.py: itsm.web",
        "web/page.py: itsm.api.deps",
    ]
