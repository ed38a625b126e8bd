from __future__ import annotations

import pytest

from apps.custody.models import HoldingStatement
from apps.custody.tasks import poll_custody_inbox
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db


def test_inbox_moves_files_to_processed_or_rejected_with_a_reason(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path
    good = semt002(account="INC-001", holdings={AAPL_ISIN: "1000"})
    (tmp_path / "good.xml").write_bytes(good)
    (tmp_path / "again.xml").write_bytes(good)
    (tmp_path / "bad.xml").write_bytes(good.replace(b"INC-001", b"NOPE"))
    (tmp_path / "incore").mkdir()
    (tmp_path / "incore" / "still-writing.xml.part").write_bytes(b"<Doc")

    outcomes = poll_custody_inbox.delay().get()

    assert len(outcomes) == 3
    assert HoldingStatement.objects.count() == 1
    processed, rejected = tmp_path / "processed", tmp_path / "rejected"
    assert sorted(p.name for p in processed.iterdir()) == [
        "again.xml",
        "again.xml.reason",
        "good.xml",
        "good.xml.reason",
    ]
    # Files are taken in name order: again.xml is imported, good.xml is the duplicate.
    assert "imported statement STMT-1" in (processed / "again.xml.reason").read_text()
    assert "already imported" in (processed / "good.xml.reason").read_text()
    assert sorted(p.name for p in rejected.iterdir()) == ["bad.xml", "bad.xml.reason"]
    reason = (rejected / "bad.xml.reason").read_text()
    assert "refused, nothing imported" in reason and "SfkpgAcct/Id" in reason
    assert not (tmp_path / "good.xml").exists() and not any((tmp_path / "processing").iterdir())
    # A file still being written is left alone.
    assert (tmp_path / "incore" / "still-writing.xml.part").exists()


def test_custodian_sub_folder_names_the_custodian(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path
    (tmp_path / "incore").mkdir()
    (tmp_path / "incore" / "s.xml").write_bytes(
        semt002(account="INC-001", holdings={AAPL_ISIN: "1"})
    )
    outcomes = poll_custody_inbox.delay().get()
    assert outcomes and "imported" in outcomes[0]
    assert HoldingStatement.objects.get().custodian.slug == "incore"


def test_oversized_inbox_file_is_rejected_without_reading_it(aapl_world, tmp_path, settings):
    settings.CUSTODY_INBOX_DIR = tmp_path
    settings.CUSTODY_MAX_STATEMENT_BYTES = 100
    (tmp_path / "big.xml").write_bytes(semt002(account="INC-001", holdings={AAPL_ISIN: "1"}))
    poll_custody_inbox.delay().get()
    assert "limited to 100 bytes" in (tmp_path / "rejected" / "big.xml.reason").read_text()
    assert HoldingStatement.objects.count() == 0
