from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.utils.html import escape

from apps.jurisdictions.geo import client_ip, country_for_ip, reset_reader_cache, truncate_ip
from apps.jurisdictions.models import AccessLogEntry, JurisdictionRule
from tests.onboarding.conftest import CN_IP, DE_IP, DE_IP6, IR_IP, US_IP

pytestmark = pytest.mark.django_db


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/onboarding/", **extra)


def test_client_ip_ignores_forwarded_for_from_untrusted_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request(DE_IP, forwarded=IR_IP)) == DE_IP


def test_client_ip_takes_rightmost_untrusted_address_behind_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # The client can prepend anything; only what our own proxies appended counts.
    request = _request("10.1.2.3", forwarded=f"{DE_IP}, {IR_IP}, 192.0.2.7")
    assert client_ip(request) == IR_IP


def test_client_ip_behind_trusted_proxy_without_header_is_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("10.1.2.3")) == "10.1.2.3"
    assert client_ip(_request("10.1.2.3", forwarded="garbage")) == "10.1.2.3"


def test_client_ip_handles_ports_and_ipv6(settings):
    settings.TRUSTED_PROXIES = ["::1"]
    assert client_ip(_request("::1", forwarded=f"[{DE_IP6}]:443")) == DE_IP6
    assert client_ip(_request("::1", forwarded=f"{US_IP}:5555")) == US_IP
    assert client_ip(_request("not-an-ip")) is None


def test_truncate_ip_to_24_and_48():
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"
    assert truncate_ip("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert truncate_ip("") == ""


def test_country_reads_maxmind_and_ip_location_db_shapes():
    assert country_for_ip(IR_IP) == "IR"  # {"country": {"iso_code": "IR"}}
    assert country_for_ip(US_IP) == "US"  # {"country_code": "US"}
    assert country_for_ip(CN_IP) == "CN"  # {"registered_country": {...}} only
    assert country_for_ip(DE_IP6) == "DE"
    assert country_for_ip("127.0.0.1") == ""
    assert country_for_ip(None) == ""


def test_missing_database_makes_every_country_unknown(settings, tmp_path):
    settings.GEOIP_DB_PATH = tmp_path / "absent.mmdb"
    reset_reader_cache()
    assert country_for_ip(US_IP) == ""


def test_bundled_offline_database_is_read(settings):
    bundled = (
        django_settings.BASE_DIR
        / "node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"
    )
    if not bundled.is_file():
        pytest.fail(f"{bundled} missing: run `npm ci` (make install)")
    settings.GEOIP_DB_PATH = bundled
    reset_reader_cache()
    assert country_for_ip("8.8.8.8") == "US"


@pytest.mark.parametrize("ip", [IR_IP, US_IP, CN_IP])
def test_blocked_country_gets_451_on_onboarding(client, ip):
    response = client.get("/onboarding/", REMOTE_ADDR=ip)
    assert response.status_code == 451
    body = response.content.decode()
    assert "Not available in your jurisdiction" in body
    rule = JurisdictionRule.objects.get(country=country_for_ip(ip), region="")
    assert escape(rule.reason) in body and escape(rule.legal_basis) in body


def test_signup_is_gated_too(client):
    assert client.get("/accounts/signup/", REMOTE_ADDR=US_IP).status_code == 451
    assert client.get("/accounts/signup/", REMOTE_ADDR=DE_IP).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/tokens/",
        "/api/v1/tokens/",
        "/transparency/",
        "/status/",
        "/api/v1/reserves/",
        "/api/v1/prices/",
        "/api/schema/",
    ],
)
def test_public_pages_stay_open_to_blocked_countries(client, path):
    response = client.get(path, REMOTE_ADDR=US_IP)
    assert response.status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_forged_forwarded_for_from_untrusted_client_is_ignored(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # A German client claiming to be Iranian is still German (not blocked) ...
    response = client.get("/accounts/signup/", REMOTE_ADDR=DE_IP, HTTP_X_FORWARDED_FOR=IR_IP)
    assert response.status_code == 200
    # ... and a US client claiming to be German is still blocked.
    response = client.get("/onboarding/", REMOTE_ADDR=US_IP, HTTP_X_FORWARDED_FOR=DE_IP)
    assert response.status_code == 451


def test_forwarded_for_from_trusted_proxy_is_used(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = client.get("/onboarding/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=IR_IP)
    assert response.status_code == 451
    response = client.get("/accounts/signup/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=DE_IP)
    assert response.status_code == 200


def test_every_block_is_logged_with_truncated_ip(client):
    client.get("/onboarding/eligibility/", REMOTE_ADDR=IR_IP)
    client.get("/onboarding/", REMOTE_ADDR=DE_IP6)  # allowed: not logged
    entry = AccessLogEntry.objects.get()
    assert entry.country == "IR"
    assert entry.path == "/onboarding/eligibility/"
    assert entry.ip_prefix == "81.2.69.0/24"
    assert entry.rule == JurisdictionRule.objects.get(country="IR")
    assert IR_IP not in str(entry.__dict__)


def test_new_blocked_rule_applies_on_the_next_request(client):
    assert client.get("/accounts/signup/", REMOTE_ADDR=DE_IP).status_code == 200
    JurisdictionRule.objects.create(
        country="DE", status="blocked", reason="Test embargo", legal_basis="Test act"
    )
    response = client.get("/accounts/signup/", REMOTE_ADDR=DE_IP)
    assert response.status_code == 451
    assert "Test embargo" in response.content.decode()


def test_ended_rule_no_longer_blocks(client):
    from django.utils import timezone

    JurisdictionRule.objects.filter(country="US").update(effective_to=timezone.now())
    assert client.get("/accounts/signup/", REMOTE_ADDR=US_IP).status_code == 200


def test_default_rules_are_seeded():
    places = set(JurisdictionRule.objects.in_force().values_list("country", "region"))
    for country in ["US", "PR", "GU", "VI", "AS", "MP", "UM", "CU", "IR", "KP", "SY", "CN"]:
        assert (country, "") in places
    for region in ["UA-43", "UA-14", "UA-09"]:
        assert ("UA", region) in places
    assert ("UA", "") not in places  # the rest of Ukraine is open
    assert not JurisdictionRule.objects.filter(legal_basis="").exists()


def test_ukraine_2022_rules_carry_their_legal_basis():
    rules = {r.region: r for r in JurisdictionRule.objects.in_force().filter(country="UA")}
    assert rules["UA-40"].status == "blocked"
    assert "13685" in rules["UA-40"].legal_basis and "692/2014" in rules["UA-40"].legal_basis
    for region in ("UA-23", "UA-65"):
        assert rules[region].status == "review"
        assert "2022/263" in rules[region].legal_basis
        assert "2022/1903" in rules[region].legal_basis
        assert "14065" in rules[region].legal_basis


def test_sevastopol_residents_are_refused_and_kherson_residents_reviewed():
    from datetime import date

    from apps.onboarding.services.eligibility import Answers, evaluate_eligibility

    def answers(region: str) -> Answers:
        return Answers(
            full_name="Olena Example",
            date_of_birth=date(1980, 1, 1),
            residence_country="UA",
            residence_region=region,
            citizenships=["UA"],
            tax_residences=["UA"],
            us_citizen=False,
            us_green_card=False,
            us_resident=False,
            us_tax_person=False,
        )

    refused, _ = evaluate_eligibility(answers=answers("UA-40"))
    assert refused and "UA-40" in refused[0]
    refused, review = evaluate_eligibility(answers=answers("UA-65"))
    assert not refused and "UA-65" in review[0]


# Fail closed -----------------------------------------------------------------------

GOOGLE_DNS = "8.8.8.8"  # not in the test database: a public address of unknown country


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        (GOOGLE_DNS, "no country is known"),
        ("2002:5d8:d822::1", "IPv6 tunnel"),  # 6to4 around a US address
        ("2001:0:4136:e378:8000:63bf:a2a7:2bdb", "IPv6 tunnel"),  # Teredo
        ("64:ff9b::5db8:d822", "IPv6 tunnel"),  # NAT64 around a US address
        ("::5db8:d822", "IPv6 tunnel"),  # IPv4-compatible
        ("2a01:238:4200::200:5efe:5db8:d822", "IPv6 tunnel"),  # ISATAP
    ],
)
def test_unknown_country_is_refused_on_gated_paths(client, ip, reason):
    response = client.get("/accounts/signup/", REMOTE_ADDR=ip)
    assert response.status_code == 403
    body = response.content.decode()
    assert "cannot tell where you are connecting from" in body and reason in body
    assert 'name="password1"' not in body
    entry = AccessLogEntry.objects.get()
    assert (entry.country, entry.rule, entry.path) == ("", None, "/accounts/signup/")


def test_missing_country_database_refuses_signup_from_a_public_address(client, settings, tmp_path):
    settings.GEOIP_DB_PATH = tmp_path / "absent.mmdb"
    reset_reader_cache()
    response = client.get("/accounts/signup/", REMOTE_ADDR=GOOGLE_DNS)
    assert response.status_code == 403
    assert 'name="password1"' not in response.content.decode()
    assert "could not be checked" in response.content.decode()


def test_unreadable_country_database_refuses_too(client, settings, tmp_path):
    garbage = tmp_path / "garbage.mmdb"
    garbage.write_bytes(b"not a database")
    settings.GEOIP_DB_PATH = garbage
    reset_reader_cache()
    assert client.get("/accounts/signup/", REMOTE_ADDR=DE_IP).status_code == 403


def test_ipv4_mapped_address_is_mapped_back(client):
    assert client.get("/accounts/signup/", REMOTE_ADDR=f"::ffff:{DE_IP}").status_code == 200
    assert client.get("/onboarding/", REMOTE_ADDR=f"::ffff:{US_IP}").status_code == 451


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "fd00::1"])
def test_private_addresses_pass_only_when_allowed(client, settings, ip):
    settings.GEOBLOCK_ALLOW_PRIVATE = True
    assert client.get("/accounts/signup/", REMOTE_ADDR=ip).status_code == 200
    settings.GEOBLOCK_ALLOW_PRIVATE = False
    response = client.get("/accounts/signup/", REMOTE_ADDR=ip)
    assert response.status_code == 403
    assert "private network address" in response.content.decode()


def test_gate_reads_the_path_below_the_mount_point(client):
    """Deployed under /site/, the gated /accounts/signup/ is /site/accounts/signup/."""
    response = client.get("/accounts/signup/", SCRIPT_NAME="/site", REMOTE_ADDR=US_IP)
    assert response.status_code == 451
    assert AccessLogEntry.objects.get().path == "/accounts/signup/"
