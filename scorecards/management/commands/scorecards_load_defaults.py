"""Load (or refresh) the two scorecards shipped with Paved; idempotent, run by `make run`."""

from django.core.management.base import BaseCommand

from scorecards.models import Scorecard
from scorecards.services.definitions import scorecards_load_defaults


class Command(BaseCommand):
    help = "Register or refresh the default scorecards (service maturity, documentation standards)."

    def handle(self, *args, **options):
        for card in scorecards_load_defaults():
            if card.status == Scorecard.Status.OK:
                self.stdout.write(f"{card.slug}: loaded ({card.target}).")
            else:
                self.stderr.write(self.style.ERROR(f"{card.slug}: {card.message}"))
