"""Every runtime dependency declared in pyproject.toml is imported by the shipped code, or named
here with the reason it is needed without an import of ours."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "src"

USED_WITHOUT_IMPORT = {
    "aiosqlite": "SQLAlchemy's SQLite driver, chosen by the URL (sqlite+aiosqlite)",
    "asyncpg": "SQLAlchemy's PostgreSQL driver for the server, chosen by the URL",
    "psycopg": "SQLAlchemy's PostgreSQL driver for migrations and admin commands",
    "sniffio": "httpcore looks for it on every request",
    "python-multipart": "Starlette parses form posts with it (the web pages' forms)",
}
"""Distributions the code needs without importing them by name."""


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = []
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name is not None, requirement
        names.append(re.sub(r"[-_.]+", "-", name[0]).lower())
    return names


def _imported_top_level_names() -> set[str]:
    names: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def _distributions_imported() -> set[str]:
    owners = packages_distributions()
    imported = _imported_top_level_names()
    found: set[str] = set()
    for module in imported:
        parts = module.split(".")
        candidates = owners.get(parts[0]) or []
        if len(candidates) > 1 and len(parts) > 1:
            # A namespace package (microsoft_teams) shared by several distributions: the one
            # whose files hold the imported subpackage.
            candidates = [d for d in candidates if _owns(d, parts[:2])]
        found.update(re.sub(r"[-_.]+", "-", d).lower() for d in candidates)
    return found


def _owns(distribution: str, parts: list[str]) -> bool:
    from importlib.metadata import distribution as dist

    prefix = "/".join(parts) + "/"
    return any(str(f).startswith(prefix) for f in dist(distribution).files or [])


def test_every_runtime_dependency_is_used() -> None:
    imported = _distributions_imported()
    unused = [
        name for name in _declared() if name not in imported and name not in USED_WITHOUT_IMPORT
    ]
    assert unused == [], (
        f"declared in [project.dependencies] but imported nowhere under src/: {unused}; "
        "remove them, move them to the dev extra, or say in USED_WITHOUT_IMPORT why they stay"
    )


def test_the_scan_sees_a_dependency_we_import() -> None:
    imported = _distributions_imported()
    assert {"httpx", "sqlalchemy", "pyjwt", "microsoft-teams-cards", "pillow"} <= imported
