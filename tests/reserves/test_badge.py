"""The embeddable badge: valid SVG that says what the API says, drawn without fonts."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.conf import settings

from apps.core.formatting import percent_text
from apps.custody.services import import_statement
from apps.reserves.badge import STATUS_COLORS, render_svg, width_table
from apps.reserves.models import ReserveSnapshot
from apps.reserves.services import compute_snapshot
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# badge-maker 6.0.0's makeBadge({label: "AAPLx", message: "100% backed", color: "#4c1"}),
# flat style, as npm's badge-maker writes it: the port must match it byte for byte.
BADGE_MAKER_FLAT = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="130" height="20" role="img" '
    'aria-label="AAPLx: 100% backed"><title>AAPLx: 100% backed</title><filter id="blur">'
    '<feGaussianBlur stdDeviation="16"/></filter><linearGradient id="s" x2="0" y2="100%">'
    '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" '
    'stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="130" height="20" '
    'rx="3"/></clipPath><g clip-path="url(#r)"><rect width="45" height="20" fill="#555"/>'
    '<rect x="45" width="85" height="20" fill="#4c1"/><rect width="130" height="20" '
    'fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" '
    'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" '
    'font-size="110"><g transform="scale(.1)"><g aria-hidden="true" fill="#010101">'
    '<text x="235" y="150" fill-opacity=".8" filter="url(#blur)" textLength="350">AAPLx</text>'
    '<text x="235" y="150" fill-opacity=".3" textLength="350">AAPLx</text></g>'
    '<text x="235" y="140" textLength="350">AAPLx</text></g><g transform="scale(.1)">'
    '<g aria-hidden="true" fill="#010101"><text x="865" y="150" fill-opacity=".8" '
    'filter="url(#blur)" textLength="750">100% backed</text><text x="865" y="150" '
    'fill-opacity=".3" textLength="750">100% backed</text></g><text x="865" y="140" '
    'textLength="750">100% backed</text></g></g></svg>'
)


def _table():
    return width_table(str(settings.BADGE_WIDTH_TABLE_PATH))


def test_the_layout_is_badge_makers_to_the_byte():
    svg = render_svg(
        label="AAPLx",
        message="100% backed",
        color="#4c1",
        title="AAPLx: 100% backed",
        table=_table(),
    )
    assert svg == BADGE_MAKER_FLAT


def test_widths_come_from_the_verdana_table():
    table = _table()
    assert table.text_width("backing") == 43  # 42.53, truncated, rounded up to odd
    assert table.text_width("已完全擔保") == 55  # CJK: 11 each
    assert table.text_width("\x00") == 1  # control characters are 0 wide
    # Text that needs escaping stays well-formed XML.
    svg = render_svg(label="<a&\"b'>", message="x", color="#fff", title="<t>", table=table)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "<t>"
    assert root.findall(f".//{SVG}text")[2].text == "<a&\"b'>"
    assert root.findall(f".//{SVG}text")[-1].get("fill") == "#333"  # dark text on white


def _hold(quantity: str, statement_id: str) -> None:
    import_statement(
        data=semt002(account="INC-001", holdings={AAPL_ISIN: quantity}, statement_id=statement_id)
    )


def _badge(client, symbol: str = "AAPLx") -> tuple[ET.Element, str, str]:
    response = client.get(f"/transparency/{symbol}/badge.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title").text
    assert root.get("aria-label") == title
    # The visible texts: those not hidden from assistive technology (the shadows are).
    hidden = {id(t) for g in root.iter(f"{SVG}g") if g.get("aria-hidden") for t in g}
    label, message = [t.text for t in root.iter(f"{SVG}text") if id(t) not in hidden]
    # The width is the sum of its two halves.
    rects = root.find(f"{SVG}g").findall(f"{SVG}rect")
    assert int(root.get("width")) == int(rects[0].get("width")) + int(rects[1].get("width"))
    return root, label, message


@pytest.mark.parametrize(
    ("held", "status"), [("1000", "backed"), ("990", "under_backed")], ids=["backed", "short"]
)
def test_the_badge_says_what_the_api_says(client, aapl_world, held, status):
    _hold(held, "STMT-1")
    compute_snapshot(token=aapl_world["token"])
    api = client.get("/api/v1/tokens/AAPLx/reserves/").json()
    assert api["status"] == status
    root, label, message = _badge(client)
    assert label == "AAPLx backing"
    ratio = percent_text(Decimal(api["ratio"]))  # "100.04 %" for 1.000400...
    status_word = ReserveSnapshot.Status(api["status"]).label.lower()
    assert message.startswith(f"{ratio} · {status_word} · ")
    assert f"ratio {ratio}, status {status_word}, data " in root.find(f"{SVG}title").text
    assert root.find(f"{SVG}g").findall(f"{SVG}rect")[1].get("fill") == STATUS_COLORS[status]


def test_the_badge_shows_the_age_of_the_data(client, aapl_world):
    _hold("1000", "STMT-1")
    now = dt.datetime.now(dt.UTC)
    compute_snapshot(token=aapl_world["token"], now=now)
    ReserveSnapshot.objects.update(as_of=now - dt.timedelta(hours=5, minutes=3))
    _, _, message = _badge(client)
    assert message.endswith(" · 5 h")


def test_a_token_without_data_says_so_like_the_api(client, aapl_world):
    assert client.get("/api/v1/tokens/AAPLx/reserves/").json()["status"] is None
    root, _, message = _badge(client)
    assert message == "no data yet"
    assert root.find(f"{SVG}title").text == "AAPLx backing: no data yet"


def test_an_unknown_token_has_no_badge(client, db):
    assert client.get("/transparency/NOPEx/badge.svg").status_code == 404


def test_the_badge_is_cached_and_revalidated(
    client, aapl_world, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _hold("1000", "STMT-1")
    compute_snapshot(token=aapl_world["token"])
    with django_assert_num_queries(2):  # token, latest snapshot
        first = client.get("/transparency/AAPLx/badge.svg")
    assert first["Cache-Control"] == (
        f"public, max-age={settings.BADGE_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.PUBLIC_CACHE_STALE_SECONDS}"
    )
    assert first["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert first["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    with django_assert_num_queries(0):
        again = client.get("/transparency/AAPLx/badge.svg", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    with django_assert_num_queries(0):  # served whole, with its own headers
        whole = client.get("/transparency/AAPLx/badge.svg")
    assert whole.content == first.content
    assert whole["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert whole["Cross-Origin-Resource-Policy"] == "cross-origin"
    # A new snapshot moves the reserves version: the next answer is drawn again.
    with django_capture_on_commit_callbacks(execute=True):
        _hold("990", "STMT-2")
        compute_snapshot(token=aapl_world["token"])
    _, _, message = _badge(client)
    assert "under-backed" in message


def test_the_transparency_page_offers_the_badge_to_copy(client, aapl_world):
    page = client.get("/transparency/AAPLx/").content.decode()
    badge = "http://testserver/transparency/AAPLx/badge.svg"
    assert f"[![AAPLx backing]({badge})](http://testserver/transparency/AAPLx/)" in page
    assert f'&lt;img src="{badge}" alt="AAPLx backing: ratio, status and data age"&gt;' in page
    assert '<img src="/transparency/AAPLx/badge.svg"' in page
