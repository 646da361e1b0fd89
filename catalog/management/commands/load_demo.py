"""Load the demo organisation shipped in demo/catalog/ (idempotent: re-running refreshes it)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Register and ingest the demo organisation's catalog (demo/catalog/all.yaml)."

    def handle(self, *args, **options):
        root = settings.BASE_DIR / "demo" / "catalog" / "all.yaml"
        call_command("catalog_import", str(root), stdout=self.stdout, stderr=self.stderr)
