"""Create or update a survey campaign from a YAML file."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys import services


class Command(BaseCommand):
    help = "Load a survey campaign from YAML (title, quarter, opens_on, closes_on, audience, sections)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="+")

    def handle(self, *args, **options):
        for name in options["path"]:
            try:
                text = Path(name).read_text()
            except OSError as exc:
                raise CommandError(f"{name}: cannot read: {exc}") from None
            try:
                campaign = services.campaign_load_yaml(text=text)
            except ValidationError as exc:
                raise CommandError(f"{name}: {'; '.join(exc.messages)}") from None
            self.stdout.write(f"{name}: loaded {campaign} with {campaign.items.count()} questions.")
