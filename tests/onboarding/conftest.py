from __future__ import annotations

import io
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from apps.jurisdictions.geo import reset_reader_cache
from tests.factories import KycCaseFactory, make_officer

# Test networks and the countries the test database gives them. Two record shapes:
# MaxMind's {"country": {"iso_code": ..}} and ip-location-db's {"country_code": ..}.
IR_IP = "81.2.69.160"  # MaxMind shape
US_IP = "93.184.216.34"  # ip-location-db shape
DE_IP = "85.214.132.117"
CN_IP = "36.110.1.1"
DE_IP6 = "2a01:238:4200::1"


def build_mmdb(path: Path) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country")
    writer.insert_network(IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "IR"}})
    writer.insert_network(IPSet(["93.184.216.0/24"]), {"country_code": "US"})
    writer.insert_network(IPSet(["85.214.0.0/16", "2a01:238::/32"]), {"country_code": "DE"})
    writer.insert_network(IPSet(["36.110.0.0/16"]), {"registered_country": {"iso_code": "CN"}})
    writer.to_db_file(str(path))
    return path


@pytest.fixture(scope="session")
def _mmdb_file(tmp_path_factory) -> Path:
    return build_mmdb(tmp_path_factory.mktemp("geo") / "test-country.mmdb")


@pytest.fixture(autouse=True)
def geoip_db(settings, _mmdb_file):
    settings.GEOIP_DB_PATH = _mmdb_file
    reset_reader_cache()
    yield _mmdb_file
    reset_reader_cache()


@pytest.fixture(autouse=True)
def kyc_storage(settings, tmp_path):
    settings.KYC_STORAGE_DIR = tmp_path / "private-kyc"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.KYC_STORAGE_DIR


@pytest.fixture
def investor_case(db):
    """Alice: a verified, eligible investor with a draft case."""
    return KycCaseFactory(declaration__profile__full_name="Alice Example")


@pytest.fixture
def outsider_case(db):
    """Charlie: another investor with a case of his own."""
    return KycCaseFactory(declaration__profile__full_name="Charlie Other")


@pytest.fixture
def officer(db):
    return make_officer()


@pytest.fixture
def second_officer(db):
    return make_officer("second.officer@example.org")


def _image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def make_pdf(*, javascript: str = "", attachment: bytes = b"", pages: int = 1) -> bytes:
    """A real PDF written by pypdf, optionally with an open action script or an attachment."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript(javascript))
    if attachment:
        writer.add_attachment("payload.html", attachment)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
PDF = make_pdf()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength takes ~0.5 s per user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
