from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.custody.models import HoldingStatement
from tests.reserves.conftest import AAPL_ISIN
from tests.reserves.helpers import semt002

pytestmark = pytest.mark.django_db
URL = "/custody/statements/upload/"


@pytest.fixture
def people(django_user_model):
    """alice: compliance officer (group); bob: investor; charlie: outsider; dora: permission."""
    alice = django_user_model.objects.create_user("alice", password="pw-alice-123")
    alice.groups.add(Group.objects.create(name="Compliance"))
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123")
    charlie = django_user_model.objects.create_user("charlie", password="pw-charlie-123")
    dora = django_user_model.objects.create_user("dora", password="pw-dora-123")
    dora.user_permissions.add(Permission.objects.get(codename="add_holdingstatement"))
    return {"alice": alice, "bob": bob, "charlie": charlie, "dora": dora}


def _file(data=None, name="s.xml"):
    return SimpleUploadedFile(
        name, data or semt002(account="INC-001", holdings={AAPL_ISIN: "1000"})
    )


def test_anonymous_is_sent_to_log_in(client, aapl_world):
    response = client.post(URL, {"file": _file()})
    assert response.status_code == 302 and "login" in response["Location"]
    assert HoldingStatement.objects.count() == 0


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_investor_and_outsider_are_refused(client, aapl_world, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": _file()}).status_code == 403
    assert HoldingStatement.objects.count() == 0


@pytest.mark.parametrize("who", ["alice", "dora"])
def test_compliance_staff_import_a_statement(client, aapl_world, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"file": _file()}, follow=True)
    assert "imported statement STMT-1" in response.content.decode()
    statement = HoldingStatement.objects.get()
    assert statement.imported_by == people[who] and statement.imported_via == "upload"


def test_refused_upload_says_where_and_imports_nothing(client, aapl_world, people):
    client.force_login(people["alice"])
    bad = semt002(account="INC-001", holdings={"US0378331006": "1"})
    response = client.post(URL, {"file": _file(bad)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Refused, nothing imported" in html and "FinInstrmId/ISIN" in html
    assert HoldingStatement.objects.count() == 0


def test_oversized_upload_is_refused(client, aapl_world, people, settings):
    settings.CUSTODY_MAX_STATEMENT_BYTES = 100
    client.force_login(people["alice"])
    response = client.post(URL, {"file": _file()})
    assert response.status_code == 400 and "limited to 100 bytes" in response.content.decode()
    assert HoldingStatement.objects.count() == 0


def test_upload_without_csrf_token_is_refused(aapl_world, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["alice"])
    assert client.post(URL, {"file": _file()}).status_code == 403
    assert HoldingStatement.objects.count() == 0
