"""Statements written to hurt: memory, time and message size stay bounded, and every inbox
file ends in rejected/ with a reason whatever goes wrong."""

from __future__ import annotations

import os
import time

import pytest

from apps.custody import parsers
from apps.custody.models import HoldingStatement
from apps.custody.parsers import missing_pages
from apps.custody.services import StatementRejected, import_statement, process_inbox
from apps.custody.services import inbox as inbox_service
from tests.factories import make_isin
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import NS11, semt002, semt002_page

pytestmark = pytest.mark.django_db

MESSAGE_LIMIT = 2048

PAGE_BOMB = f"""<?xml version="1.0"?>
<Document xmlns="{NS11}"><SctiesBalCtdyRpt>
<Pgntn><PgNb>999999999</PgNb><LastPgInd>true</LastPgInd></Pgntn>
<StmtGnlDtls><StmtId>S</StmtId><StmtDtTm><Dt>2024-01-02</Dt></StmtDtTm></StmtGnlDtls>
<SfkpgAcct><Id>INC-001</Id></SfkpgAcct></SctiesBalCtdyRpt></Document>""".encode()


def test_a_page_number_bomb_is_refused_with_a_short_message(aapl_world):
    assert len(PAGE_BOMB) < 520
    with pytest.raises(StatementRejected) as caught:
        import_statement(data=PAGE_BOMB)
    message = str(caught.value)
    assert "pages 1-999999998 of 999999999 missing" in message
    assert len(message) < 300


def test_missing_pages_cost_the_pages_present_not_the_page_count():
    # Would allocate 999,999,999 numbers if it counted up to the last page.
    assert missing_pages({1, 999_999_999}, 999_999_999) == [(2, 999_999_998)]
    assert missing_pages({2, 4}, 6) == [(1, 1), (3, 3), (5, 6)]


def test_many_gaps_are_named_as_a_few_ranges(aapl_world):
    pages = [
        semt002_page(account="INC-001", holdings={AAPL_ISIN: "1"}, page=n, last=n == 4001)
        for n in range(1, 4002, 2)
    ]
    data = f'<Envelope xmlns:x="urn:x">{"".join(pages)}</Envelope>'.encode()
    with pytest.raises(StatementRejected) as caught:
        import_statement(data=data)
    message = str(caught.value)
    assert "pages 2, 4, 6, 8, 10 and 1995 more ranges of 4001 missing" in message
    assert len(message) < MESSAGE_LIMIT


def _holdings(n: int) -> dict[str, str]:
    return {make_isin(10_000 + i): str(i + 1) for i in range(n)}


def test_four_thousand_holdings_parse(aapl_world):
    # Timed in bench/custody_import.py; here it must simply finish (it took 75 s when the
    # paths and the duplicate check were quadratic).
    data = semt002(account="INC-001", holdings=_holdings(4000))
    result = import_statement(data=data)
    assert result.created[0].holdings.count() == 4000


def test_a_duplicate_isin_among_thousands_is_named(aapl_world):
    holdings = _holdings(3000)
    page = semt002_page(account="INC-001", holdings=holdings)
    twice = page.replace(
        "</SctiesBalCtdyRpt>", _balance(next(iter(holdings))) + "</SctiesBalCtdyRpt>"
    )
    with pytest.raises(StatementRejected, match=r"BalForAcct\[3001\]/FinInstrmId/ISIN: .* twice"):
        import_statement(data=twice.encode())


def _balance(isin: str) -> str:
    return (
        f"<BalForAcct><FinInstrmId><ISIN>{isin}</ISIN></FinInstrmId>"
        "<AggtBal><Qty><Qty><Qty><Unit>1</Unit></Qty></Qty></Qty></AggtBal></BalForAcct>"
    )


@pytest.mark.parametrize(
    "data",
    [
        # Long cells: a quantity, an account and a statement id of 100,000 characters.
        (
            "statement_id,statement_date,custodian,account,isin,quantity\n"
            f"S1,2024-01-02,incore,INC-001,{AAPL_ISIN},{'9' * 100_000}\n"
        ).encode(),
        (
            "statement_id,statement_date,custodian,account,isin,quantity\n"
            f"S1,2024-01-02,incore,{'A' * 100_000},{AAPL_ISIN},1\n"
        ).encode(),
        (
            "statement_id,statement_date,custodian,account,isin,quantity\n"
            f"{'S' * 120_000},2024-01-02,incore,INC-001,{AAPL_ISIN},1\n"
        ).encode(),
        # A cell over the csv module's field limit, a NUL byte, UTF-16 with its BOM.
        ("statement_id,statement_date,custodian,account,isin,quantity\n" + "x" * 200_000).encode(),
        b"statement_id,statement_date,custodian,account,isin,quantity\nS\x00,2024-01-02\n",
        "statement_id,statement_date,custodian,account,isin,quantity\n".encode("utf-16"),
        # Half a million empty lines, then nothing.
        b"statement_id,statement_date,custodian,account,isin,quantity\n" + b"\n" * 500_000,
        # An ISIN and a date of 50,000 characters in XML.
        semt002(account="INC-001", holdings={"X" * 50_000: "1"}),
        semt002(account="INC-001", holdings={AAPL_ISIN: "1"}, date="2" * 50_000),
        semt002(account="INC-001" * 10_000, holdings={AAPL_ISIN: "1"}),
    ],
    ids=[
        "long-quantity",
        "long-account",
        "long-statement-id",
        "over-field-limit",
        "nul",
        "utf16",
        "empty-lines",
        "long-isin",
        "long-date",
        "long-xml-account",
    ],
)
def test_oversized_cells_are_refused_with_a_bounded_message(aapl_world, data):
    with pytest.raises(StatementRejected) as caught:
        import_statement(data=data)
    assert len(str(caught.value)) < MESSAGE_LIMIT
    assert HoldingStatement.objects.count() == 0


def test_a_bom_before_the_csv_header_is_accepted(aapl_world):
    data = (
        "\ufeffstatement_id,statement_date,custodian,account,isin,quantity\n"
        f"S1,2024-01-02,incore,INC-001,{AAPL_ISIN},5\n"
    ).encode()
    assert import_statement(data=data).created


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Document>&lol9;</Document>"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, b"<a>" * 100_000 + b"</a>" * 100_000],
    ids=["billion-laughs", "deep"],
)
def test_xml_bombs_are_refused(aapl_world, data):
    with pytest.raises(StatementRejected) as caught:
        import_statement(data=data)
    assert len(str(caught.value)) < MESSAGE_LIMIT


# --- the inbox ------------------------------------------------------------------------------


def test_the_page_bomb_ends_in_rejected_with_its_reason(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path
    (tmp_path / "bomb.xml").write_bytes(PAGE_BOMB)
    [outcome] = process_inbox()
    assert not outcome.accepted
    reason = (tmp_path / "rejected" / "bomb.xml.reason").read_text()
    assert "missing" in reason and len(reason) < MESSAGE_LIMIT
    assert not any((tmp_path / "processing").iterdir())


@pytest.mark.parametrize("fault", [MemoryError, RuntimeError("boom " * 10_000)])
def test_a_crash_of_the_importer_still_moves_the_file_to_rejected(
    aapl_world, tmp_path, settings, monkeypatch, fault
):
    settings.CUSTODY_INBOX_DIR = tmp_path
    (tmp_path / "a.xml").write_bytes(semt002(account="INC-001", holdings={AAPL_ISIN: "1"}))
    (tmp_path / "b.xml").write_bytes(
        semt002(account="INC-001", holdings={AAPL_ISIN: "2"}, statement_id="S-2")
    )

    def crash(*args, **kwargs):
        raise fault

    # The one boundary patched: the parser, for faults a test cannot otherwise cause.
    monkeypatch.setattr("apps.custody.services.imports.parse_statement", crash)
    outcomes = process_inbox()
    assert [o.accepted for o in outcomes] == [False, False]
    for name in ("a.xml", "b.xml"):
        reason = (tmp_path / "rejected" / f"{name}.reason").read_text()
        assert "the import failed" in reason and len(reason) < MESSAGE_LIMIT
    assert not any((tmp_path / "processing").iterdir())


def test_a_file_abandoned_in_processing_is_rejected_at_the_next_poll(
    aapl_world, tmp_path, settings
):
    settings.CUSTODY_INBOX_DIR = tmp_path
    processing = tmp_path / "processing"
    processing.mkdir()
    left = processing / "20240102T000000000000-stuck.xml"
    left.write_bytes(PAGE_BOMB)
    old = time.time() - inbox_service.ABANDONED_AFTER_SECONDS - 60
    os.utime(left, (old, old))
    fresh = processing / "20240102T000000000001-busy.xml"
    fresh.write_bytes(PAGE_BOMB)  # another worker may still be on it
    process_inbox()
    reason = (tmp_path / "rejected" / "stuck.xml.reason").read_text()
    assert "did not finish" in reason
    assert fresh.exists()


def test_a_symlink_in_the_inbox_is_never_read(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path / "inbox"
    settings.CUSTODY_INBOX_DIR.mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_text(
        "statement_id,statement_date,custodian,account,isin,quantity\n"
        f"S1,2024-01-02,incore,INC-001,{AAPL_ISIN},5\n"
    )
    (settings.CUSTODY_INBOX_DIR / "link.csv").symlink_to(secret)
    [outcome] = process_inbox()
    assert not outcome.accepted and "symbolic link" in outcome.message
    assert HoldingStatement.objects.count() == 0
    assert secret.exists()


def test_odd_file_names_are_stored_and_shown_safely(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path
    long_name = "s" * 250 + ".xml"
    odd_name = "line\nbreak\x1b[31m.xml"
    for i, name in enumerate((long_name, odd_name)):
        (tmp_path / name).write_bytes(
            semt002(account="INC-001", holdings={AAPL_ISIN: str(i + 1)}, statement_id=f"S{i}")
        )
    outcomes = process_inbox()
    assert [o.accepted for o in outcomes] == [True, True]
    for outcome in outcomes:
        assert len(outcome.moved_to.name.encode()) <= 200
        assert outcome.moved_to.name.isprintable()
        assert outcome.moved_to.with_name(outcome.moved_to.name + ".reason").exists()
    names = set(HoldingStatement.objects.values_list("source_name", flat=True))
    assert all(n.isprintable() and len(n) <= 255 for n in names)


def test_parser_limits_match_the_stored_fields():
    from apps.custody.models import CustodyAccount, HoldingStatement

    assert (
        HoldingStatement._meta.get_field("statement_id").max_length
        == parsers.MAX_STATEMENT_ID_CHARS
    )
    assert CustodyAccount._meta.get_field("account_id").max_length == parsers.MAX_ACCOUNT_ID_CHARS


# --- the command ----------------------------------------------------------------------------


def test_the_command_refuses_a_device_or_a_pipe_without_reading_it(aapl_world, tmp_path):
    from django.core.management import CommandError, call_command

    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)  # reading it would block forever
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        with pytest.raises(CommandError, match="not a regular file"):
            call_command("import_custody_statement", path)
    assert HoldingStatement.objects.count() == 0


def test_the_command_bounds_what_it_echoes(aapl_world, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "s.xml"
    path.write_bytes(semt002(account="INC-001", holdings={AAPL_ISIN: "1"}))
    with pytest.raises(CommandError) as caught:
        call_command("import_custody_statement", str(path), custodian="x" * 100_000)
    assert len(str(caught.value)) < 200


def test_verify_reserves_refuses_an_impossible_snapshot_id(aapl_world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a snapshot id"):
        call_command("verify_reserves", "AAPLx", snapshot=10**30)
