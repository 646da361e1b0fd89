"""Recompute portal facts and scores now, in this process (the beat does it on workers)."""

from django.core.management.base import BaseCommand

from scorecards.services import portal_facts, scoring


class Command(BaseCommand):
    help = "Re-read the portal facts of every entity and recompute every scorecard."

    def add_arguments(self, parser):
        parser.add_argument("--skip-facts", action="store_true", help="Only recompute scores.")

    def handle(self, *args, skip_facts: bool = False, **options):
        if not skip_facts:
            changed = portal_facts.portal_facts_refresh()
            self.stdout.write(f"Portal facts changed for {len(changed)} entities.")
        for slug, stats in scoring.scores_recompute_all().items():
            self.stdout.write(f"{slug}: {stats['entities']} entities, {stats['written']} written, "
                              f"{stats['removed']} removed in {stats['seconds']} s.")
