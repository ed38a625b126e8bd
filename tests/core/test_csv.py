from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from apps.core import csv as safe_csv


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_formula_cells_are_neutralised(text):
    assert safe_csv.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["alice@example.org", "a=b", "", 5, Decimal("-1.5"), None])
def test_other_cells_are_left_alone(value):
    assert safe_csv.safe_cell(value) == value


def test_writers_neutralise_every_text_cell():
    out = io.StringIO()
    writer = safe_csv.writer(out)
    writer.writerow(["=cmd", Decimal("-2"), "ok"])
    dict_writer = safe_csv.dict_writer(out, fieldnames=["a", "b"])
    dict_writer.writerow({"a": "@x", "b": -3})
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=cmd", "-2", "ok"], ["'@x", "-3"]]
