from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.audit.context import acting_as
from apps.onboarding.sanctions import SanctionsFormatError
from apps.onboarding.services.rescreening import load_sanctions


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--published {value!r}: give a date as YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Load a consolidated sanctions list (OpenSanctions FtM JSON lines or targets.simple.csv, "
        "or OFAC sdn.csv with its sdn_comments.csv). All or nothing; a reload of the same source "
        "updates it, and every approved and pending investor is screened again against what "
        "changed (Celery task onboarding.rescreen)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source", help="name of the list (default: opensanctions or ofac-sdn by format)"
        )
        parser.add_argument(
            "--comments",
            type=Path,
            help="OFAC sdn_comments.csv (default: the one beside sdn.csv, if there is one)",
        )
        parser.add_argument(
            "--list-version", default="", help="the edition, as its publisher names it"
        )
        parser.add_argument("--published", default="", help="the edition's date, YYYY-MM-DD")

    def handle(self, *args, path: Path, source: str | None, **options) -> None:
        comments = options["comments"]
        beside = path.with_name("sdn_comments.csv")
        if comments is None and path.name.lower() == "sdn.csv" and beside.is_file():
            comments = beside
            self.stdout.write(f"with {beside}")
        published = _date(options["published"]) if options["published"] else None
        try:
            with acting_as("manage.py load_sanctions"):
                loaded = load_sanctions(
                    path=path,
                    source=source,
                    comments_path=comments,
                    version=options["list_version"][:100],
                    published_on=published,
                )
        except SanctionsFormatError as exc:
            raise CommandError(str(exc)) from exc
        dated = f", dated {loaded.published_on}" if loaded.published_on else ""
        self.stdout.write(
            f"{loaded.source} {loaded.version}{dated}: {loaded.entry_count} entries loaded from "
            f"{path} ({loaded.format}): {loaded.added} added, {loaded.changed} changed, "
            f"{loaded.removed} removed, {loaded.address_count} digital currency addresses; "
            "re-screening queued"
        )
