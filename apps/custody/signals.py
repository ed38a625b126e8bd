"""Signals other apps listen to, so custody never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after an import committed new statements.
# kwargs: statement_ids (list[int]), issuer_ids (list[int]) whose holdings may have changed.
statements_imported = Signal()
