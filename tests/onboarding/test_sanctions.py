from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.onboarding.models import KycCase, SanctionsEntry, SanctionsList, ScreeningHit
from apps.onboarding.services import cases, documents
from tests.factories import KycCaseFactory
from tests.onboarding.conftest import PDF, PNG

pytestmark = pytest.mark.django_db

FTM = [
    {
        "id": "NK-abc123",
        "schema": "Person",
        "properties": {
            "name": ["Viktor Petrovich Sanctionov"],
            "alias": ["Viktor Sanktionov"],
            "birthDate": ["1961-03-04"],
            "nationality": ["ru"],
        },
    },
    {"id": "sanction-1", "schema": "Sanction", "properties": {"program": ["EU"]}},
    {
        "id": "NK-org9",
        "schema": "Company",
        "properties": {"name": ["Shadow Trading LLC"], "country": ["ir"]},
    },
]
SIMPLE_CSV = (
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
    "dataset,first_seen,last_seen,last_change\n"
    "Q1,Person,Maria Blocked-Person,Maria Blocked;M. Blockedperson,1970-01-02,by,,,EU list,,,"
    "sanctions,2020-01-01,2026-01-01,2026-01-01\n"
    "Q2,Organization,Acme Proliferation,,,kp,,,UN,,,sanctions,2020-01-01,2026-01-01,2026-01-01\n"
)
OFAC = (
    '36,"AEROCARIBBEAN AIRLINES",-0-,"CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Havana, Cuba."\n'
    '306,"HASSAN, Ali Reza","individual","SDGT] [IRGC",-0-,-0-,-0-,-0-,-0-,-0-,-0-,'
    "\"DOB 12 Aug 1972; POB Tehran, Iran; nationality Iran; a.k.a. 'HASAN, Alireza'.\"\n"
    "\x1a\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_opensanctions_ftm_json_lines(tmp_path):
    path = _write(tmp_path, "entities.ftm.json", "\n".join(json.dumps(e) for e in FTM) + "\n")
    call_command("load_sanctions", str(path))
    loaded = SanctionsList.objects.get()
    assert (loaded.source, loaded.format, loaded.entry_count) == ("opensanctions", "ftm", 2)
    person = SanctionsEntry.objects.get(external_id="NK-abc123")
    assert person.aliases == ["Viktor Sanktionov"]
    assert person.birth_dates == ["1961-03-04"] and person.nationalities == ["RU"]


def test_load_opensanctions_targets_simple_csv(tmp_path):
    path = _write(tmp_path, "targets.simple.csv", SIMPLE_CSV)
    call_command("load_sanctions", str(path), "--source", "os-simple")
    entry = SanctionsEntry.objects.get(external_id="Q1")
    assert entry.aliases == ["Maria Blocked", "M. Blockedperson"]
    assert entry.nationalities == ["BY"] and entry.sanctions_list.source == "os-simple"


def test_load_ofac_sdn_csv(tmp_path):
    path = _write(tmp_path, "sdn.csv", OFAC)
    call_command("load_sanctions", str(path))
    assert SanctionsList.objects.get().source == "ofac-sdn"
    person = SanctionsEntry.objects.get(external_id="306")
    assert person.schema == "Person"
    assert person.birth_dates == ["12 Aug 1972"]
    assert person.nationalities == ["IR"]
    assert person.aliases == ["HASAN, Alireza"]
    assert SanctionsEntry.objects.get(external_id="36").programs == "CUBA"


def test_bad_file_loads_nothing_and_names_every_problem(tmp_path):
    good = _write(tmp_path, "sdn.csv", OFAC)
    call_command("load_sanctions", str(good))
    bad = _write(
        tmp_path,
        "sdn-bad.csv",
        OFAC.replace("\x1a\n", "")
        + '307,"",individual,X,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n'
        + "abc,NAME,individual\n",
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("load_sanctions", str(bad), "--source", "ofac-sdn")
    message = str(excinfo.value)
    assert "line 3: SDN_Name is empty" in message
    assert "line 4: expected 12 columns, found 3" in message
    assert "nothing loaded" in message
    # The earlier good load is intact.
    assert SanctionsList.objects.get().path == str(good)
    assert SanctionsEntry.objects.count() == 2


def test_invalid_json_line_is_reported_with_its_number(tmp_path):
    path = _write(tmp_path, "x.json", json.dumps(FTM[0]) + "\n{not json\n")
    with pytest.raises(CommandError, match="line 2: invalid JSON"):
        call_command("load_sanctions", str(path))
    assert not SanctionsEntry.objects.exists()


def test_unknown_format_and_missing_file_are_clear(tmp_path):
    with pytest.raises(CommandError, match="not an OpenSanctions"):
        call_command("load_sanctions", str(_write(tmp_path, "x.txt", "hello,world\n")))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_sanctions", str(tmp_path / "absent.csv"))


def test_reload_replaces_the_same_source(tmp_path):
    path = _write(tmp_path, "sdn.csv", OFAC)
    call_command("load_sanctions", str(path))
    call_command("load_sanctions", str(_write(tmp_path, "sdn2.csv", OFAC.splitlines()[0] + "\n")))
    assert SanctionsEntry.objects.count() == 1


def _submitted(full_name: str, born: date, citizenships: list[str]) -> KycCase:
    case = KycCaseFactory(
        declaration__full_name=full_name,
        declaration__date_of_birth=born,
        declaration__citizenships=citizenships,
    )
    for kind, content in (("identity", PNG), ("address", PDF)):
        documents.store_document(
            case=case, kind=kind, upload=SimpleUploadedFile("f", content), user=case.user
        )
    return cases.submit_case(case=case, actor=case.user)


@pytest.fixture
def ofac_loaded(tmp_path):
    call_command("load_sanctions", str(_write(tmp_path, "sdn.csv", OFAC)))


def test_potential_hit_sends_case_to_manual_review_with_entry_and_score(ofac_loaded):
    case = _submitted("Alireza Hassan", date(1972, 8, 12), ["IR", "DE"])
    case.refresh_from_db()
    assert case.state == "in_review" and case.high_risk
    hit = ScreeningHit.objects.get(case=case)
    assert hit.external_id == "306" and hit.source == "ofac-sdn"
    assert hit.entry_name == "HASSAN, Ali Reza"
    assert hit.entry_snapshot["birth_dates"] == ["12 Aug 1972"]
    assert float(hit.score) >= 85
    assert case.transitions.last().note.startswith("Potential sanctions match")


def test_clear_name_stays_submitted(ofac_loaded):
    case = _submitted("Alice Example", date(1985, 5, 17), ["DE"])
    assert KycCase.objects.get(pk=case.pk).state == "submitted"
    assert not ScreeningHit.objects.exists()


def test_different_birth_year_lowers_the_score(ofac_loaded, settings):
    settings.SANCTIONS_MATCH_THRESHOLD = 0
    same = _submitted("Ali Reza Hassan", date(1972, 1, 1), ["IR"])
    other = _submitted("Ali Reza Hassan", date(1990, 1, 1), ["DE"])
    best = {c: ScreeningHit.objects.filter(case=c).first().score for c in (same, other)}
    assert best[same] > best[other]


def test_latin1_ofac_file_and_bom_csv_are_read(tmp_path):
    latin = tmp_path / "sdn.csv"
    latin.write_bytes(
        '400,"MUÑOZ, José","individual","CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n'.encode("latin-1")
    )
    call_command("load_sanctions", str(latin))
    assert SanctionsEntry.objects.get(external_id="400").name == "MUÑOZ, José"
    bom = tmp_path / "targets.simple.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + SIMPLE_CSV.encode())
    call_command("load_sanctions", str(bom))
    assert SanctionsEntry.objects.filter(sanctions_list__source="opensanctions").count() == 2
    # Accents do not hide a match: the name is normalised at load.
    assert SanctionsEntry.objects.get(external_id="400").search_names == ["munoz jose"]
