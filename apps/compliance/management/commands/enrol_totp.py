from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.audit.context import acting_as
from apps.compliance.services.second_factor import enrol_totp
from apps.core.staff import is_staff_user


class Command(BaseCommand):
    help = (
        "Enrol a TOTP authenticator for a staff account and print its otpauth:// URL "
        "(scan it, or type the key, in an authenticator app). The enrolment is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="authenticator", help="device label")

    def handle(self, *args: Any, email: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=email.strip()).first()
        if user is None or not is_staff_user(user):
            raise CommandError(f"{email!r} is not a staff account (create_officer first)")
        with acting_as("manage.py enrol_totp"):
            device = enrol_totp(user=user, name=name)
        self.stdout.write(device.config_url)
