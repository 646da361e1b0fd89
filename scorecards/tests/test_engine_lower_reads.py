"""The small public reads and signals the engine added to the apps below it."""

import pytest

from catalog.selectors import entities_matching, owners_resolved
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load
from core.api.errors import InputError
from scaffolding.models import ScaffoldedRepository
from scaffolding.selectors import lineage_of_entities
from scorecards.models import Fact
from scorecards.services import portal_facts


@pytest.fixture
def components(tmp_path, db):
    return yaml_load(tmp_path, documents_yaml(
        component_yaml("svc", owner="team-a"),
        component_yaml("site", owner="team-a").replace("type: service", "type: website")))


def test_entities_matching_filters_and_restricts_to_refs(components):
    assert sorted(entities_matching(filter_text="kind=component").values_list("ref", flat=True)) == [
        "component:default/site", "component:default/svc"]
    assert list(entities_matching(filter_text="kind=component,spec.type=service").values_list("ref", flat=True)) == [
        "component:default/svc"]
    assert list(entities_matching(refs=["Component:default/SITE", "component:default/nope"])
                .values_list("ref", flat=True)) == ["component:default/site"]
    with pytest.raises(InputError):
        entities_matching(filter_text="=x")


def test_owners_resolved_without_matches(db):
    assert owners_resolved(refs=[]) == {}
    assert owners_resolved(refs=["group:default/ghost", " "]) == {"group:default/ghost": False}


def test_lineage_of_entities_and_the_scaffolder_facts(components):
    ScaffoldedRepository.objects.create(template_ref="template:default/gone", template_version="abc123",
                                        owner="acme", name="svc", remote_url="https://x/acme/svc",
                                        entity_ref="Component:default/SVC")
    lineage = lineage_of_entities(refs=["component:default/svc", "component:default/site"])
    assert lineage == {"component:default/svc": {"template_ref": "template:default/gone", "version": "abc123",
                                                  "current": "", "behind": False}}
    portal_facts.portal_facts_refresh(entity_refs=["component:default/svc", "component:default/site"])
    facts = dict(Fact.objects.filter(entity_ref="component:default/svc", key__startswith="scaffolder.")
                 .values_list("key", "value"))
    assert facts == {"scaffolder.from_template": True, "scaffolder.template": "template:default/gone",
                     "scaffolder.versions_behind": 0}
    assert Fact.objects.get(entity_ref="component:default/site", key="scaffolder.from_template").value is False


def test_docs_published_is_sent_after_a_build_commits(tmp_path, db, settings, django_capture_on_commit_callbacks):
    from catalog.tests.factories import location_load
    from techdocs import services as docs
    from techdocs.signals import docs_published

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: d\n")
    (tmp_path / "docs" / "index.md").write_text("# d\n")
    (tmp_path / "catalog-info.yaml").write_text(component_yaml("d", annotations={"backstage.io/techdocs-ref": "dir:."}))
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, tmp_path]
    location_load(tmp_path / "catalog-info.yaml")
    heard = []

    def listener(sender, *, entity_ref, **kwargs):
        heard.append(entity_ref)

    docs_published.connect(listener, dispatch_uid="test-listener")
    try:
        build = docs.docs_site_refresh(entity_ref="component:default/d", enqueue=False)
        with django_capture_on_commit_callbacks(execute=True):
            docs.docs_build_here(build_id=build.pk)
    finally:
        docs_published.disconnect(dispatch_uid="test-listener")
    assert heard == ["component:default/d"]
