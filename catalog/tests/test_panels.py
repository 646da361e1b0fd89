"""The entity page's panel registry: apps above the catalog add panels without the catalog importing them."""

import copy
import logging

import pytest

from catalog import panels
from catalog.models import Entity
from catalog.tests.factories import component_yaml, documents_yaml, yaml_load

pytestmark = pytest.mark.django_db

ENTITIES = documents_yaml(component_yaml("alpha", annotations={"example.com/flag": "on"}), component_yaml("beta"))


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """Each test starts from the panels the apps registered and leaves them as they were."""
    monkeypatch.setattr(panels, "_PANELS", copy.copy(panels._PANELS))


@pytest.fixture
def panel_templates(settings, tmp_path):
    folder = tmp_path / "panel-templates"
    (folder / "test").mkdir(parents=True)
    (folder / "test" / "panel.html").write_text('<section class="test-panel">{{ entity.name }}: {{ word }}</section>')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], folder]
    settings.TEMPLATES = templates
    return "test/panel.html"


def flagged(entity) -> bool:
    return "example.com/flag" in ((entity.body.get("metadata") or {}).get("annotations") or {})


def test_panels_are_in_order_then_key_and_only_where_they_apply(tmp_path, rf):
    yaml_load(tmp_path, ENTITIES)
    for key in list(panels._PANELS):
        panels.panel_unregister(key=key)
    panels.panel_register(key="z.late", title="Late", link=lambda e: "/late/", order=200)
    panels.panel_register(key="b.early", title="B", link=lambda e: "/b/", order=10)
    panels.panel_register(key="a.early", title="A", link=lambda e: "/a/", order=10)
    panels.panel_register(key="flagged", title="Flag", link=lambda e: "/flag/", applies=flagged, order=50)
    alpha, beta = Entity.objects.get(name="alpha"), Entity.objects.get(name="beta")
    request = rf.get("/")
    assert [p.key for p in panels.panels_for(alpha, request)] == ["a.early", "b.early", "flagged", "z.late"]
    assert [p.key for p in panels.panels_for(beta, request)] == ["a.early", "b.early", "z.late"]
    panels.panel_register(key="a.early", title="A again", link=lambda e: "/a2/", order=300)  # replaces
    assert [(p.key, p.href) for p in panels.panels_for(beta, request)][-1] == ("a.early", "/a2/")
    with pytest.raises(ValueError):
        panels.panel_register(key="empty", title="Nothing to show")


def test_the_entity_page_renders_a_panel_with_its_context(client_owner, tmp_path, panel_templates):
    yaml_load(tmp_path, ENTITIES)
    panels.panel_register(key="test.word", title="Word", template=panel_templates, applies=flagged,
                          context=lambda entity, request: {"word": f"hello {request.user.username}"})
    panels.panel_register(key="test.none", title="None", template=panel_templates, context=lambda e, r: None)
    html = client_owner.get("/catalog/default/component/alpha/").content.decode()
    assert '<section class="test-panel">alpha: hello owner</section>' in html
    assert html.count('class="test-panel"') == 1  # a context of None leaves the panel out
    assert "test-panel" not in client_owner.get("/catalog/default/component/beta/").content.decode()


def test_a_panel_that_raises_is_logged_and_left_out(client_owner, tmp_path, panel_templates, caplog):
    yaml_load(tmp_path, ENTITIES)

    def broken(entity, request):
        raise RuntimeError("panel bug")

    panels.panel_register(key="test.broken", title="Broken", template=panel_templates, context=broken, order=1)
    panels.panel_register(key="test.bad-applies", title="Bad", link=lambda e: "/x/", applies=lambda e: 1 / 0)
    panels.panel_register(key="test.fine", title="Fine", template=panel_templates,
                          context=lambda e, r: {"word": "still here"}, order=2)
    with caplog.at_level(logging.ERROR, logger="catalog.panels"):
        response = client_owner.get("/catalog/default/component/alpha/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "alpha: still here" in html and "Broken" not in html and 'href="/x/"' not in html
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "test.broken" in logged and "test.bad-applies" in logged
