"""Backing models of tokenized US stocks compared: the data file behind /compare/.

`data/backing-models.json` (COMPARE_DATA_PATH) holds one row per product and one cell per
column; a filled cell carries its value, a source (a URL, or a path in this repository), the
date the source states or the day it was read, whether only one source supports it and the
sources that agree. A fact no public source gives is "unknown", with a note saying why.

The file is validated as a whole (pydantic, then checks across the document) when first
read and again whenever it changes on disk; every problem is reported with its JSON path,
and a bad file is never shown. `manage.py check` runs the same validation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from django.conf import settings
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from apps.catalog.registry_schema import validation_errors
from apps.core import safejson

MAX_FILE_BYTES = 2 * 1024 * 1024  # the file is ~100 KB
MAX_ERRORS = 20  # problems reported; more are counted
UNKNOWN = "unknown"
KINDS = ("share-backed", "broker derivative", "synthetic", "exchange IOU")
_PATH = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")


class ComparisonError(ValueError):
    """The data file cannot be shown: `problems` says what is wrong and where."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_ERRORS]
        if len(problems) > MAX_ERRORS:
            shown.append(f"and {len(problems) - MAX_ERRORS} more problems")
        self.problems = shown
        super().__init__("; ".join(shown))


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value[:60]!r} is not an http(s) URL")
    return value


def _repo_path(value: str | None) -> str | None:
    if value is None:
        return None
    if not _PATH.fullmatch(value) or ".." in value.split("/"):
        raise ValueError(f"{value[:60]!r} is not a relative path in this repository")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Model):
    url: Annotated[str | None, Field(max_length=500), AfterValidator(_http_url)] = None
    title: Annotated[Text, Field(max_length=300)]
    path: Annotated[str | None, Field(max_length=200), AfterValidator(_repo_path)] = None

    @model_validator(mode="after")
    def _located(self) -> Source:
        if not self.url and not self.path:
            raise ValueError("a source needs a url or a path")
        return self

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.url, self.title, self.path)


class Cell(Model):
    value: Annotated[Text, Field(max_length=200)]
    source: Source | None = None
    as_of: dt.date | None = None
    as_of_kind: Literal["stated", "published", "read"] | None = None
    single_source: bool | None = None
    also: list[Source] = Field(default_factory=list, max_length=20)
    note: Annotated[str, Field(max_length=1000)] | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Cell:
        if self.unknown:
            if self.source is not None or self.also or self.as_of is not None:
                raise ValueError('an "unknown" cell has no source, date or agreeing sources')
            if not self.note:
                raise ValueError('an "unknown" cell needs a note saying why')
            return self
        missing = [
            name
            for name in ("source", "as_of", "as_of_kind", "single_source")
            if getattr(self, name) is None
        ]
        if missing:
            raise ValueError(f"a filled cell needs {', '.join(missing)}")
        if self.single_source and self.also:
            raise ValueError("single_source is true but other sources agree (also)")
        if not self.single_source and not self.also:
            raise ValueError("single_source is false but no agreeing source is listed (also)")
        return self

    @property
    def unknown(self) -> bool:
        return self.value == UNKNOWN


class Column(Model):
    key: Key
    label: Annotated[Text, Field(max_length=80)]
    help: Annotated[Text, Field(max_length=300)]


class Row(Model):
    key: Key
    name: Annotated[Text, Field(max_length=120)]
    kind: Literal[KINDS]  # type: ignore[valid-type]
    kind_detail: Annotated[Text, Field(max_length=200)]
    cells: dict[str, Cell]


class Document(Model):
    as_of: dt.date
    about: Annotated[Text, Field(max_length=2000)]
    columns: list[Column] = Field(min_length=1, max_length=20)
    rows: list[Row] = Field(min_length=1, max_length=50)
    sources: list[Source] = Field(max_length=1000)


def cross_check(doc: Document) -> list[str]:
    """What the models cannot see alone: unique keys, one cell per column in every row,
    no date after the file's, every cited source in the list of sources."""
    problems: list[str] = []
    columns = [c.key for c in doc.columns]
    for i, key in enumerate(columns):
        if key in columns[:i]:
            problems.append(f"columns[{i}].key: duplicate column {key!r}")
    rows = [r.key for r in doc.rows]
    listed = {s.key for s in doc.sources}
    for i, row in enumerate(doc.rows):
        if row.key in rows[:i]:
            problems.append(f"rows[{i}].key: duplicate row {row.key!r}")
        for key in columns:
            if key not in row.cells:
                problems.append(f"rows[{i}].cells: no cell for column {key!r}")
        for key, cell in row.cells.items():
            path = f"rows[{i}].cells.{key}"
            if key not in columns:
                problems.append(f"{path}: no such column")
            if cell.as_of and cell.as_of > doc.as_of:
                problems.append(f"{path}.as_of: {cell.as_of} is after the file's as_of")
            cited = ([("source", cell.source)] if cell.source else []) + [
                (f"also[{j}]", s) for j, s in enumerate(cell.also)
            ]
            for where, source in cited:
                if source.key not in listed:
                    problems.append(f"{path}.{where}: {source.title[:60]!r} is not in sources")
    return problems


def parse(raw: bytes) -> Document:
    """The document, or ComparisonError listing every problem with its JSON path."""
    if len(raw) > MAX_FILE_BYTES:
        raise ComparisonError([f"$: larger than {MAX_FILE_BYTES} bytes"])
    try:
        data = safejson.loads(raw)
    except ValueError as exc:  # not UTF-8, not JSON, nested too deep
        raise ComparisonError([f"$: invalid JSON: {str(exc)[:200]}"]) from None
    try:
        doc = Document.model_validate(data)
    except ValidationError as exc:
        raise ComparisonError(validation_errors(exc)) from None
    problems = cross_check(doc)
    if problems:
        raise ComparisonError(problems)
    return doc


@dataclass(frozen=True)
class Comparison:
    document: Document
    digest: str  # SHA-256 of the file: cache keys of the rendered page use it

    @property
    def filled(self) -> int:
        return sum(not c.unknown for r in self.document.rows for c in r.cells.values())

    def table(self) -> list[tuple[Row, list[tuple[Column, Cell]]]]:
        """Rows with their cells in column order, for the template."""
        cols = self.document.columns
        return [(r, [(c, r.cells[c.key]) for c in cols]) for r in self.document.rows]


_lock = threading.Lock()
_loaded: dict[str, tuple[tuple[int, int], Comparison]] = {}


def load(path: Path | None = None) -> Comparison:
    """The validated comparison, read again only when the file changes (size or mtime).
    Raises ComparisonError (OSError included) when it cannot be shown."""
    source = Path(path or settings.COMPARE_DATA_PATH)
    try:
        stat = source.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _loaded.get(str(source))
        if cached and cached[0] == stamp:
            return cached[1]
        with _lock:
            raw = source.read_bytes()
    except OSError as exc:
        raise ComparisonError([f"{source.name}: cannot be read ({exc.strerror})"]) from None
    comparison = Comparison(parse(raw), hashlib.sha256(raw).hexdigest())
    _loaded[str(source)] = (stamp, comparison)
    return comparison
