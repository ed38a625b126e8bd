from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.utils import translation

from apps.core import cache_versions, public_cache
from xstocks_site.celery import app as celery_app

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium; Playwright cannot download its own here
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1"}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    cache_versions.forget_local()
    public_cache.local_entries.clear()
    yield
    cache.clear()
    cache_versions.forget_local()
    public_cache.local_entries.clear()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request's language stays active in its thread (LocaleMiddleware never resets it):
    every test starts and ends in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests unless a test starts a real worker itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def get_with_queries(client, django_assert_num_queries) -> Callable[..., HttpResponse]:
    """GET a URL and assert its exact number of SQL queries (and its status):

    get_with_queries("/tokens/", 3)
    get_with_queries("/tokens/?kind=bond", 2, status=400)
    """

    def get(url: str, queries: int, *, status: int = 200, **headers: str) -> HttpResponse:
        with django_assert_num_queries(queries):
            response = client.get(url, **headers)
        assert response.status_code == status, response.content[:500]
        return response

    return get


@dataclass
class Browser:
    """A Chromium page on the live server that records what it asks for and every
    Content-Security-Policy violation it reports."""

    page: object  # playwright.sync_api.Page
    base_url: str
    chromium: object = None  # playwright.sync_api.Browser, for more pages
    requests: list[str] = field(default_factory=list)
    csp_errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> object:
        return self.page.goto(f"{self.base_url}{path}")  # type: ignore[attr-defined]

    def new_page(self, **context: object) -> object:
        """A page in a context of its own (its own cookies: another user; `context`: e.g.
        locale="zh-TW" for its Accept-Language), recorded and checked like the first."""
        page = self.chromium.new_context(**context).new_page()  # type: ignore[attr-defined]
        self._watch(page)
        return page

    def _watch(self, page: object) -> None:
        page.set_default_timeout(15_000)  # type: ignore[attr-defined]
        page.on("request", lambda request: self.requests.append(request.url))  # type: ignore[attr-defined]
        page.on(  # type: ignore[attr-defined]
            "console",
            lambda message: (
                self.csp_errors.append(message.text) if _is_csp_error(message) else None
            ),
        )

    def check(self) -> None:
        """Fail on any request that left 127.0.0.1 and on any CSP violation."""
        outside = {
            url
            for url in self.requests
            if urlsplit(url).hostname not in LOCAL_HOSTS and not url.startswith(("data:", "blob:"))
        }
        assert not outside, f"requests left 127.0.0.1: {sorted(outside)[:5]}"
        assert not self.csp_errors, f"Content-Security-Policy violations: {self.csp_errors[:3]}"


def _is_csp_error(message: object) -> bool:
    text = message.text  # type: ignore[attr-defined]
    return message.type == "error" and "Content Security Policy" in text  # type: ignore[attr-defined]


@pytest.fixture
def browser(live_server, monkeypatch) -> Iterator[Browser]:
    """Debian's Chromium through Playwright against the live server; after the test it
    fails if any request left 127.0.0.1 or the console reported a CSP violation."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    # between browser steps are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Inside Playwright's context the ORM sees other connection objects than outside it
    # (asgiref locals follow contextvars): close them on both sides so no session is left
    # to keep the test database from being dropped.
    connections.close_all()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_page()
        session = Browser(
            page=page,
            base_url=live_server.url.replace("localhost", "127.0.0.1"),
            chromium=chromium,
        )
        session._watch(page)
        yield session
        chromium.close()
        connections.close_all()
    connections.close_all()
    session.check()
