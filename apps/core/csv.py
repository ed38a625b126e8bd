"""CSV files that are safe to open in a spreadsheet.

A cell whose text starts with =, +, -, @, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (CSV injection, e.g. an e-mail
address "=HYPERLINK(...)"). Such a text cell is written with a leading
apostrophe, which spreadsheets show as plain text. Numbers (int, Decimal) are
written as they are, so a negative quantity stays a number.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a text that a spreadsheet would run as a formula neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every text cell passed through safe_cell."""

    def __init__(self, out: TextIO, **kwargs: Any) -> None:
        self._writer = _csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """csv.DictWriter with every text cell passed through safe_cell (the header too)."""

    def __init__(self, out: TextIO, fieldnames: list[str], **kwargs: Any) -> None:
        self._writer = _csv.DictWriter(out, fieldnames=fieldnames, **kwargs)
        self.fieldnames = fieldnames

    def writeheader(self) -> Any:
        return self._writer.writerow({name: safe_cell(name) for name in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({key: safe_cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)


def dict_writer(out: TextIO, fieldnames: list[str], **kwargs: Any) -> SafeDictWriter:
    return SafeDictWriter(out, fieldnames, **kwargs)
