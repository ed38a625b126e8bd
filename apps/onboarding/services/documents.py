"""KYC documents: checked with real parsers, stored privately, served as downloads.

A PDF must parse with pypdf, have pages, carry no JavaScript, embedded file,
launch or form-submission action, not be encrypted, and end at its %%EOF. An
image must be a PNG or JPEG that Pillow opens, verifies and decodes, within
KYC_MAX_IMAGE_PIXELS. Files are stored 0600 in a 0700 directory under a random
name, and only ever sent as attachments under a sandboxing CSP.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import record
from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import DocumentKind, KycCase, KycDocument

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
MAX_PDF_PAGES = 100  # an identity document or a bill has a few
# PDF names that run code, open other files or send data: refused anywhere in the file.
FORBIDDEN_PDF_KEYS = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)
FORBIDDEN_PDF_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/GoToE",
        "/GoToR",
        "/ImportData",
        "/SubmitForm",
        "/RichMediaExecute",
        "/Rendition",
    }
)
PDF_TYPE, JPEG_TYPE, PNG_TYPE = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF_TYPE: "pdf", JPEG_TYPE: "jpg", PNG_TYPE: "png"}


class PrivateStorage(FileSystemStorage):
    """Files that no URL reaches: served only by views that check permission."""

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL; serve them through a permission check")


def kyc_storage() -> PrivateStorage:
    """The KYC directory (settings.KYC_STORAGE_DIR), outside MEDIA_ROOT and STATIC_ROOT,
    readable by the site's user only."""
    location = Path(settings.KYC_STORAGE_DIR)
    location.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    os.chmod(location, DIRECTORY_MODE)
    return PrivateStorage(
        location=str(location),
        file_permissions_mode=FILE_MODE,
        directory_permissions_mode=DIRECTORY_MODE,
    )


def _walk_pdf(root) -> str:
    """The first forbidden thing found in the PDF object graph from `root`, or ""."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            keys = set(obj.keys())
            bad = keys & FORBIDDEN_PDF_KEYS
            if bad:
                return f"it contains {sorted(bad)[0][1:]}"
            action = obj.get("/S", "")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if str(action) in FORBIDDEN_PDF_ACTIONS:
                return f"it contains a {str(action)[1:]} action"
            if "/AA" in keys:
                return "it contains automatic actions"
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return ""


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that does not parse or that carries active content."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.rstrip(b"\x00\t\n\r\f ").endswith(b"%%EOF"):
        raise OnboardingError(_("The PDF has data after its end: save it again and retry."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise OnboardingError(_("Password-protected PDFs are not accepted."))
        pages = len(reader.pages)
        problem = _walk_pdf(reader.trailer)
    except OnboardingError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise OnboardingError(_("The PDF could not be read: save it again and retry.")) from exc
    if not 1 <= pages <= MAX_PDF_PAGES:
        raise OnboardingError(
            _("The PDF must have between 1 and %(pages)d pages.") % {"pages": MAX_PDF_PAGES}
        )
    if problem:
        raise OnboardingError(
            _("PDFs with active content are not accepted (%(problem)s).") % {"problem": problem}
        )


def check_image(data: bytes, expected_format: str) -> None:
    """Refuse an image that Pillow cannot open, verify and decode, or that is too large."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected_format:
                    raise OnboardingError(_("Only PDF, JPEG or PNG files are accepted."))
                width, height = image.size
                if width * height > settings.KYC_MAX_IMAGE_PIXELS:
                    raise OnboardingError(_("The image has too many pixels: send a smaller scan."))
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except OnboardingError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise OnboardingError(_("The image could not be read: save it again and retry.")) from exc


def identify(data: bytes) -> str:
    """PDF, JPEG or PNG by the file's content (never its name), checked by a real parser."""
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return PDF_TYPE
    if data.startswith(b"\xff\xd8\xff"):
        check_image(data, "JPEG")
        return JPEG_TYPE
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        check_image(data, "PNG")
        return PNG_TYPE
    raise OnboardingError(_("Only PDF, JPEG or PNG files are accepted."))


def _too_large() -> OnboardingError:
    return OnboardingError(
        _("The file is larger than %(mb)d MB.")
        % {"mb": settings.KYC_MAX_UPLOAD_BYTES // (1024 * 1024)}
    )


@transaction.atomic
def store_document(
    *,
    case: KycCase,
    kind: str,
    upload: UploadedFile,
    user: AbstractBaseUser,
    expires_on: date | None = None,
) -> KycDocument:
    """Check size and content, hash, store privately under a random name, record.

    `expires_on` is the last day the document is valid (identity documents), if given.
    """
    if not case.editable_by_investor:
        raise OnboardingError(_("Documents can be added only before you submit."))
    if kind not in DocumentKind.values:
        raise OnboardingError(_("Choose the kind of document."))
    limit = settings.KYC_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise _too_large()
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    content_type = identify(data)
    name = kyc_storage().save(uuid.uuid4().hex, ContentFile(data))
    try:
        return KycDocument.objects.create(
            case=case,
            kind=kind,
            original_name=Path(upload.name or "upload").name[:255],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_name=name,
            uploaded_by=user,
            expires_on=expires_on,
        )
    except Exception:
        kyc_storage().delete(name)
        raise


@dataclass(frozen=True)
class OpenedDocument:
    handle: BinaryIO
    content_type: str
    filename: str


def open_document(
    *, document: KycDocument, viewer: AbstractBaseUser, ip: str | None
) -> OpenedDocument:
    """Open a stored document for a viewer already authorised; every opening is audited."""
    handle = kyc_storage().open(document.storage_name, "rb")
    record(
        actor=viewer,
        action="document.view",
        obj=document,
        after={"case": document.case_id, "sha256": document.sha256},
        ip=ip,
    )
    extension = EXTENSIONS[document.content_type]
    return OpenedDocument(
        handle=handle,
        content_type=document.content_type,
        filename=f"kyc-{document.pk}-{document.kind}.{extension}",
    )
