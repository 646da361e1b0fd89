"""Register locations and process them before returning, printing what was stored.

    python manage.py catalog_import /abs/path/catalog-info.yaml https://host/catalog-info.yaml

Exits 1 when a location could not be read at all; per-file and per-entity errors are
printed but do not change the exit status (the good files are stored).
"""

import os
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog import services
from catalog.models import Location, ProcessingError


class Command(BaseCommand):
    help = "Register catalog locations (paths or URLs) and ingest them now."

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="+", metavar="PATH_OR_URL")

    def handle(self, *args, targets, **options):
        unreadable = 0
        for raw in targets:
            location_type, target = services.location_guess(raw=raw)
            if location_type == "file":
                target = os.path.abspath(target)
            try:
                location_type, target = services.location_target_clean(type=location_type, target=target)
            except ValidationError as exc:
                raise CommandError(f"{raw}: {'; '.join(m for ms in exc.message_dict.values() for m in ms)}") from None
            location, _ = Location.objects.get_or_create(type=location_type, target=target)
            started = time.perf_counter()
            stats = services.location_refresh(location_id=location.pk)
            location.refresh_from_db()
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"{location.ref}: {location.entity_count} entities stored "
                f"({stats.added} added, {stats.updated} updated, {stats.unchanged} unchanged, "
                f"{stats.orphaned} orphaned), {location.error_count} errors, {elapsed:.2f}s"
            )
            for error in ProcessingError.objects.filter(location=location).order_by("source", "document", "id"):
                where = error.source + (f" document {error.document}" if error.document else "")
                self.stdout.write(f"  error: {where}: {error.message}")
            if location.status == Location.Status.FAILED:
                unreadable += 1
        if unreadable:
            raise CommandError(f"{unreadable} location(s) could not be read at all")
