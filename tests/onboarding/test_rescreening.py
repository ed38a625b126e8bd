"""Loading a newer list screens approved and pending investors again, against what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.compliance.services.decisions import decide_case
from apps.onboarding import sanctions
from apps.onboarding.models import (
    CaseState,
    KycCase,
    OfficerAlert,
    SanctionedAddress,
    SanctionsEntry,
    SanctionsList,
    SanctionsListLoad,
    ScreeningHit,
)
from apps.onboarding.services import cases
from apps.onboarding.services.rescreening import load_sanctions
from tests.factories import KycCaseFactory
from tests.onboarding.conftest import DE_IP

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def person(entity_id: str, name: str, *, born: str = "", changed: str = "2026-01-10") -> dict:
    props: dict = {"name": [name]}
    if born:
        props["birthDate"] = [born]
    return {"id": entity_id, "schema": "Person", "properties": props, "last_change": changed}


def write_ftm(path: Path, entities: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(e) for e in entities) + "\n", encoding="utf-8")
    return path


def approved_case(officer, name: str = "Alice Example"):
    case = KycCaseFactory(declaration__profile__full_name=name)
    cases.transition_case(case=case, to_state="submitted", actor=case.user)
    decide_case(case=case, officer=officer, decision="approve", reason_code="verified")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    return case


FIRST = [person("NK-1", "Viktor Sanctionov", born="1961"), person("NK-2", "Boris Blocked")]


# Parsing -------------------------------------------------------------------------------


def test_ofac_digital_currency_addresses_are_read_across_the_comments_file():
    parsed = sanctions.parse_file(DATA / "sdn.csv", comments_path=DATA / "sdn_comments.csv")
    by_id = {e.external_id: e for e in parsed.entries}
    assert len(by_id["29702"].addresses) == 6
    assert ("ETH", "0x901bb9583b24d97e995513c6778dc6888ab6870e") in by_id["29702"].addresses
    # sdn.csv cuts SUEX's remarks inside a Bitcoin address; sdn_comments.csv has the rest.
    assert ("XBT", "1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi") in by_id["33151"].addresses
    assert len(by_id["33151"].addresses) == 25
    assert by_id["48603"].addresses == [("XBT", "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z")]


def test_without_the_comments_file_the_cut_address_is_not_invented():
    parsed = sanctions.parse_file(DATA / "sdn.csv")
    suex = next(e for e in parsed.entries if e.external_id == "33151")
    assert ("XBT", "1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi") not in suex.addresses


def test_comments_of_another_release_are_refused(tmp_path):
    other = tmp_path / "sdn_comments.csv"
    other.write_text('99999,"Digital Currency Address - ETH 0xabc"\n')
    with pytest.raises(sanctions.SanctionsFormatError, match=r"99999 not in sdn\.csv"):
        sanctions.parse_file(DATA / "sdn.csv", comments_path=other)


def test_addresses_are_classified_by_shape_not_by_currency_code():
    assert sanctions.classify_address("0x901bb9583b24d97e995513c6778dc6888ab6870e") == (
        "evm",
        "0x901bb9583b24D97e995513C6778dc6888AB6870e",
        "0x901bb9583b24d97e995513c6778dc6888ab6870e",
    )
    sol = "42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"
    assert sanctions.classify_address(sol) == ("solana", sol, sol)
    assert sanctions.classify_address("TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL")[0] == "other"
    assert sanctions.classify_address("BC1QVHNF")[2] == "bc1qvhnf"


def test_opensanctions_wallets_join_their_holder_or_stand_alone(tmp_path):
    wallets = [
        {
            "id": "ofac-w1",
            "schema": "CryptoWallet",
            "properties": {
                "publicKey": ["0x098B716B8Aaf21512996dC57EB0615e2383E2f96"],
                "currency": ["ETH"],
                "holder": ["NK-1"],
            },
        },
        {
            "id": "ofac-w2",
            "schema": "CryptoWallet",
            "properties": {"publicKey": ["42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"]},
        },
    ]
    path = write_ftm(tmp_path / "entities.ftm.json", [*FIRST, *wallets])
    call_command("load_sanctions", str(path))
    holder = SanctionsEntry.objects.get(external_id="NK-1")
    assert holder.addresses == [
        {"currency": "ETH", "address": "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"}
    ]
    alone = SanctionsEntry.objects.get(external_id="ofac-w2")
    assert alone.schema == "CryptoWallet"
    assert set(SanctionedAddress.objects.values_list("kind", "match_key")) == {
        ("evm", "0x098b716b8aaf21512996dc57eb0615e2383e2f96"),
        ("solana", "42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"),
    }


def test_a_wallet_without_an_address_refuses_the_whole_file(tmp_path):
    bad = {"id": "w", "schema": "CryptoWallet", "properties": {"currency": ["ETH"]}}
    path = write_ftm(tmp_path / "entities.ftm.json", [*FIRST, bad])
    with pytest.raises(CommandError, match="line 3: CryptoWallet w: address"):
        call_command("load_sanctions", str(path))
    assert not SanctionsEntry.objects.exists()


# Loading -------------------------------------------------------------------------------


def test_a_reload_changes_only_what_changed_and_records_version_and_date(tmp_path):
    call_command(
        "load_sanctions",
        str(write_ftm(tmp_path / "v1.json", FIRST)),
        "--list-version",
        "20260110",
    )
    kept = SanctionsEntry.objects.get(external_id="NK-2")
    second = [
        person("NK-1", "Viktor Sanctionov", born="1962", changed="2026-02-01"),  # changed
        person("NK-2", "Boris Blocked"),  # unchanged
        person("NK-3", "Carla Newcomer", changed="2026-02-01"),  # added
    ]
    call_command(
        "load_sanctions",
        str(write_ftm(tmp_path / "v2.json", second[:2] + second[2:])),
        "--list-version",
        "20260201",
    )
    load = SanctionsListLoad.objects.first()
    assert (load.version, load.published_on.isoformat()) == ("20260201", "2026-02-01")
    assert (load.added, load.changed, load.removed) == (1, 1, 0)
    assert SanctionsEntry.objects.get(external_id="NK-2").pk == kept.pk
    assert set(
        SanctionsEntry.objects.filter(changed_in=load).values_list("external_id", flat=True)
    ) == {
        "NK-1",
        "NK-3",
    }
    listing = SanctionsList.objects.get()
    assert (listing.version, listing.entry_count) == ("20260201", 3)
    call_command("load_sanctions", str(write_ftm(tmp_path / "v3.json", second[2:])))
    assert SanctionsListLoad.objects.first().removed == 2
    assert list(SanctionsEntry.objects.values_list("external_id", flat=True)) == ["NK-3"]
    assert AuditEvent.objects.filter(action="sanctions.load").count() == 3


def test_bad_date_option_is_refused(tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(
            "load_sanctions",
            str(write_ftm(tmp_path / "v.json", FIRST)),
            "--published",
            "2026-13-01",
        )


# Re-screening --------------------------------------------------------------------------


def test_a_newer_list_naming_an_approved_investor_reopens_the_review(
    tmp_path, officer, client, django_capture_on_commit_callbacks
):
    """Acceptance: load a list, approve an investor, load a newer list that adds the
    investor's name: the case is back in review with the reason, the officer gets one
    e-mail, the audit trail has the re-screening."""
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v1.json", FIRST), version="v1")
    case = approved_case(officer, "Alice Example")
    bystander = approved_case(officer, "Bob Bystander")
    mail.outbox.clear()
    newer = [*FIRST, person("NK-9", "Alice Example", changed="2026-03-01")]
    with django_capture_on_commit_callbacks(execute=True):
        load = load_sanctions(path=write_ftm(tmp_path / "v2.json", newer), version="v2")

    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.high_risk
    assert case.access_suspended
    reason = case.transitions.last()
    assert (reason.from_state, reason.to_state, reason.internal) == ("approved", "in_review", True)
    assert "Re-screening against opensanctions v2, dated 2026-03-01" in reason.note
    assert "1 potential name match(es), best score 100.0" in reason.note
    assert reason.note in case.risk_reasons
    hit = ScreeningHit.objects.get(case=case)
    assert (hit.external_id, hit.load_id, hit.kind) == ("NK-9", load.pk, "name")
    bystander.refresh_from_db()
    assert bystander.state == CaseState.APPROVED

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert officer.email in message.to
    page = f"{settings.SITE_URL}/compliance/cases/{case.pk}/"
    assert f"Case #{case.pk} ({page})" in message.body
    assert "Alice" not in message.body

    load.refresh_from_db()
    assert load.rescreen_counts["entries_compared"] == 1  # NK-9 only: what changed
    assert load.rescreen_counts["cases_reopened"] == 1
    rescreen = AuditEvent.objects.get(action="sanctions.rescreen", object_id=str(load.pk))
    assert rescreen.after["name_hits"] == 1 and rescreen.after["investors"] == 2
    opened = AuditEvent.objects.get(action="case.review_opened")
    assert opened.object_id == str(case.pk) and opened.after["access_suspended"] is True

    # The investor is refused the investor-only pages, by the gate, until a decision...
    client.force_login(case.user)
    page = client.get("/onboarding/wallets/", REMOTE_ADDR=DE_IP)
    assert page.status_code == 403 and b"suspended" in page.content
    assert client.get("/portfolio/", REMOTE_ADDR=DE_IP).status_code == 403
    dashboard = client.get("/onboarding/", REMOTE_ADDR=DE_IP).content.decode()
    assert "being reviewed again" in dashboard and "Re-screening" not in dashboard
    # ... and the re-screening ran once: the task again changes nothing and sends nothing.
    from apps.onboarding.tasks import rescreen as rescreen_task

    rescreen_task(load.pk)
    assert ScreeningHit.objects.filter(case=case).count() == 1 and len(mail.outbox) == 1


def test_the_decision_ends_the_suspension_and_needs_two_officers(
    tmp_path, officer, second_officer, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v1.json", FIRST))
    case = approved_case(officer, "Alice Example")
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v2.json", [*FIRST, person("X", "Alice Example")]))
    case.refresh_from_db()
    first = decide_case(
        case=case, officer=officer, decision="approve", reason_code="screening_cleared"
    )
    assert first.pending_second_approval
    decide_case(
        case=case, officer=second_officer, decision="approve", reason_code="screening_cleared"
    )
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and not case.access_suspended
    client.force_login(case.user)
    assert client.get("/onboarding/wallets/", REMOTE_ADDR=DE_IP).status_code == 200


def test_an_unchanged_reload_compares_nothing(
    tmp_path, officer, django_capture_on_commit_callbacks
):
    path = write_ftm(tmp_path / "v1.json", [*FIRST, person("NK-9", "Alice Example")])
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=path)
    case = KycCaseFactory(declaration__profile__full_name="Alice Example")
    cases.submit_case  # noqa: B018 - a draft is screened when submitted, not here
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        load = load_sanctions(path=path)
    load.refresh_from_db()
    assert load.rescreen_counts["entries_compared"] == 0
    assert not ScreeningHit.objects.filter(case=case).exists() and not mail.outbox


def test_pending_cases_are_rescreened_and_a_known_hit_does_not_reopen(
    tmp_path, officer, django_capture_on_commit_callbacks
):
    submitted = KycCaseFactory(declaration__profile__full_name="Boris Blocked")
    cases.transition_case(case=submitted, to_state="submitted", actor=submitted.user)
    draft = KycCaseFactory(declaration__profile__full_name="Boris Blocked")
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v1.json", FIRST))
    submitted.refresh_from_db()
    assert submitted.state == CaseState.IN_REVIEW
    assert not ScreeningHit.objects.filter(case=draft).exists()
    rounds = submitted.transitions.filter(to_state="in_review").count()
    # The same entry, changed in a field that does not matter to the match: still new
    # evidence, so the review restarts; the same entry unchanged would not.
    again = [FIRST[0], {**FIRST[1], "properties": {"name": ["Boris Blocked"], "program": ["X"]}}]
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v2.json", again))
    assert submitted.transitions.filter(to_state="in_review").count() == rounds + 1
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v3.json", [*again, person("Z", "Zed")]))
    assert submitted.transitions.filter(to_state="in_review").count() == rounds + 1


def test_an_officer_alert_is_sent_once(officer):
    from apps.onboarding.services.alerts import queue_officer_alert, send_officer_alert

    alert = queue_officer_alert(key="k", subject="s", lines=["a", "b"])
    again = queue_officer_alert(key="k", subject="s", lines=["a", "b"])
    assert alert.pk == again.pk and OfficerAlert.objects.count() == 1
    mail.outbox.clear()
    assert send_officer_alert(alert_id=alert.pk) is True
    assert send_officer_alert(alert_id=alert.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [
        "compliance@xstocks.local",
        officer.email,
    ]


def test_internal_review_notes_never_reach_the_investor(tmp_path, officer, client):
    case = approved_case(officer)
    from apps.onboarding.services.reviews import open_review

    open_review(case=case, reason="Secret reason for officers", high_risk=True)
    client.force_login(case.user)
    page = client.get("/onboarding/", REMOTE_ADDR=DE_IP).content.decode()
    assert "Secret reason" not in page and "being reviewed again" in page
    assert KycCase.objects.get(pk=case.pk).state == "in_review"


def test_many_at_once_scores_as_one_at_a_time():
    """match_many (blocked, batched) gives the scores score_candidates gives, on the pairs
    that share a word's first two letters."""
    import random
    from datetime import date

    rng = random.Random(5)
    syllables = [c + v for c in "bdgklmnrstvz" for v in "aeiou"]

    def name() -> str:
        return " ".join(
            "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).title()
            for _ in range(rng.choice((2, 3)))
        )

    listed = [name() for _ in range(400)]
    candidates = [
        sanctions.Candidate(i, n, (f"{1950 + i % 40}",), ("RU",), sanctions.normalize_name(n))
        for i, n in enumerate(listed)
    ]
    people = [name() for _ in range(60)] + listed[:20] + [" ".join(reversed(listed[30].split()))]
    queries = [
        sanctions.Query(k, n, date(1950 + k % 40, 1, 1), frozenset({"RU"}))
        for k, n in enumerate(people)
    ]
    many = sanctions.match_many(queries=queries, candidates=candidates, threshold=85)
    for query in queries:
        one = sanctions.score_candidates(
            name=query.name,
            date_of_birth=query.date_of_birth,
            nationalities=set(query.nationalities),
            candidates=candidates,
            threshold=85,
        )
        assert sorted((m.entry_id, m.score) for m in many.get(query.key, [])) == sorted(
            (m.entry_id, m.score) for m in one
        )
    assert len(many) >= 21  # the 20 listed names and the reversed one at least


def test_officers_see_each_load_with_its_version_date_and_rescreening(
    tmp_path, officer, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_sanctions(path=write_ftm(tmp_path / "v1.json", FIRST), version="2026-01-10.1")
    client.force_login(officer)
    page = client.get("/compliance/reports/").content.decode()
    assert "2026-01-10.1" in page and "2026-01-10" in page
    assert "2 entries against 0 investors" in page
