"""The demo reproduces the seed's three lines exactly, from reports posted in CI formats."""

from django.core.management import call_command

from scorecards.models import Fact, Report, Score

SEED = [
    "payment-service: A (92/100)",
    "search-service: B (78/100) Missing: runbook, cost labels",
    "legacy-api: D (41/100) Missing: docs, monitoring, tests, owner unclear",
]


def test_the_demo_prints_the_seed_lines(db, capsys):
    call_command("scorecards_demo")
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == SEED
    # From facts that came in as reports and from the portal, not from anything hard-coded:
    assert Report.objects.filter(entity_ref="component:default/payment-service").count() == 4
    coverage = Fact.objects.get(entity_ref="component:default/payment-service", key="coverage.line_percent")
    assert round(coverage.value) == 72
    assert Fact.objects.get(entity_ref="component:default/legacy-api", key="owner.valid").value is False
    legacy = Score.objects.get(scorecard__slug="service-maturity", entity_ref="component:default/legacy-api")
    states = {r["key"]: (r["state"], r["source"]) for r in legacy.results}
    assert states["owner-defined"] == ("fail", "catalog") and states["techdocs-published"][0] == "fail"
    # Idempotent: a second run changes nothing and prints the same lines.
    call_command("scorecards_demo")
    assert capsys.readouterr().out.splitlines()[-3:] == SEED
