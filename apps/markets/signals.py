"""Signals other apps listen to, so markets never imports them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit when Data Streams reports were stored.
# kwargs: token_ids (list[int]) with a new report.
oracle_reports_recorded = Signal()
