from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_refused_statement_exits_non_zero_from_the_shell(tmp_path):
    """The real process exit code, on a throw-away SQLite file (no test database needed)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "XSTOCKS_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:semt.002.001.11">'
        "<SctiesBalCtdyRpt><StmtGnlDtls><StmtId>S</StmtId></StmtGnlDtls></SctiesBalCtdyRpt>"
        "</Document>"
    )
    result = subprocess.run(
        [*manage, "import_custody_statement", str(bad)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Document/SctiesBalCtdyRpt/StmtGnlDtls: missing StmtDtTm" in result.stderr
    assert "nothing imported" in result.stderr
