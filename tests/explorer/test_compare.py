"""/compare/: every product, a source for every filled cell, unknowns said plainly; a data
file that does not validate is refused with the path of each problem and never shown."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from apps.explorer import compare

ROWS = [
    "xstocks",
    "dinari",
    "robinhood",
    "ondo",
    "mirror",
    "synthetix",
    "defichain",
    "ftx",
    "binance",
]


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(Path(settings.COMPARE_DATA_PATH).read_text())


def _cells(data: dict):
    for row in data["rows"]:
        for key, cell in row["cells"].items():
            yield row, key, cell


def _td(page: str, row_key: str, label: str) -> str:
    """The text of one cell on the page: the row by its id, the cell by its column label."""
    row = re.search(rf'<tr id="{row_key}">(.*?)</tr>', page, re.S).group(1)
    cell = re.search(rf'<td data-label="{re.escape(html.escape(label))}">(.*?)</td>', row, re.S)
    return cell.group(1)


@pytest.mark.django_db
def test_compare_shows_every_row_and_a_source_for_every_filled_cell(client, data):
    response = client.get("/compare/")
    assert response.status_code == 200
    page = response.content.decode()
    assert [r["key"] for r in data["rows"]] == ROWS
    labels = {c["key"]: c["label"] for c in data["columns"]}
    filled = unknown = single = 0
    for row, key, cell in _cells(data):
        assert html.escape(row["name"]) in page
        text = _td(page, row["key"], labels[key])
        if cell["value"] == "unknown":
            unknown += 1
            assert '<span class="nodata">unknown</span>' in text
            assert "Source:" not in text
            continue
        filled += 1
        assert html.escape(cell["value"]) in text
        source = cell["source"]
        if source["url"]:
            assert f'<a href="{html.escape(source["url"])}"' in text
        else:  # a file of this repository: shown as its path
            assert f"<code>{source['path']}</code>" in text
        assert cell["as_of"] in text  # the date the source states or the day it was read
        if cell["single_source"]:
            single += 1
            assert 'class="chip chip-single"' in text
        else:
            assert 'class="chip chip-single"' not in text
            for other in cell["also"]:
                assert html.escape(other["title"]) in text
    assert (filled, unknown, single) == (77, 4, 5)
    assert page.count("Source:") == filled
    assert f"Facts as of {data['as_of']}" in page
    assert "those figures are simulated" in page  # the demo world's figures are labelled


@pytest.mark.django_db
def test_compare_table_is_one_card_per_product_on_a_phone(client, data):
    page = client.get("/compare/").content.decode()
    # Every cell carries its column's label, which the narrow layout shows above it.
    assert page.count("<td data-label=") == len(data["rows"]) * len(data["columns"])
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert "table.compare td::before { content: attr(data-label)" in css


def _problems(doc: dict) -> list[str]:
    with pytest.raises(compare.ComparisonError) as caught:
        compare.parse(json.dumps(doc).encode())
    return caught.value.problems


def test_a_cell_without_source_or_with_a_bad_link_is_refused_with_its_path(data):
    doc = copy.deepcopy(data)
    doc["rows"][1]["cells"]["holder"].pop("source")
    doc["rows"][2]["cells"]["claim"]["source"]["url"] = "javascript:alert(1)"
    doc["rows"][3]["cells"]["chains"]["single_source"] = True  # but "also" lists agreeing ones
    problems = _problems(doc)
    assert "rows[1].cells.holder: a filled cell needs source" in problems
    assert "rows[2].cells.claim.source.url: 'javascript:alert(1)' is not an http(s) URL" in (
        problems
    )
    assert "rows[3].cells.chains: single_source is true but other sources agree (also)" in problems


def test_the_document_is_checked_across_rows_and_sources(data):
    doc = copy.deepcopy(data)
    del doc["rows"][0]["cells"]["status"]
    doc["rows"][4]["key"] = doc["rows"][3]["key"]
    doc["rows"][5]["cells"]["backing"]["as_of"] = "2999-01-01"
    doc["rows"][6]["cells"]["backing"]["source"] = {"url": "https://example.org/x", "title": "X"}
    problems = _problems(doc)
    assert "rows[0].cells: no cell for column 'status'" in problems
    assert "rows[4].key: duplicate row 'ondo'" in problems
    assert "rows[5].cells.backing.as_of: 2999-01-01 is after the file's as_of" in problems
    assert "rows[6].cells.backing.source: 'X' is not in sources" in problems


def test_an_unknown_cell_must_say_why_and_cite_nothing(data):
    doc = copy.deepcopy(data)
    cell = doc["rows"][2]["cells"]["holder"]
    assert cell["value"] == "unknown"
    cell["note"] = None
    problems = _problems(doc)
    assert problems == ['rows[2].cells.holder: an "unknown" cell needs a note saying why']


def test_a_file_that_is_not_json_or_too_big_is_refused():
    assert _invalid(b"{nope")[0].startswith("$: invalid JSON")
    assert _invalid(b" " * (compare.MAX_FILE_BYTES + 1)) == [
        f"$: larger than {compare.MAX_FILE_BYTES} bytes"
    ]
    assert _invalid(b"[" * 1000 + b"]" * 1000)[0].startswith("$: invalid JSON: JSON nested")


def _invalid(raw: bytes) -> list[str]:
    with pytest.raises(compare.ComparisonError) as caught:
        compare.parse(raw)
    return caught.value.problems


@pytest.mark.django_db
def test_a_bad_data_file_is_never_shown(client, settings, tmp_path, data, caplog):
    doc = copy.deepcopy(data)
    doc["rows"][0]["cells"]["backing"]["value"] = "x" * 201
    bad = tmp_path / "backing-models.json"
    bad.write_text(json.dumps(doc))
    settings.COMPARE_DATA_PATH = bad
    response = client.get("/compare/")
    assert response.status_code == 503
    assert "did not pass the site's checks" in response.content.decode()
    assert "rows[0].cells.backing.value: is longer than 200 characters" in caplog.text
    with pytest.raises(SystemCheckError, match=r"explorer.E001.*rows\[0\].cells.backing.value"):
        call_command("check")
    # Fixed on disk: shown again without a restart.
    bad.write_text(json.dumps(data))
    assert client.get("/compare/").status_code == 200
