from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Custodian, HoldingStatement
from .services import StatementRejected, import_statement, max_statement_bytes

RECENT_STATEMENTS = 20  # rows under the upload form


def can_import_statements(user: object) -> bool:
    """Compliance staff: the add permission on statements or the compliance group."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.has_perm("custody.add_holdingstatement"):  # type: ignore[attr-defined]
        return True
    return user.groups.filter(name=settings.COMPLIANCE_GROUP).exists()  # type: ignore[attr-defined]


class StatementUploadForm(forms.Form):
    file = forms.FileField(help_text="ISO 20022 semt.002 XML or CSV")
    custodian = forms.ModelChoiceField(
        Custodian.objects.all(), required=False, to_field_name="slug", empty_label="(from file)"
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > max_statement_bytes():
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; statements are limited to "
                f"{max_statement_bytes()} bytes."
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def statement_upload(request: HttpRequest) -> HttpResponse:
    if not can_import_statements(request.user):
        raise PermissionDenied("compliance staff only")
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_statement(
                data=upload.read(),
                source_name=upload.name,
                custodian=form.cleaned_data["custodian"],
                user=request.user,
                via="upload",
            )
        except StatementRejected as exc:
            form.add_error("file", f"Refused, nothing imported: {exc}")
        else:
            messages.success(request, f"{upload.name}: {result.message}")
            return redirect("custody-statement-upload")
    recent = (
        HoldingStatement.objects.without_source()
        .select_related("custodian", "account", "imported_by")
        .order_by("-imported_at", "-pk")[:RECENT_STATEMENTS]
    )
    status = 400 if form.errors else 200
    return render(request, "custody/upload.html", {"form": form, "recent": recent}, status=status)
