"""Who is acting, for audit events written far from the code that knows it.

A signal receiver (e.g. a group membership change) does not get the request.
RequestContextMiddleware keeps the current request in a context variable for
the length of a request; management commands name themselves with `acting_as`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_via: ContextVar[str] = ContextVar("audit_via", default="")


def current_request() -> HttpRequest | None:
    """The request being answered in this thread or task, if any."""
    return _request.get()


def current_via() -> str:
    """The label a management command gave itself with acting_as(), or ""."""
    return _via.get()


@contextmanager
def acting_as(via: str) -> Iterator[None]:
    """Label audit events written inside the block, e.g. "manage.py create_officer"."""
    token = _via.set(via)
    try:
        yield
    finally:
        _via.reset(token)


class RequestContextMiddleware:
    """Makes the current request available to audit receivers (see module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
