"""View / Edit source / Repository links on the entity page, from the file an entity was read from."""

import pytest

from catalog.models import Entity
from catalog.selectors import SourceLinks, entity_source_links


def _entity(source: str = "", **annotations) -> Entity:
    return Entity(source=source, body={"metadata": {"name": "x", "annotations": annotations}})


@pytest.mark.parametrize(("source", "expected"), [
    ("url:https://github.com/acme/orders/blob/main/catalog-info.yaml", SourceLinks(
        view="https://github.com/acme/orders/blob/main/catalog-info.yaml",
        edit="https://github.com/acme/orders/edit/main/catalog-info.yaml",
        repository="https://github.com/acme/orders")),
    ("url:https://gitlab.example.com/grp/sub/orders/-/blob/main/svc/catalog-info.yaml", SourceLinks(
        view="https://gitlab.example.com/grp/sub/orders/-/blob/main/svc/catalog-info.yaml",
        edit="https://gitlab.example.com/grp/sub/orders/-/edit/main/svc/catalog-info.yaml",
        repository="https://gitlab.example.com/grp/sub/orders")),
    ("url:https://example.com/catalog/orders.yaml", SourceLinks(view="https://example.com/catalog/orders.yaml")),
    ("file:/srv/catalog/orders.yaml", SourceLinks()),
    ("", SourceLinks()),
])
def test_links_follow_the_host_of_the_file(source, expected):
    assert entity_source_links(entity=_entity(source)) == expected


def test_a_file_on_the_built_in_git_host_links_to_its_browse_pages(settings):
    settings.PAVED_PUBLIC_URL = "https://paved.example.com"
    links = entity_source_links(entity=_entity("url:https://paved.example.com/git/acme/orders/blob/main/catalog-info.yaml"))
    assert links == SourceLinks(view="https://paved.example.com/git/acme/orders/blob/main/catalog-info.yaml",
                                repository="https://paved.example.com/git/acme/orders")


def test_backstage_annotations_win():
    links = entity_source_links(entity=_entity(
        "url:https://github.com/acme/orders/blob/main/catalog-info.yaml",
        **{"backstage.io/view-url": "https://docs.example.com/view", "backstage.io/edit-url": "https://e.example.com",
           "backstage.io/source-location": "url:https://github.com/acme/orders/tree/main/"}))
    assert links == SourceLinks(view="https://docs.example.com/view", edit="https://e.example.com",
                                repository="https://github.com/acme/orders/tree/main/")


@pytest.mark.parametrize("hostile", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example.com/x",
                                     "https://" + "a" * 3000, 42, ["https://x.example.com"]])
def test_hostile_annotations_are_never_links(hostile):
    links = entity_source_links(entity=_entity(**{"backstage.io/view-url": hostile, "backstage.io/edit-url": hostile,
                                                  "backstage.io/source-location": hostile}))
    assert links == SourceLinks()


@pytest.mark.django_db
def test_the_entity_page_shows_the_links(client_owner, tmp_path):
    from catalog.tests.factories import component_yaml, yaml_load

    yaml_load(tmp_path, component_yaml("orders", annotations={
        "backstage.io/view-url": "https://github.com/acme/orders/blob/main/catalog-info.yaml",
        "backstage.io/edit-url": "https://github.com/acme/orders/edit/main/catalog-info.yaml"}))
    page = client_owner.get("/catalog/default/component/orders/").content.decode()
    assert 'href="https://github.com/acme/orders/edit/main/catalog-info.yaml"' in page and "Edit source" in page
