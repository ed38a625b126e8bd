"""Kept for migration compliance.0004, which imports it: the triggers live in apps.audit."""

from __future__ import annotations

from apps.audit.triggers import install, remove

__all__ = ["install", "remove"]
