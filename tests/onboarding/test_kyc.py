from __future__ import annotations

import hashlib
import stat

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.onboarding import errors
from apps.onboarding.models import CaseState, KycCase, KycDocument, KycTransition
from apps.onboarding.services import cases, documents
from tests.factories import UserFactory
from tests.onboarding.conftest import DE_IP, EXE, JPEG, PDF, PNG, make_pdf

pytestmark = pytest.mark.django_db


def _upload(client, kind: str, name: str, content: bytes):
    return client.post(
        "/onboarding/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        REMOTE_ADDR=DE_IP,
        follow=True,
    )


# State machine ---------------------------------------------------------------


def test_legal_transitions_are_recorded(investor_case, officer):
    user = investor_case.user
    cases.transition_case(case=investor_case, to_state="submitted", actor=user)
    cases.transition_case(case=investor_case, to_state="in_review", actor=officer)
    cases.transition_case(case=investor_case, to_state="more_info", actor=officer, note="Blurry")
    cases.transition_case(case=investor_case, to_state="submitted", actor=user)
    cases.transition_case(case=investor_case, to_state="in_review", actor=officer)
    cases.transition_case(case=investor_case, to_state="approved", actor=officer)
    case = KycCase.objects.get()
    assert case.state == "approved" and case.decided_at is not None
    moves = list(KycTransition.objects.values_list("from_state", "to_state", "actor", "note"))
    assert moves[0] == ("draft", "submitted", user.pk, "")
    assert moves[2] == ("in_review", "more_info", officer.pk, "Blurry")
    assert moves[-1] == ("in_review", "approved", officer.pk, "")


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "approved"),
        ([], "in_review"),
        (["submitted"], "approved"),
        (["submitted", "in_review", "rejected"], "submitted"),
        (["submitted", "in_review", "approved"], "rejected"),
    ],
)
def test_illegal_transitions_are_impossible(investor_case, officer, path, illegal):
    for state in path:
        cases.transition_case(case=investor_case, to_state=state, actor=officer)
    before = KycTransition.objects.count()
    with pytest.raises(errors.IllegalTransition):
        cases.transition_case(case=investor_case, to_state=illegal, actor=officer)
    assert KycTransition.objects.count() == before
    assert KycCase.objects.get().state == (path[-1] if path else "draft")


def test_state_cannot_be_written_around_the_machine(investor_case):
    case = KycCase.objects.get()
    case.state = CaseState.APPROVED
    with pytest.raises(ValueError, match="transition_case"):
        case.save()
    with pytest.raises(ValueError, match="starts as draft"):
        KycCase(user=UserFactory(), declaration=investor_case.declaration, state="approved").save()
    assert KycCase.objects.get().state == "draft"


def test_stale_instance_cannot_move_a_case_twice(investor_case, officer):
    stale = KycCase.objects.get()
    cases.transition_case(case=investor_case, to_state="submitted", actor=officer)
    with pytest.raises(errors.IllegalTransition, match="changed meanwhile"):
        cases.transition_case(case=stale, to_state="submitted", actor=officer)
    assert KycTransition.objects.count() == 1


# Documents -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("passport.png", PNG, "image/png"),
        ("scan.JPG", JPEG, "image/jpeg"),
        ("id", PDF, "application/pdf"),
    ],
)
def test_documents_are_recognised_by_content(
    client, investor_case, kyc_storage, name, content, content_type
):
    client.force_login(investor_case.user)
    response = _upload(client, "identity", name, content)
    assert "Document received." in response.content.decode()
    doc = KycDocument.objects.get()
    assert doc.content_type == content_type
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size == len(content)
    stored = kyc_storage / doc.storage_name
    assert stored.read_bytes() == content
    assert name not in doc.storage_name  # random name, not the user's
    media = django_settings.MEDIA_ROOT
    assert not str(stored.resolve()).startswith(str(media.resolve()))


def test_executable_renamed_pdf_is_refused(client, investor_case, kyc_storage):
    client.force_login(investor_case.user)
    response = _upload(client, "identity", "passport.pdf", EXE)
    assert "Only PDF, JPEG or PNG files are accepted." in response.content.decode()
    assert not KycDocument.objects.exists()
    assert not kyc_storage.exists() or not any(kyc_storage.iterdir())


def test_eleven_megabyte_upload_is_refused(client, investor_case, kyc_storage):
    client.force_login(investor_case.user)
    big = PDF + b"\x00" * (11 * 1024 * 1024)
    response = _upload(client, "address", "statement.pdf", big)
    assert response.status_code == 413
    assert "larger than 10 MB" in response.content.decode()
    assert not KycDocument.objects.exists()


def test_oversized_body_is_refused_by_its_length_before_it_is_read(client, investor_case):
    """The request claims 50 MB but carries a few bytes: only a check made before reading
    the body can answer 413 (reading it would find a small, broken form)."""
    client.force_login(investor_case.user)
    response = client.generic(
        "POST",
        "/onboarding/documents/",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 413
    assert not KycDocument.objects.exists()


def test_upload_over_the_limit_is_stopped_while_streaming(client, investor_case, settings):
    """Within the Content-Length allowance, the upload handler still stops at the limit."""
    settings.KYC_MAX_UPLOAD_BYTES = 1024
    client.force_login(investor_case.user)
    response = client.post(
        "/onboarding/documents/",
        {"kind": "address", "file": SimpleUploadedFile("big.png", PNG + b"\x00" * 4096)},
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 413
    assert not KycDocument.objects.exists()


def test_file_at_the_limit_is_accepted(client, investor_case, settings):
    settings.KYC_MAX_UPLOAD_BYTES = len(PNG) + 10
    client.force_login(investor_case.user)
    _upload(client, "address", "ok.png", PNG)
    response = client.post(
        "/onboarding/documents/",
        {"kind": "address", "file": SimpleUploadedFile("big.png", PNG + b"\x00" * 11)},
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 413
    assert KycDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.pdf", make_pdf(javascript="app.alert('x')"), "active content"),
        ("attached.pdf", make_pdf(attachment=b"<html><script>alert(1)</script>"), "active"),
        # The probe's file: a PDF header carrying HTML and script.
        ("page.pdf", b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>", "PDF"),
        ("polyglot.pdf", PDF + b"<html><script>alert(1)</script></html>", "after its end"),
        (
            "empty.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "PDF",
        ),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image could not be read"),
        ("fake.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image could not"),
    ],
)
def test_documents_that_do_not_parse_or_carry_code_are_refused(
    client, investor_case, kyc_storage, name, content, message
):
    client.force_login(investor_case.user)
    response = _upload(client, "identity", name, content)
    assert message in response.content.decode()
    assert not KycDocument.objects.exists()
    assert not kyc_storage.exists() or not any(kyc_storage.iterdir())


def test_image_with_too_many_pixels_is_refused(client, investor_case, settings):
    settings.KYC_MAX_IMAGE_PIXELS = 1000
    client.force_login(investor_case.user)
    response = _upload(client, "identity", "huge.png", PNG)  # 64 x 40 = 2,560 pixels
    assert "too many pixels" in response.content.decode()
    assert not KycDocument.objects.exists()


def test_stored_documents_are_readable_by_the_site_user_only(investor_case, kyc_storage):
    doc = _document_for(investor_case)
    assert stat.S_IMODE((kyc_storage / doc.storage_name).stat().st_mode) == 0o600
    assert stat.S_IMODE(kyc_storage.stat().st_mode) == 0o700


def test_no_upload_after_submission(investor_case):
    cases.transition_case(case=investor_case, to_state="submitted", actor=None)
    with pytest.raises(errors.OnboardingError, match="before you submit"):
        documents.store_document(
            case=investor_case,
            kind="identity",
            upload=SimpleUploadedFile("p.png", PNG),
            user=investor_case.user,
        )


def _document_for(case) -> KycDocument:
    return documents.store_document(
        case=case, kind="identity", upload=SimpleUploadedFile("p.png", PNG), user=case.user
    )


def test_owner_and_officer_can_read_a_document(client, investor_case, officer):
    doc = _document_for(investor_case)
    for user in (investor_case.user, officer):
        client.force_login(user)
        response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR=DE_IP)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert "no-store" in response["Cache-Control"]


def test_investor_a_asking_for_investor_b_document_gets_404(client, investor_case, outsider_case):
    doc_b = _document_for(outsider_case)
    client.force_login(investor_case.user)
    assert client.get(f"/onboarding/documents/{doc_b.pk}/", REMOTE_ADDR=DE_IP).status_code == 404
    # Same answer as for a document that does not exist.
    assert client.get("/onboarding/documents/999999/", REMOTE_ADDR=DE_IP).status_code == 404


def test_anonymous_is_sent_to_log_in_for_a_document(client, investor_case):
    doc = _document_for(investor_case)
    response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR=DE_IP)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_documents_have_no_public_url(investor_case, settings):
    doc = _document_for(investor_case)
    with pytest.raises(ValueError, match="no URL"):
        documents.kyc_storage().url(doc.storage_name)
    assert not str(settings.KYC_STORAGE_DIR).startswith(str(settings.MEDIA_ROOT))
    assert not str(settings.KYC_STORAGE_DIR).startswith(str(settings.STATIC_ROOT))
    assert doc.storage_name


# Submission ------------------------------------------------------------------


def test_submit_needs_both_documents(client, investor_case):
    client.force_login(investor_case.user)
    _upload(client, "identity", "p.png", PNG)
    response = client.post("/onboarding/submit/", REMOTE_ADDR=DE_IP, follow=True)
    assert "Add your proof of address first." in response.content.decode()
    assert KycCase.objects.get().state == "draft"
    _upload(client, "address", "bill.pdf", PDF)
    client.post("/onboarding/submit/", REMOTE_ADDR=DE_IP)
    case = KycCase.objects.get()
    assert case.state == "submitted" and not case.high_risk


# session, the rules in force (the gate), user, profile, case, documents, history, declaration,
# the staff check of the header
DASHBOARD_QUERIES = 9


def test_dashboard_query_count_is_pinned_whatever_the_documents(
    client, get_with_queries, investor_case
):
    client.force_login(investor_case.user)
    _document_for(investor_case)
    get_with_queries("/onboarding/", DASHBOARD_QUERIES, REMOTE_ADDR=DE_IP)
    for _ in range(15):
        _document_for(investor_case)
    cases.transition_case(case=investor_case, to_state="submitted", actor=None)
    cases.transition_case(case=investor_case, to_state="in_review", actor=None)
    get_with_queries("/onboarding/", DASHBOARD_QUERIES, REMOTE_ADDR=DE_IP)


def test_other_users_case_is_not_touched_by_upload(client, investor_case, outsider_case):
    client.force_login(investor_case.user)
    _upload(client, "identity", "p.png", PNG)
    assert KycDocument.objects.get().case == investor_case
    assert not KycCase.objects.filter(pk=outsider_case.pk, documents__isnull=False).exists()


def test_documents_are_served_as_sandboxed_downloads(client, investor_case):
    pdf = documents.store_document(
        case=investor_case,
        kind="address",
        upload=SimpleUploadedFile("a.pdf", PDF),
        user=investor_case.user,
    )
    png = _document_for(investor_case)
    client.force_login(investor_case.user)
    for doc, extension in ((pdf, "pdf"), (png, "png")):
        response = client.get(f"/onboarding/documents/{doc.pk}/", REMOTE_ADDR=DE_IP)
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f'attachment; filename="kyc-{doc.pk}-{doc.kind}.{extension}"'
        )
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_upload_without_csrf_token_is_refused(investor_case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(investor_case.user)
    response = client.post(
        "/onboarding/documents/",
        {"kind": "identity", "file": SimpleUploadedFile("p.png", PNG)},
        REMOTE_ADDR=DE_IP,
    )
    assert response.status_code == 403
    assert not KycDocument.objects.exists()
