"""The sources against the real lower apps (catalog, techdocs, scaffolding, surveys), and, once
scorecards and insights are merged, against their contract functions (skipped until then)."""

import importlib.util
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import yaml_load
from catalog.tests.test_ownership_selector import ORG
from maturity import sources
from scaffolding.models import ScaffoldedRepository
from scaffolding.selectors import scaffolded_entities
from techdocs.models import DocsBuild, DocsSite
from techdocs.selectors import docs_freshness

pytestmark = pytest.mark.django_db
CONTRACTS = ("scorecards.selectors.scores", "insights.selectors.dora", "insights.selectors.cost",
             "insights.selectors.health")


def _missing(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except ModuleNotFoundError:
        return True


def _docs(ref: str, *, changed_days_ago: int) -> None:
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.partition("/")
    site = DocsSite.objects.create(entity_ref=ref, namespace=namespace, kind=kind, name=name,
                                   source_changed_at=timezone.now() - timedelta(days=changed_days_ago))
    build = DocsBuild.objects.create(site=site, status="succeeded", reason=DocsBuild.Reason.choices[0][0])
    site.published_build = build
    site.save()


def test_ownership_and_teams_from_the_catalog(tmp_path):
    yaml_load(tmp_path, ORG)
    reading = sources.ownership()
    # ledger (payments) and personal (ann) are owned and contactable; hollow, silent and ghost are not: 2 of 5.
    assert reading.value == pytest.approx(40.0)
    assert reading.detail == "2 of 5 components owned and contactable; 1 name an owner that does not exist"
    assert sources.ownership(owner_refs=["group:default/payments"]).value == 100.0
    assert sources.teams() == ["group:default/empty-team", "group:default/payments", "group:default/quiet-team"]


def test_no_components_means_no_data():
    for reading in (sources.ownership(), sources.documentation(), sources.cicd()):
        assert reading.value is None and "register some" in reading.needs


def test_no_docs_or_lineage_at_all_is_no_data_not_zero(tmp_path):
    yaml_load(tmp_path, ORG)
    docs, cicd = sources.documentation(), sources.cicd()
    assert docs.value is None and "None of the 5 components publishes TechDocs" in docs.needs
    assert cicd.value is None and "None of the 5 components was made from a template" in cicd.needs


def test_documentation_counts_fresh_published_docs(tmp_path, settings):
    settings.PAVED_TECHDOCS_STALE_DAYS = 90
    yaml_load(tmp_path, ORG)
    _docs("component:default/ledger", changed_days_ago=3)
    _docs("component:default/hollow", changed_days_ago=200)
    DocsSite.objects.create(entity_ref="component:default/silent", namespace="default", kind="component",
                            name="silent")  # never published
    refs = ["component:default/ledger", "component:default/hollow", "component:default/silent"]
    assert docs_freshness(entity_refs=refs) == dict(zip(refs, ["fresh", "stale", "missing"], strict=True))
    reading = sources.documentation()
    assert reading.value == pytest.approx(20.0)  # 1 fresh of 5 components
    assert reading.detail == "1 of 5 components have fresh docs, 1 stale, 3 none"


def test_cicd_counts_components_made_from_a_template_on_its_version(tmp_path):
    yaml_load(tmp_path, ORG)
    for name, version, upgraded in (("ledger", "v1", ""), ("hollow", "v0", "v1"), ("silent", "v0", "")):
        ScaffoldedRepository.objects.create(template_ref="template:default/gone", template_version=version,
                                            upgraded_to_version=upgraded, owner="acme", name=name,
                                            remote_url=f"http://x/{name}", entity_ref=f"component:default/{name}")
    made = scaffolded_entities(entity_refs=["Component:default/hollow"])
    assert made == {"component:default/hollow": {"template_ref": "template:default/gone", "version": "v1"}}
    # The template is not in the catalog, so its current version is unknown: all three count as current.
    reading = sources.cicd()
    assert reading.value == pytest.approx(60.0)
    assert reading.detail == "3 of 5 components made from a template, 3 on its latest version"


def test_links_fall_back_while_an_app_has_not_mounted_its_page():
    assert sources.url("no-such:page", "/fallback/") == "/fallback/"
    assert sources.url("catalog:entity_list", "/x/") == "/catalog/"


@pytest.mark.skipif(any(_missing(name) for name in CONTRACTS),
                    reason="scorecards/insights contract modules are not merged yet")
def test_integration_every_source_answers_against_the_real_apps(tmp_path):
    """After the merge: every source runs against the real contract functions without fakes."""
    from maturity.selectors.assessment import assessment_build, assessment_data

    yaml_load(tmp_path, ORG)
    for reader in (sources.service_creation, sources.self_service, sources.onboarding, sources.cost_attribution):
        reading = reader()
        assert reading.value is not None or reading.needs
    for reader in (sources.monitoring, sources.documentation, sources.cicd, sources.ownership):
        reading = reader(owner_refs=None)
        assert reading.value is not None or reading.needs
    assert isinstance(sources.worst_checks(), list)
    from datetime import date, timedelta

    from insights.selectors.dora import dora_keys

    assert dora_keys(start=date.today() - timedelta(days=30), end=date.today()) is not None
    data = assessment_data(assessment_build())
    assert len(data["dimensions"]) == 8


def test_long_ref_lists_give_the_same_answers(tmp_path, settings):
    """Past 500 refs the docs and lineage reads filter in Python instead of in the query."""
    settings.PAVED_TECHDOCS_STALE_DAYS = 90
    _docs("component:default/ledger", changed_days_ago=3)
    _docs("component:default/hollow", changed_days_ago=200)
    ScaffoldedRepository.objects.create(template_ref="template:default/t", template_version="v1", owner="acme",
                                        name="ledger", remote_url="http://x/l", entity_ref="component:default/ledger")
    padding = [f"component:default/pad-{n}" for n in range(600)]
    refs = ["component:default/ledger", "component:default/hollow", *padding]
    states = docs_freshness(entity_refs=refs)
    assert len(states) == 602 and states["component:default/ledger"] == "fresh"
    assert states["component:default/hollow"] == "stale" and states[padding[0]] == "missing"
    assert list(scaffolded_entities(entity_refs=refs)) == ["component:default/ledger"]
    assert scaffolded_entities(entity_refs=padding) == {}


def test_page_queries_do_not_grow_with_the_catalog(tmp_path, monkeypatch, owner):
    """The assessment page over the real catalog, techdocs and scaffolding reads (the contract
    sources answer no data): the same number of queries for 5 components as for 35."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from maturity.sources import Reading

    for name in ("service_creation", "self_service", "onboarding", "cost_attribution", "monitoring"):
        monkeypatch.setattr(sources, name, lambda **kw: Reading(None, needs="none"))
    monkeypatch.setattr(sources, "worst_checks", lambda **kw: [])
    yaml_load(tmp_path, ORG)
    _docs("component:default/ledger", changed_days_ago=1)
    client = Client()
    client.force_login(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/maturity/").status_code == 200
        return len(captured)

    count()  # the first request also loads the roles and the session
    small = count()
    more = "\n---\n".join(f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: extra-{n}}}\n"
                          f"spec: {{type: service, lifecycle: production, owner: team-{n % 7}}}" for n in range(30))
    yaml_load(tmp_path, more, name="more.yaml")
    assert count() == small <= 25
