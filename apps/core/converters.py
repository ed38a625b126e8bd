"""URL converters shared by every app's URLconf."""

from __future__ import annotations

# A token symbol as the catalogue spells them (AAPLx, BRK.Bx): anything else in a URL is
# answered 404 before a view or a query sees it (no NUL byte reaches PostgreSQL).
SYMBOL_REGEX = r"[A-Za-z0-9][A-Za-z0-9._-]{0,23}"
SYMBOL_PATTERN = f"^{SYMBOL_REGEX}$"


class SymbolConverter:
    regex = SYMBOL_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
