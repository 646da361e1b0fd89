"""TechDocs adds its Docs link and status fragment to the catalog's entity page through catalog.panels."""

import pytest

from catalog.models import Entity
from catalog.panels import panels_for
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load

pytestmark = pytest.mark.django_db

ENTITIES = documents_yaml(
    component_yaml("Ledger", namespace="money", annotations={"backstage.io/techdocs-ref": "dir:."}),
    component_yaml("plain"),
)


def test_the_docs_panel_is_registered_only_for_entities_with_a_techdocs_ref(tmp_path, settings, rf):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, ENTITIES)
    request = rf.get("/")
    [docs] = [p for p in panels_for(Entity.objects.get(name="Ledger"), request) if p.key == "techdocs.docs"]
    assert docs.title == "Docs" and docs.href == "/docs/money/component/ledger/"
    assert 'hx-get="/docs/money/component/ledger/-/status/"' in docs.html
    # Other apps' panels (the portal's star button) apply to every entity; TechDocs' do not.
    assert [p.key for p in panels_for(Entity.objects.get(name="plain"), request) if p.key.startswith("techdocs.")] == []


def test_the_entity_page_shows_the_docs_link_and_status_only_when_documented(client_owner, tmp_path, settings):
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(tmp_path)]
    yaml_load(tmp_path, ENTITIES)
    html = client_owner.get("/catalog/money/component/ledger/").content.decode()
    assert 'href="/docs/money/component/ledger/">Docs</a>' in html
    assert 'hx-get="/docs/money/component/ledger/-/status/"' in html
    plain = client_owner.get("/catalog/default/component/plain/").content.decode()
    assert "/docs/default/component/plain/" not in plain and "-/status/" not in plain
