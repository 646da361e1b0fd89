"""The entity page's header: View / Edit source and Repository links (http(s) only), Unregister for
those the policy allows."""

import pytest
import yaml

from catalog.models import Entity
from catalog.selectors import SourceLinks, entity_source_links
from catalog.tests.factories import component_yaml, yaml_load

pytestmark = pytest.mark.django_db


def test_a_raw_file_on_the_built_in_git_host_links_to_its_file_page(settings):
    settings.PAVED_PUBLIC_URL = "https://paved.example.com"
    entity = Entity(source="url:https://paved.example.com/git/acme/orders/raw/main/svc/catalog-info.yaml", body={})
    assert entity_source_links(entity=entity) == SourceLinks(
        view="https://paved.example.com/git/acme/orders/blob/main/svc/catalog-info.yaml",
        repository="https://paved.example.com/git/acme/orders")


def test_the_header_shows_source_links_from_annotations_even_without_a_file_source(client_owner, tmp_path):
    yaml_load(tmp_path, component_yaml("orders", annotations={
        "backstage.io/source-location": "url:https://gitlab.example.com/grp/orders/-/tree/main/",
        "backstage.io/view-url": "https://gitlab.example.com/grp/orders/-/blob/main/catalog-info.yaml"}))
    Entity.objects.filter(name="orders").update(source="")
    html = client_owner.get("/catalog/default/component/orders/").content.decode()
    header = html.split('<nav class="tabs"')[0]
    assert '<a href="https://gitlab.example.com/grp/orders/-/blob/main/catalog-info.yaml" rel="noopener noreferrer">' \
           "View source</a>" in header
    assert '<a href="https://gitlab.example.com/grp/orders/-/tree/main/" rel="noopener noreferrer">Repository</a>' \
        in header


@pytest.mark.parametrize("hostile", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                                     "JaVaScRiPt:alert(1)", " javascript:alert(1)", "vbscript:x", "//evil.example.com"])
def test_hostile_source_annotations_never_become_links(client_owner, tmp_path, hostile):
    body = yaml.safe_load(component_yaml("orders"))
    body["metadata"]["annotations"] = {"backstage.io/view-url": hostile, "backstage.io/edit-url": hostile,
                                       "backstage.io/source-location": f"url:{hostile}"}
    yaml_load(tmp_path, yaml.safe_dump(body))
    Entity.objects.filter(name="orders").update(source="")
    response = client_owner.get("/catalog/default/component/orders/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "View source" not in html and "Edit source" not in html
    assert f'href="{hostile}' not in html and 'href="javascript' not in html.lower()


def test_unregister_shows_for_owners_and_not_for_others(org, owner, outsider, client):
    url = "/catalog/default/component/orders/"
    client.force_login(owner)  # owner is in team-a, which owns orders
    assert f'href="{url}unregister/"' in client.get(url).content.decode()
    client.force_login(outsider)
    html = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and f'href="{url}unregister/"' not in html and "Unregister" not in html
