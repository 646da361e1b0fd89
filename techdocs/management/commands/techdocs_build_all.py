"""Build the docs of every documented entity: `--enqueue` hands them to the workers instead."""

from django.core.management.base import BaseCommand

from techdocs import services
from techdocs.models import DocsBuild, DocsSite


class Command(BaseCommand):
    help = "Scan documented entities and build new or changed docs (now, or on workers with --enqueue)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the builds for Celery workers.")

    def handle(self, *args, enqueue: bool = False, **options):
        build_ids = services.docs_scan(enqueue=enqueue)
        if enqueue:
            self.stdout.write(f"Queued {len(build_ids)} docs build(s).")
            return
        for build_id in build_ids:
            build = services.docs_build_here(build_id=build_id)
            if build is None:
                continue  # a worker has it
            site = DocsSite.objects.get(pk=build.site_id)
            if build.status == DocsBuild.Status.SUCCEEDED:
                self.stdout.write(f"{site.entity_ref}: built {site.page_count} page(s).")
            else:
                self.stdout.write(self.style.WARNING(f"{site.entity_ref}: {build.error}"))
