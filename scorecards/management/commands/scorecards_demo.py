"""Make the seed's three example lines come true on the demo data, from facts.

Loads the demo catalog and the default scorecards, builds the TechDocs of the three services,
posts their CI reports (demo/scorecards/: Cobertura, JaCoCo, Trivy, Grype, SARIF, JUnit,
OpenSLO) through the facts service, reads their portal facts, rescores them and prints:

    payment-service: A (92/100)
    search-service: B (78/100) Missing: runbook, cost labels
    legacy-api: D (41/100) Missing: docs, monitoring, tests, owner unclear
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from scorecards.models import Score
from scorecards.services import portal_facts, scoring
from scorecards.services.definitions import scorecards_load_defaults
from scorecards.services.facts import report_ingest

SERVICES = ("payment-service", "search-service", "legacy-api")
REPORTS = [
    ("payment-service", "cobertura", "coverage.cobertura.xml"),
    ("payment-service", "trivy", "trivy.json"),
    ("payment-service", "junit", "junit.xml"),
    ("payment-service", "openslo", "slo.openslo.yaml"),
    ("search-service", "jacoco", "jacoco.xml"),
    ("search-service", "grype", "grype.json"),
    ("search-service", "junit", "junit.xml"),
    ("search-service", "openslo", "slo.openslo.yaml"),
    ("legacy-api", "sarif", "scan.sarif"),
]


def _ref(name: str) -> str:
    return f"component:default/{name}"


def demo_actor(username: str = ""):
    """Who posts the demo's reports: the named user, else None (the portal itself)."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user


def _quiet(_line: str) -> None:
    return None


def _build_docs(say) -> None:
    from techdocs import services as docs

    for name in SERVICES:
        try:
            build = docs.docs_site_refresh(entity_ref=_ref(name), enqueue=False)
        except Exception as exc:  # a docs problem must not stop the demo; the line will show it
            say(f"{name}: docs not built ({exc}).")
            continue
        if build is not None:
            build = docs.docs_build_here(build_id=build.pk) or build
            say(f"{name}: docs {build.status}.")


def scorecards_demo_run(*, actor, say=_quiet) -> list[str]:
    """Everything the command does; returns the three lines."""
    call_command("load_demo")
    scorecards_load_defaults()
    _build_docs(say)
    reports = settings.BASE_DIR / "demo" / "scorecards"
    for name, fmt, filename in REPORTS:
        data = (reports / name / filename).read_bytes()
        report_ingest(actor=actor, entity_ref=_ref(name), format=fmt, data=data, filename=filename)
        say(f"{name}: posted {filename} ({fmt}).")
    refs = [_ref(name) for name in SERVICES]
    portal_facts.portal_facts_refresh(entity_refs=refs)
    scoring.entities_rescore(entity_refs=refs)
    lines = []
    for name in SERVICES:
        score = Score.objects.filter(scorecard__slug="service-maturity", entity_ref=_ref(name)).first()
        lines.append(scoring.score_line(score) if score else f"{name}: not scored")
    return lines


class Command(BaseCommand):
    help = "Load the demo catalog, post the demo CI reports and print the seed's three scorecard lines."

    def add_arguments(self, parser):
        parser.add_argument("--user", default="", help="Post the reports as this user (default: the portal itself).")

    def handle(self, *args, user: str = "", **options):
        for line in scorecards_demo_run(actor=demo_actor(user), say=self.stdout.write):
            self.stdout.write(line)
