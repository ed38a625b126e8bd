"""The data apps import one way: core at the bottom imports no app, catalog imports only
core, chains and custody import catalog and core, and so on up. Every import counts,
function-level ones included; migrations and tests aside."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = Path(settings.BASE_DIR) / "apps"

# What each app of this area may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "catalog": {"core"},
    "chains": {"core", "catalog"},
    "custody": {"core", "catalog"},
    "markets": {"core", "catalog", "chains"},
    "reserves": {"core", "catalog", "chains", "custody", "markets"},
    "devchain": {"core", "catalog", "chains", "custody", "markets", "reserves"},
}

# Nothing pending: the pages that compose several apps (the home page, the catalogue and
# token pages, /api/v1/tokens/) live in apps.explorer, above every app checked here.
PENDING: set[tuple[str, str, str]] = set()


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "apps" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules(app: str):
    for path in sorted((APPS / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_apps_below_it(app):
    wrong = []
    for path in _modules(app):
        relative = str(path.relative_to(APPS / app))
        for other in _imports(path) - {app} - ALLOWED[app]:
            if (app, relative, other) not in PENDING:
                wrong.append(f"apps/{app}/{relative} imports apps.{other}")
    assert not wrong, "\n".join(wrong)


def test_the_layers_have_no_cycle():
    # Follows from ALLOWED being a strict order; checked so that an edit to it cannot
    # quietly allow a cycle.
    order = list(ALLOWED)
    for i, app in enumerate(order):
        assert ALLOWED[app] <= set(order[:i]), app
