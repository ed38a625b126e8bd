"""`manage.py check` (and every start-up) validates the data file behind /compare/."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from .compare import ComparisonError, load


@register()
def compare_data(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        load()
    except ComparisonError as exc:
        return [
            Error(
                f"COMPARE_DATA_PATH: {problem}",
                hint="/compare/ answers 503 until the file is fixed.",
                id="explorer.E001",
            )
            for problem in exc.problems
        ]
    return []
