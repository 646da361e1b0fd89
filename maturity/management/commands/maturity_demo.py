"""Take the first assessment snapshot of the demo organisation (idempotent: a quarter that has one keeps it)."""

from django.core.management.base import BaseCommand

from maturity.services.assessment import snapshot_take_due


class Command(BaseCommand):
    help = "Take this quarter's platform maturity snapshot unless it has one already."

    def handle(self, *args, **options):
        try:
            snapshot = snapshot_take_due()
        except ModuleNotFoundError as exc:
            # Before scorecards and insights are merged their contract modules are missing: the demo
            # setup goes on without a snapshot rather than stopping `make run`.
            self.stderr.write(f"Maturity snapshot not taken: {exc}.")
            return
        if snapshot is None:
            self.stdout.write("Maturity snapshot of this quarter already taken.")
        else:
            level = "not scored" if snapshot.overall_level is None else f"Level {snapshot.overall_level}"
            self.stdout.write(f"Maturity snapshot of {snapshot.quarter} taken: {level}.")
