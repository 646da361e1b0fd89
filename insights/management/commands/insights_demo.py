"""Load a year of delivery, incident, cost and platform data for the demo organisation (idempotent)."""

import time

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from insights.demo import SEED, load


class Command(BaseCommand):
    help = ("Send a seeded year of GitHub/PagerDuty webhooks and a FOCUS cost export for the demo organisation "
            "through Paved's own ingestion, plus ticket counts, headcount and platform checks. Run load_demo first.")

    def add_arguments(self, parser):
        parser.add_argument("--actor", default="admin",
                            help="The account the imports are made as (a platform admin; default: admin).")
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, **options):
        actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active account {options['actor']!r}: run `manage.py ensure_admin` first, or "
                               "name a platform admin with --actor.")
        started = time.monotonic()
        try:
            result = load(actor=actor, seed=options["seed"], log=lambda line: self.stdout.write(line))
        except ImproperlyConfigured as exc:
            raise CommandError(f"The demo cannot send webhooks: {exc}") from None
        except ImportError as exc:
            raise CommandError(f"This build lacks part of insights ({exc}); the demo needs the delivery events "
                               "and cost apps.") from None
        self.stdout.write(
            f"insights demo: {result.deliveries} deliveries stored ({result.duplicates} already there), "
            f"{result.processed} processed, {result.cost_lines} cost lines, {result.ticket_rows} ticket counts, "
            f"{result.headcount_rows} headcount rows, {result.uptime_days} new uptime days, "
            f"{result.template_runs} template runs, {result.accounts} accounts, in {time.monotonic() - started:.1f}s.")
        for note in result.notes:
            self.stderr.write(note)
