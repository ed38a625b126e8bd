from __future__ import annotations

import getpass
import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.audit.context import acting_as


class Command(BaseCommand):
    help = (
        "Create a compliance officer (or add an existing user to the Compliance group). "
        "The password is asked for, or read from OFFICER_PASSWORD. The grant is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        User = get_user_model()
        email = User.objects.normalize_email(email.strip()).lower()  # as sign-up does
        if "@" not in email:
            raise CommandError(f"{email!r} is not an e-mail address")
        group = Group.objects.filter(name=settings.COMPLIANCE_GROUP).first()
        if group is None:
            raise CommandError(f"no group {settings.COMPLIANCE_GROUP!r}: run migrate first")
        user = User.objects.filter(username__iexact=email).first()
        password = None
        if user is None:
            password = os.environ.get("OFFICER_PASSWORD") or getpass.getpass("Password: ")
            try:
                validate_password(password, User(username=email, email=email))
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        created = user is None
        with transaction.atomic(), acting_as("manage.py create_officer"):
            if created:
                user = User.objects.create_user(username=email, email=email, password=password)
            if user.groups.filter(pk=group.pk).exists():
                self.stdout.write(f"{email} is already a compliance officer")
                return
            user.groups.add(group)  # audited as officer.grant (apps.compliance.signals)
        self.stdout.write(
            f"{email} is now a compliance officer{' (new account)' if created else ''}"
        )
