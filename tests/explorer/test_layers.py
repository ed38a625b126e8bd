"""apps.explorer sits at the top: it composes the other apps, and none of them imports it
(settings name its throttle and paging classes by string, which is no import)."""

from __future__ import annotations

from tests.core.test_layers import APPS, _imports, _modules


def test_no_app_imports_the_explorer():
    wrong = [
        f"apps/{path.relative_to(APPS)} imports apps.explorer"
        for app in sorted(p.name for p in APPS.iterdir() if p.is_dir() and p.name != "explorer")
        if (APPS / app / "__init__.py").exists()
        for path in _modules(app)
        if "explorer" in _imports(path)
    ]
    assert not wrong, "\n".join(wrong)


def test_catalog_keeps_models_and_registry_only():
    names = {p.name for p in (APPS / "catalog").glob("*.py")}
    assert not names & {"views.py", "api.py", "serializers.py", "filters.py", "urls.py"}
    for path in _modules("catalog"):
        assert _imports(path) <= {"catalog", "core"}, path
