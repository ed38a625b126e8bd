from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.staff import staff_required

from .models import Custodian, HoldingStatement
from .services import StatementRejected, import_statement, max_statement_bytes

RECENT_STATEMENTS = 20  # rows under the upload form


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


@require_http_methods(["GET", "POST"])
@staff_required(permission="custody.add_holdingstatement")
def statement_upload(request: HttpRequest) -> HttpResponse:
    """Compliance staff (the group, or the add permission on statements), second factor
    confirmed when COMPLIANCE_REQUIRE_OTP is on."""
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
