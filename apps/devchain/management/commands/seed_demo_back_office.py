from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.devchain.demo_back_office import seed_back_office


class Command(BaseCommand):
    help = (
        "Create the demo back office (fictitious applicants in every state, two demo officers) "
        "and print how to log in; demo_world runs it. A new password at every run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        for line in seed_back_office().lines(base_url.rstrip("/")):
            self.stdout.write(line)
