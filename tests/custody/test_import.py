from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.custody.models import Holding, HoldingStatement
from apps.custody.services import StatementRejected, import_statement
from apps.reserves.models import ReserveSnapshot
from tests.factories import CustodianFactory, CustodyAccountFactory
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import NS10, NS11, semt002, semt002_page

pytestmark = pytest.mark.django_db

MSFT_ISIN = "US5949181045"
BAD_ISIN = "US0378331006"  # AAPL with the wrong check digit


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_malformed_statement_exits_non_zero_names_the_element_and_imports_nothing(
    aapl_world, tmp_path
):
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "1000", BAD_ISIN: "5"})
    path = _write(tmp_path, "bad.xml", data)
    with pytest.raises(CommandError) as exc:
        call_command("import_custody_statement", str(path))
    message = str(exc.value)
    assert "Document/SctiesBalCtdyRpt/BalForAcct[2]/FinInstrmId/ISIN" in message
    assert "bad check digit" in message and "nothing imported" in message
    assert HoldingStatement.objects.count() == 0 and Holding.objects.count() == 0


def test_good_statement_twice_is_one_statement(aapl_world, tmp_path, capsys):
    path = _write(tmp_path, "good.xml", semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}))
    call_command("import_custody_statement", str(path))
    call_command("import_custody_statement", str(path))
    out = capsys.readouterr().out
    assert "imported statement STMT-1" in out
    assert "already imported (statement STMT-1); nothing changed" in out
    assert HoldingStatement.objects.count() == 1 and Holding.objects.count() == 1


def test_same_statement_id_in_other_bytes_is_a_no_op(aapl_world):
    first = semt002(account="INC-001", holdings={AAPL_ISIN: "1000"})
    import_statement(data=first)
    again = import_statement(data=first.replace(b"<Desc>test</Desc>", b"<Desc>copy</Desc>"))
    assert again.duplicate and "already imported" in again.message
    assert HoldingStatement.objects.count() == 1


def test_version_001_10_and_face_amount_are_read(aapl_world):
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "12.5"}, ns=NS10).replace(
        b"<Unit>12.5</Unit>", b"<FaceAmt>12.5</FaceAmt>"
    )
    result = import_statement(data=data)
    statement = result.created[0]
    assert statement.format == "semt002"
    assert statement.holdings.get().quantity == Decimal("12.5")


def test_unknown_namespace_is_refused(aapl_world):
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "1"}).replace(
        b"semt.002.001.11", b"semt.002.001.05"
    )
    with pytest.raises(StatementRejected, match=r"^Document: namespace .*semt\.002\.001\.05"):
        import_statement(data=data)


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        ((b"<Unit>1000</Unit>", b"<Unit>-3</Unit>"), "AggtBal/Qty/Qty/Qty/Unit", "negative"),
        ((b"<Unit>1000</Unit>", b"<Unit>lots</Unit>"), "AggtBal/Qty/Qty/Qty/Unit", "not a number"),
        ((b"<Id>INC-001</Id>", b"<Id>NOPE-9</Id>"), "SfkpgAcct/Id", "unknown account 'NOPE-9'"),
        ((b"<StmtId>STMT-1</StmtId>", b""), "StmtGnlDtls", "missing StmtId"),
        ((b"LONG", b"SHRT"), "AggtBal/ShrtLngInd", "negative (SHRT)"),
        ((b"</Document>", b"</Documen>"), "line", "malformed XML"),
    ],
)
def test_bad_xml_statement_is_refused_whole(aapl_world, change, where, reason):
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "1000"}).replace(*change)
    with pytest.raises(StatementRejected) as exc:
        import_statement(data=data)
    assert where in str(exc.value) and reason in str(exc.value)
    assert HoldingStatement.objects.count() == 0


def test_future_date_is_refused(aapl_world):
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "1"}, date=tomorrow)
    with pytest.raises(StatementRejected, match=r"StmtDtTm/Dt: statement date .* is in the future"):
        import_statement(data=data)


def _pages(*pages: str) -> bytes:
    return ('<?xml version="1.0"?>\n<Pages>' + "".join(pages) + "</Pages>").encode()


def test_paginated_statement_with_every_page_is_imported(aapl_world):
    data = _pages(
        semt002_page(account="INC-001", holdings={AAPL_ISIN: "600"}, page=1, last=False),
        semt002_page(account="INC-001", holdings={MSFT_ISIN: "7"}, page=2, last=True),
    )
    statement = import_statement(data=data).created[0]
    assert statement.page_count == 2
    assert {h.isin for h in statement.holdings.all()} == {AAPL_ISIN, MSFT_ISIN}


@pytest.mark.parametrize(
    ("pages", "reason"),
    [
        (((2, True),), "page 1 of 2 missing"),
        (((1, False),), "page 1 is not flagged as the last page"),
        (((1, False), (3, True)), "page 2 of 3 missing"),
    ],
)
def test_missing_page_refuses_the_file(aapl_world, pages, reason):
    data = _pages(
        *(
            semt002_page(account="INC-001", holdings={AAPL_ISIN: "1"}, page=n, last=last)
            for n, last in pages
        )
    )
    with pytest.raises(StatementRejected, match=re.escape(reason)):
        import_statement(data=data)
    assert HoldingStatement.objects.count() == 0


def test_external_entity_is_refused_and_never_read(aapl_world, tmp_path):
    secret = _write(tmp_path, "secret.txt", "TOP-SECRET-42")
    data = (
        semt002(account="INC-001", holdings={AAPL_ISIN: "1"})
        .replace(
            b'<?xml version="1.0" encoding="UTF-8"?>',
            f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'.encode(),
        )
        .replace(b"<Desc>test</Desc>", b"<Desc>&x;</Desc>")
    )
    with pytest.raises(StatementRejected) as exc:
        import_statement(data=data)
    assert "DOCTYPE" in str(exc.value) and "TOP-SECRET" not in str(exc.value)
    assert HoldingStatement.objects.count() == 0


def test_entity_expansion_bomb_is_refused(aapl_world):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol;" * 10 if i == 1 else f"&lol{i - 1};" * 10}">'
            for i in range(1, 9)
        )
        + f']><Document xmlns="{NS11}"><SctiesBalCtdyRpt>&lol8;</SctiesBalCtdyRpt></Document>'
    )
    with pytest.raises(StatementRejected, match=r"DOCTYPE|entit"):
        import_statement(data=bomb.encode())


def test_oversized_file_is_refused(aapl_world, settings, tmp_path):
    settings.CUSTODY_MAX_STATEMENT_BYTES = 500
    data = semt002(account="INC-001", holdings={AAPL_ISIN: "1"})
    assert len(data) > 500
    with pytest.raises(StatementRejected, match="limited to 500 bytes"):
        import_statement(data=data)
    with pytest.raises(CommandError, match="limited to 500 bytes"):
        call_command("import_custody_statement", str(_write(tmp_path, "big.xml", data)))
    assert HoldingStatement.objects.count() == 0


CSV_HEAD = "statement_id,statement_date,custodian,account,isin,quantity\n"


def test_csv_statement_is_imported(aapl_world):
    today = timezone.now().date().isoformat()
    data = (
        CSV_HEAD
        + f"C-1,{today},incore,INC-001,{AAPL_ISIN},1000\n"
        + f"C-1,{today},incore,INC-001,{MSFT_ISIN},3.25\n"
    )
    statement = import_statement(data=data.encode()).created[0]
    assert statement.format == "csv" and statement.custodian.slug == "incore"
    assert statement.holdings.get(isin=MSFT_ISIN).quantity == Decimal("3.25")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            f"C-1,{{today}},incore,INC-001,{BAD_ISIN},5",
            "line 3 isin: ISIN US0378331006: bad check digit",
        ),
        (
            f"C-1,{{today}},incore,INC-001,{MSFT_ISIN},-1",
            "line 3 quantity: quantity -1 is negative",
        ),
        (
            f"C-1,{{today}},incore,INC-001,{MSFT_ISIN},1e",
            "line 3 quantity: quantity '1e' is not a number",
        ),
        (
            f"C-1,{{today}},incore,INC-404,{MSFT_ISIN},1",
            "line 3 account: unknown account 'INC-404'",
        ),
        (f"C-1,2999-01-01,incore,INC-001,{MSFT_ISIN},1", "line 3: statement date"),
        (f"C-1,{{today}},incore,INC-001,{MSFT_ISIN}", "line 3: 5 fields, expected 6"),
    ],
)
def test_bad_csv_line_refuses_the_whole_file(aapl_world, row, reason):
    today = timezone.now().date().isoformat()
    data = (
        CSV_HEAD + f"C-1,{today},incore,INC-001,{AAPL_ISIN},1000\n" + row.format(today=today) + "\n"
    )
    with pytest.raises(StatementRejected) as exc:
        import_statement(data=data.encode())
    assert reason in str(exc.value)
    assert HoldingStatement.objects.count() == 0 and Holding.objects.count() == 0


def test_csv_with_wrong_header_is_refused(aapl_world):
    with pytest.raises(StatementRejected, match="line 1: header must be"):
        import_statement(data=b"id,date,isin,qty\n1,2024-01-01,US0378331005,1\n")


def test_account_at_another_custodian_is_unknown(aapl_world):
    CustodyAccountFactory(
        custodian=CustodianFactory(slug="maerki", name="Maerki Baumann"), account_id="MB-1"
    )
    data = semt002(account="MB-1", holdings={AAPL_ISIN: "1"})
    with pytest.raises(StatementRejected, match="unknown account 'MB-1' at custodian 'incore'"):
        import_statement(data=data, custodian=aapl_world["account"].custodian)


def test_older_statement_never_replaces_the_latest(aapl_world, django_capture_on_commit_callbacks):
    today = timezone.now().date()
    newer = semt002(
        account="INC-001", holdings={AAPL_ISIN: "1000"}, statement_id="S-2", date=today.isoformat()
    )
    older = semt002(
        account="INC-001",
        holdings={AAPL_ISIN: "500"},
        statement_id="S-1",
        date=(today - dt.timedelta(days=1)).isoformat(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_statement(data=newer)
    with django_capture_on_commit_callbacks(execute=True):
        result = import_statement(data=older)
    assert "older than the account's latest statement" in result.message
    assert HoldingStatement.objects.count() == 2
    latest = ReserveSnapshot.objects.filter(token=aapl_world["token"]).first()
    assert latest.shares_held == Decimal("1000")
    assert latest.provenance["holdings_by_custodian"][0]["statements"][0]["statement_id"] == "S-2"
