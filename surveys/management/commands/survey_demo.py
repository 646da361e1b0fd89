"""Load the demo organisation's survey history (four past quarters plus the open one)."""

from django.core.management.base import BaseCommand

from surveys.demo import demo_surveys_load


class Command(BaseCommand):
    help = "Create four past quarters of synthetic survey answers and the current quarter's open campaign."

    def handle(self, *args, **options):
        created = demo_surveys_load()
        self.stdout.write(f"Demo surveys: {len(created)} campaign(s) created." if created
                          else "Demo surveys already loaded.")
