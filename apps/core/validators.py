"""Django field validators over apps.core.identifiers."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from . import identifiers


def _wrap(check: Callable[[object], str]) -> Callable[[object], None]:
    def validator(value: object) -> None:
        try:
            check(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    name = f"validate_{check.__name__.removeprefix('check_')}"
    validator.__name__ = validator.__qualname__ = name
    return validator


validate_isin = _wrap(identifiers.check_isin)
validate_lei = _wrap(identifiers.check_lei)
validate_country = _wrap(identifiers.check_country)
