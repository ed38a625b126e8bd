"""The Content-Security-Policy on every answer, and templates that need no exception to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import make_catalog

pytestmark = pytest.mark.django_db

POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/tokens/",
        "/tokens/{symbol}/",
        "/tokens/?kind=bond",
        "/tokens/NOPEx/",
        "/transparency/",
        "/transparency/{symbol}/",
        "/compare/",
        "/alerts/",
        "/status/",
        "/api/docs/",
        "/api/v1/prices/",
        "/accounts/login/",
        "/healthz",
    ],
)
def test_every_answer_carries_the_strict_policy(client, url):
    token = make_catalog(1)[0]
    response = client.get(url.format(symbol=token.symbol))
    policy = response["Content-Security-Policy"]
    for directive in POLICY:
        assert directive in policy
    style = re.search(r"style-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in style and "'unsafe-eval'" not in policy


def _templates() -> list[Path]:
    roots = [
        Path(settings.BASE_DIR) / "templates",
        *Path(settings.BASE_DIR).glob("apps/*/templates"),
    ]
    return [path for root in roots for path in root.rglob("*.html")]


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p).split("templates/", 1)[-1])
def test_no_template_carries_inline_script_style_or_handler(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text, "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "event handler attribute"
    assert "hx-on" not in text and not re.search(r'hx-trigger="[^"]*\[', text), "eval by htmx"
