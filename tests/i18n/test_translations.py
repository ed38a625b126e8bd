"""The site in Traditional Chinese: every marked string is translated, the pages say
nothing in English of their own, and the language never leaks between readers through a
cache."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, translation

from apps.core import public_cache
from apps.core.locale import html_lang
from apps.explorer.compare import load as load_comparison
from tests.factories import make_officer
from tests.i18n.checks import (
    PLACEHOLDER_OR_TAG,
    committed_po,
    english_left,
    read_po,
    templates_of,
    unmarked_words,
)

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hant"}
ROOT = Path(settings.BASE_DIR)
# The pages investors and the public read; the back office and the API docs stay English.
ENGLISH_ONLY_TEMPLATES = {"explorer/swagger_ui.html", "custody/upload.html"}


def _public_templates() -> list[Path]:
    root = ROOT / "templates"
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.suffix in {".html", ".txt"}
        and p.parts[len(root.parts)] != "compliance"
        and str(p.relative_to(root)) not in ENGLISH_ONLY_TEMPLATES
    ]


@pytest.mark.parametrize("path", _public_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_marks_its_words_for_translation(path):
    """Text between tags, and titles, alt texts, labels and placeholders, are all inside
    {% translate %} or {% blocktranslate %}: none is left in English as written."""
    assert unmarked_words(path) == []


def test_the_checker_finds_unmarked_words(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Tokens" %}</h1><p title="Backing ratio">'
        "{{ value }} shares held</p><code>manage.py</code>"
        '<a translate="no">xStocks<span>site</span></a>'
        "{% blocktranslate %}Page {{ n }}{% endblocktranslate %}"
    )
    assert unmarked_words(page) == ["Backing", "ratio", "shares", "held"]


@pytest.fixture
def project_copy(tmp_path, settings, monkeypatch):
    """The project's sources and translations in a temporary directory, with makemessages
    writing there: the committed .po file is never touched."""
    copy = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    for name in ("apps", "templates", "xstocks_site", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    return copy


def test_every_marked_string_has_a_traditional_chinese_translation(project_copy):
    """makemessages over the sources as they are now, merged into the committed .po: any
    string marked since without a translation comes out empty (or fuzzy, guessed by
    msgmerge from a neighbour) and fails here, named."""
    call_command("makemessages", locale=["zh_Hant"], no_obsolete=True, verbosity=0)
    po = project_copy / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
    entries = read_po(po)
    assert len(entries) > 500
    untranslated = [e.msgid for e in entries if not all(s.strip() for s in e.msgstr)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == [], f"no Traditional Chinese for {untranslated}"
    assert fuzzy == [], f"fuzzy (guessed) translations for {fuzzy}"
    # msgfmt checks that every translation keeps the placeholders of its msgid.
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)


def test_the_translations_keep_placeholders_and_markup():
    for entry in read_po(committed_po()):
        wanted = sorted(PLACEHOLDER_OR_TAG.findall(entry.msgid))
        for text in entry.msgstr:
            assert sorted(PLACEHOLDER_OR_TAG.findall(text)) == wanted, entry.msgid


def test_html_lang_is_a_bcp_47_tag():
    assert html_lang("zh-hant") == "zh-Hant"
    assert html_lang("en") == "en"
    assert html_lang("pt-br") == "pt-BR"


PAGES = ["/tokens/", "/tokens/AAPLx/", "/transparency/AAPLx/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_in_traditional_chinese(client, aapl_backed, url):
    response = client.get(url, **ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html
    assert response["Content-Language"] == "zh-hant"
    assert "代幣" in html
    assert "templates/base.html" in templates_of(response)
    # Every word the page's templates show is marked, and every marked phrase of theirs
    # was translated: no English of the templates' own is left on the page.
    assert english_left(response) == []


def test_the_english_check_sees_an_untranslated_page(client, db):
    """The same check on the English page finds the templates' phrases: it can fail."""
    response = client.get("/tokens/")
    assert "No token matches these filters." in english_left(response)


@pytest.mark.django_db
def test_token_page_reads_in_chinese_around_the_data(client, aapl_backed):
    html = client.get("/tokens/AAPLx/", **ZH).content.decode()
    # UI words translate; data (names, symbols, figures) stays as published.
    assert "價格與資產擔保" in html and "公允價值" in html and "溢價" in html
    assert "Apple Inc." in html and "AAPLx" in html and "100.04 %" in html
    page = client.get("/transparency/AAPLx/", **ZH).content.decode()
    assert "儲備證明" in page and "託管機構" in page and "流通供應量" in page
    assert "足額擔保" in page  # the status label, translated from the model's choices


@pytest.mark.django_db
def test_a_language_cookie_chooses_too_and_english_stays_the_default(client, aapl_backed):
    assert '<html lang="en">' in client.get("/tokens/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    html = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-Hant">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/tokens/", "/tokens/AAPLx/", "/transparency/AAPLx/", "/"])
def test_a_cached_page_is_never_served_in_the_other_language(client, aapl_backed, url):
    """Public pages are cached whole for anonymous readers: per language, and a proxy is
    told to keep them per Accept-Language and Cookie."""
    for _ in range(2):  # built, then from the cache
        english = client.get(url)
        chinese = client.get(url, **ZH)
        assert '<html lang="en">' in english.content.decode()
        assert '<html lang="zh-Hant">' in chinese.content.decode()
        for response in (english, chinese):
            assert "public" in response["Cache-Control"]
            vary = {v.strip().lower() for v in response["Vary"].split(",")}
            assert {"accept-language", "cookie"} <= vary
    assert english["ETag"] != chinese["ETag"]


@pytest.mark.django_db
def test_the_catalogue_fragment_is_cached_per_language(client, aapl_backed):
    """The catalogue's results fragment has its own cache entry: one per language."""
    client.get("/tokens/?q=AAPL", HTTP_HX_REQUEST="true")
    fragment = client.get("/tokens/?q=AAPL", HTTP_HX_REQUEST="true", **ZH).content.decode()
    assert "種代幣" in fragment and "1 token" not in fragment


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_translation_adds_no_query(client, aapl_backed, url):
    """The same page costs the same queries in both languages (built, not from the cache)."""
    counts = []
    for headers in ({}, ZH):
        cache.clear()
        public_cache.local_entries.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_api_answers_in_english_whatever_the_reader_asks(client, aapl_backed):
    response = client.get("/api/v1/tokens/NOPE/", **ZH)
    assert response.status_code == 404
    assert response.json() == {"detail": "No Token matches the given query."}
    assert response["Content-Language"] == "en"
    data = client.get("/api/v1/tokens/AAPLx/reserves/", **ZH).json()
    assert data["status"] == "backed" and data["shares_held"] == "1000"
    badge = client.get("/transparency/AAPLx/badge.svg", **ZH).content.decode()
    assert "AAPLx backing" in badge  # an image embedded elsewhere: English


@pytest.mark.django_db
def test_the_switcher_sets_the_cookie_and_returns_to_the_page(client):
    response = client.get("/language/", {"language": "zh-hant", "next": "/tokens/?q=AAPL"})
    assert response.status_code == 302
    assert response["Location"] == "/tokens/?q=AAPL"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hant" and cookie["samesite"] == "Lax"
    assert (
        response["Cache-Control"].startswith("max-age=0")
        or "no-store" in response["Cache-Control"]
        or "no-cache" in response["Cache-Control"]
    )
    html = client.get("/tokens/?q=AAPL").content.decode()
    assert '<html lang="zh-Hant">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/" + "x" * 3000]
)
def test_the_switcher_goes_nowhere_but_this_site(client, target):
    response = client.get("/language/", {"language": "zh-hant", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_switcher_ignores_a_language_the_site_does_not_have(client):
    response = client.get("/language/", {"language": "fr", "next": "/tokens/"})
    assert response["Location"] == "/tokens/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.post("/language/", {"language": "zh-hant"}).status_code == 405


@pytest.mark.django_db
def test_the_switcher_keeps_the_page_and_its_query(client, aapl_backed):
    html = client.get("/tokens/?q=AAPL&sort=name").content.decode()
    assert 'href="/language/?language=zh-hant&amp;next=/tokens/%3Fq%3DAAPL%26sort%3Dname"' in html
    # The anonymous page holds no CSRF token, so it stays cacheable with the switcher.
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.django_db
def test_dates_read_as_in_taiwan_and_hong_kong(client, aapl_backed):
    aapl_backed.launch_date = dt.date(2025, 6, 30)
    aapl_backed.save(update_fields=["launch_date"])
    assert "2025年6月30日" in client.get("/tokens/AAPLx/", **ZH).content.decode()
    assert "30 Jun 2025" in client.get("/tokens/AAPLx/").content.decode()
    with translation.override("zh-hant"):
        assert formats.date_format(
            dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC), "DATETIME_FORMAT"
        ) == ("2026年1月5日 14:30")
        # Figures keep the comma every three digits (Django's zh_Hant groups by four).
        assert formats.number_format(1234567.5, 1, force_grouping=True) == "1,234,567.5"


@pytest.mark.django_db
def test_the_back_office_says_in_chinese_that_it_is_english_only(client):
    client.force_login(make_officer())
    html = client.get("/compliance/", **ZH).content.decode()
    assert '<html lang="en">' in html
    assert 'lang="zh-Hant">後台僅提供英文版本' in html
    assert "Review queue" in html
    english = client.get("/compliance/").content.decode()
    assert "後台" not in english


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/transparency/", 200),
        ("/status/", 200),
        ("/compare/", 200),
        ("/alerts/", 200),
        ("/alerts/sent/", 200),
        ("/alerts/confirm/not-a-link/", 400),
        ("/tokens/NOPE/", 404),
        ("/tokens/?page=abc", 400),
    ],
)
def test_every_public_page_is_in_chinese(client, aapl_backed, url, status):
    response = client.get(url, **ZH)
    assert response.status_code == status
    assert '<html lang="zh-Hant">' in response.content.decode()
    assert english_left(response, published=_comparison_texts()) == []


def _comparison_texts() -> list[str]:
    """Every text of data/backing-models.json: shown as published, in English."""
    document = load_comparison().document
    texts = [c.label for c in document.columns] + [c.help for c in document.columns]
    for row in document.rows:
        texts += [row.name, row.kind, row.kind_detail]
        for cell in row.cells.values():
            sources = ([cell.source] if cell.source else []) + list(cell.also)
            texts += [cell.value, cell.note or ""] + [s.title for s in sources]
    return [t for t in texts if t]


@pytest.mark.django_db
def test_feeds_speak_the_readers_language(client, aapl_backed):
    site = client.get("/transparency/feed/", **ZH).content.decode()
    assert "所有代幣的儲備事件" in site
    token = client.get("/transparency/AAPLx/feed/").content.decode()
    assert "AAPLx: reserve events" in token
    assert "AAPLx：儲備事件" in client.get("/transparency/AAPLx/feed/", **ZH).content.decode()
