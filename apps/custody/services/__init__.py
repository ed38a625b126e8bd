"""Writes of the custody app, one module per subject: `imports` (one statement file, all or
nothing) and `inbox` (the folder custodians drop files in)."""

from __future__ import annotations

from .imports import (
    ImportResult,
    StatementRejected,
    clean_source_name,
    import_statement,
    max_statement_bytes,
    read_statement_file,
)
from .inbox import InboxOutcome, process_inbox

__all__ = [
    "ImportResult",
    "InboxOutcome",
    "StatementRejected",
    "clean_source_name",
    "import_statement",
    "max_statement_bytes",
    "process_inbox",
    "read_statement_file",
]
