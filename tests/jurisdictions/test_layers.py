"""Arrows point down in this corner of the app graph (README, Architecture):
compliance -> onboarding -> jurisdictions | audit -> core, and never back up.
Module- and function-level imports count; migrations do not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = settings.BASE_DIR / "apps"
# app -> apps it may import (besides itself)
ALLOWED = {
    "audit": {"core"},
    "jurisdictions": {"core"},
    "onboarding": {"core", "audit", "jurisdictions"},
    "compliance": {"core", "audit", "jurisdictions", "onboarding"},
}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "apps" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_lower_layers(app):
    wrong = {}
    for path in (APPS / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        extra = _imported_apps(path) - ALLOWED[app] - {app}
        if extra:
            wrong[str(path.relative_to(APPS))] = sorted(extra)
    assert not wrong, f"imports pointing up or sideways: {wrong}"


def test_core_context_processors_import_no_app():
    assert not _imported_apps(APPS / "core" / "context_processors.py")
    assert not _imported_apps(APPS / "core" / "staff.py")
    assert not _imported_apps(APPS / "core" / "csv.py")
