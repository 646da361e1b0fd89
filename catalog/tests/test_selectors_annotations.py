"""entity_refs_by_annotation and entity_refs_owned_by (read by insights to match delivery events)."""

import pytest

from catalog.selectors import entity_refs_by_annotation, entity_refs_owned_by
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(tmp_path):
    yaml_load(tmp_path, documents_yaml(
        component_yaml("web", owner="team-a", annotations={"github.com/project-slug": "Acme/Web"}),
        component_yaml("web-copy", owner="team-b", annotations={"github.com/project-slug": "acme/web"}),
        component_yaml("api", owner="team-a", annotations={"argocd/app-name": "api"})))


def test_annotation_values_match_case_insensitively_one_ref_each(catalog):
    assert entity_refs_by_annotation(key="github.com/project-slug", values=["ACME/web", "acme/none", ""]) == {
        "acme/web": "component:default/web"}
    assert entity_refs_by_annotation(key="argocd/app-name", values=["api"]) == {"api": "component:default/api"}
    assert entity_refs_by_annotation(key="argocd/app-name", values=["api"], kind="group") == {}
    assert entity_refs_by_annotation(key="", values=["api"]) == {}


def test_hostile_keys_and_values_are_plain_data(catalog):
    assert entity_refs_by_annotation(key="x'); drop table catalog_entity; --", values=["' or 1=1 --"]) == {}
    assert entity_refs_by_annotation(key="github.com/project-slug", values=["%", "_"]) == {}


def test_components_owned_by(catalog):
    assert entity_refs_owned_by(owner_refs=["Group:default/team-a"]) == ["component:default/api",
                                                                         "component:default/web"]
    assert entity_refs_owned_by(owner_refs=[]) == []
