"""Portal facts: read from the catalog, TechDocs, the scaffolder and the git host; stored only when changed."""

import pytest

from catalog import services as catalog_services
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load
from scorecards.models import Fact, FactRecord
from scorecards.services import portal_facts

GROUPS = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: with-members}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ann}
spec: {memberOf: [with-members]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: with-email}
spec: {type: team, children: [], profile: {email: t@example.com}}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: empty
  annotations: {opsgenie.com/team: empties}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: [], profile: {email: bob@example.com}}
"""


def facts_of(ref: str) -> dict:
    return {f.key: f.value for f in Fact.objects.filter(entity_ref=ref)}


@pytest.fixture
def catalog(tmp_path, db):
    components = [
        component_yaml("a", owner="with-members", labels={"team": "a", "service": "a", "environment": "prod",
                                                          "cost-center": "42", "tier": "2"},
                       annotations={"datadoghq.com/dashboard-url": "https://x"}),
        component_yaml("b", owner="with-email", links=[{"url": "https://wiki/b", "title": "On-call runbook"}]),
        component_yaml("c", owner="empty", labels={"acme.io/team": "c", "tier": ""}),
        component_yaml("d", owner="user:bob"),
        component_yaml("e", owner="group:nobody-here"),
    ]
    return yaml_load(tmp_path, documents_yaml(GROUPS, *components))


def test_catalog_facts(catalog):
    changed = portal_facts.portal_facts_refresh()
    assert {"component:default/a", "component:default/e"} <= set(changed)
    a, b, c = facts_of("component:default/a"), facts_of("component:default/b"), facts_of("component:default/c")
    d, e = facts_of("component:default/d"), facts_of("component:default/e")
    assert a["owner.valid"] and a["owner.ref"] == "group:default/with-members"
    assert b["owner.valid"] and d["owner.valid"] and not c["owner.valid"] and not e["owner.valid"]
    assert a["cost.labels"] == ["team", "service", "environment", "cost-center", "tier"] and a["cost.labels_complete"]
    assert c["cost.labels"] == ["team"]  # a prefixed key counts, an empty value does not
    assert a["alerting.configured"] and not a["oncall.configured"]
    assert c["oncall.configured"] and not c["alerting.configured"]  # the owner group's rotation
    assert b["docs.has_runbook"] and not b["docs.published"] and "docs.last_updated" not in b
    assert a["entity.type"] == "service" and a["scaffolder.from_template"] is False
    assert "git.readme" not in a  # not on the built-in git host
    source = Fact.objects.get(entity_ref="component:default/a", key="owner.valid").source
    assert source == "catalog"


def test_only_changed_values_write(catalog, tmp_path, settings):
    portal_facts.portal_facts_refresh()
    facts, records = Fact.objects.count(), FactRecord.objects.count()
    assert facts == records
    assert portal_facts.portal_facts_refresh() == []
    assert FactRecord.objects.count() == records
    path = tmp_path / "catalog-info.yaml"
    path.write_text(path.read_text().replace("owner: group:nobody-here", "owner: with-email"))
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, tmp_path]
    catalog_services.location_refresh(location_id=catalog.pk)
    assert portal_facts.portal_facts_refresh(entity_refs=["component:default/e"]) == ["component:default/e"]
    assert facts_of("component:default/e")["owner.valid"] is True
    assert FactRecord.objects.count() == records + 2  # owner.ref and owner.valid


def test_hostile_catalog_values_do_not_break_the_facts(tmp_path, db):
    yaml_load(tmp_path, component_yaml("odd", owner="with-members", annotations={
        "backstage.io/source-location": "url:http://169.254.169.254/git/x/y", "pagerduty.com/service-id": ""},
        labels={"team": "x"}))
    portal_facts.portal_facts_refresh()
    odd = facts_of("component:default/odd")
    assert odd["owner.valid"] is False and odd["oncall.configured"] is False and "git.readme" not in odd


def test_docs_and_git_facts_come_from_techdocs_and_the_git_host(tmp_path, db, settings):
    from githost.services import repo_commit_files, repo_create, web_url
    from techdocs import services as docs

    repo_create(owner="acme", name="svc")
    repo_commit_files(owner="acme", name="svc", branch="main", message="start", author_name="A",
                      author_email="a@example.com", files={
        "README.md": b"# svc\n", ".github/workflows/ci.yml": b"on: push\n", "monitors/latency.yaml": b"a: 1\n"})
    source = f"url:{web_url('acme', 'svc')}/tree/main/"
    docs_dir = tmp_path / "svc"
    (docs_dir / "docs").mkdir(parents=True)
    (docs_dir / "mkdocs.yml").write_text("site_name: svc\nnav:\n  - Home: index.md\n  - Runbook: runbook.md\n"
                                         "  - Decisions: adr.md\n")
    for page in ("index", "runbook", "adr"):
        (docs_dir / "docs" / f"{page}.md").write_text(f"# {page}\n")
    (docs_dir / "catalog-info.yaml").write_text(component_yaml("svc", owner="with-members", annotations={
        "backstage.io/techdocs-ref": "dir:.", "backstage.io/source-location": source}))
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, tmp_path]
    from catalog.tests.factories import location_load

    location_load(docs_dir / "catalog-info.yaml")
    build = docs.docs_site_refresh(entity_ref="component:default/svc", enqueue=False)
    assert docs.docs_build_here(build_id=build.pk).status == "succeeded"
    portal_facts.portal_facts_refresh(entity_refs=["component:default/svc"])
    svc = facts_of("component:default/svc")
    assert svc["docs.published"] and svc["docs.has_runbook"] and svc["docs.has_adr"] and svc["docs.last_updated"]
    assert svc["docs.runbook_updated"] and not svc["docs.has_onboarding"]
    assert svc["git.readme"] and svc["git.ci_workflow"] and svc["git.last_commit_at"]
    assert svc["alerting.configured"]  # monitors committed in the repository


def test_a_team_change_re_reads_the_facts_of_what_it_owns(catalog, tmp_path, settings):
    portal_facts.portal_facts_refresh()
    assert facts_of("component:default/c")["owner.valid"] is False
    path = tmp_path / "catalog-info.yaml"
    path.write_text(path.read_text().replace("metadata:\n  name: empty\n", "metadata:\n  name: empty\n"
                                                                           "  description: now with mail\n")
                    .replace("spec: {type: team, children: []}\n---\napiVersion: backstage.io/v1alpha1\nkind: User\n"
                             "metadata: {name: bob}",
                             "spec: {type: team, children: [], profile: {email: e@example.com}}\n---\n"
                             "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: bob}"))
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, tmp_path]
    catalog_services.location_refresh(location_id=catalog.pk)
    changed = portal_facts.portal_facts_refresh(entity_refs=["group:default/empty"])
    assert "component:default/c" in changed and facts_of("component:default/c")["owner.valid"] is True


def test_page_names_match_whole_words():
    flags = portal_facts._page_flags(
        [("rapid-deploy/", "Rapid deploy", None), ("adr/0001-use-go/", "ADR 1", None),
         ("getting-started/", "", None), ("ops/", "Runbook: on call", None)], [])
    assert flags["has_adr"] and flags["has_onboarding"] and flags["has_runbook"]
    assert not flags["has_api_reference"] and not flags["has_architecture"]
    assert portal_facts._page_flags([], [{"url": "https://w", "title": "Ops RUNBOOK"}, "junk"])["has_runbook"]
