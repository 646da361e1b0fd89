"""catalog:write, catalog:register (against the built-in git host) and catalog:fetch."""

from functools import partial

import pytest
import yaml

from catalog import services as catalog_services
from catalog.models import Entity, Location
from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.catalog import CatalogFetch, CatalogRegister, CatalogWrite, _catalog_info_url
from scaffolding.tests.helpers import ada_ctx

AUTHOR = {"author_name": "Ada", "author_email": "ada@example.com"}
COMPONENT = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
  description: Takes orders
spec:
  type: service
  lifecycle: production
  owner: team-a
"""


make_ctx = partial(ada_ctx, step_id="register")


# --- catalog:write -----------------------------------------------------------------------------


def test_write_dumps_the_entity_as_yaml_in_field_order(tmp_path):
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
              "metadata": {"name": "orders", "title": "Orders ✓"}, "spec": {"type": "service", "owner": "team-a"}}
    CatalogWrite().run(make_ctx(tmp_path, {"entity": entity}))
    text = (tmp_path / "catalog-info.yaml").read_text()
    assert text.startswith("apiVersion: backstage.io/v1alpha1\nkind: Component\n")
    assert "Orders ✓" in text
    assert yaml.safe_load(text) == entity


def test_write_to_a_nested_file_path(tmp_path):
    CatalogWrite().run(make_ctx(tmp_path, {"filePath": "deploy/catalog.yaml", "entity": {"kind": "Group"}}))
    assert yaml.safe_load((tmp_path / "deploy" / "catalog.yaml").read_text()) == {"kind": "Group"}


@pytest.mark.parametrize("inputs, message", [
    ({"entity": "kind: Component"}, "entity: expected an object"),
    ({}, "entity: expected an object"),
    ({"entity": {}, "filePath": "../catalog-info.yaml"}, "filePath: .* leaves the task's workspace"),
    ({"entity": {}, "filePath": "/etc/catalog-info.yaml"}, "filePath: .* is absolute"),
    ({"entity": {}, "filePath": "."}, "filePath: '.' is a directory"),
])
def test_write_refuses_bad_input(tmp_path, inputs, message):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with pytest.raises(ActionInputError, match=message):
        CatalogWrite().run(make_ctx(workspace, inputs))
    assert list(workspace.iterdir()) == [] and not (tmp_path / "catalog-info.yaml").exists()


# --- catalog:register ------------------------------------------------------------------------------


@pytest.fixture
def git_repo(db, settings, tmp_path):
    """acme/orders on the git host with a valid catalog-info.yaml and a broken one."""
    from githost import services

    settings.PAVED_GIT_ROOT = tmp_path / "git"
    services.repo_create(owner="acme", name="orders")
    services.repo_commit_files(owner="acme", name="orders", branch="main", message="init", **AUTHOR, files={
        "catalog-info.yaml": COMPONENT,
        "all/catalog-info.yaml": b"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: more}\n"
                                 b"spec: {targets: []}\n---\n" + b"apiVersion: backstage.io/v1alpha1\nkind: API\n"
                                 b"metadata: {name: orders-api}\nspec: {type: openapi, lifecycle: production, "
                                 b"owner: team-a, definition: x}\n---\n" + COMPONENT.replace(b"orders", b"shop"),
        "broken.yaml": b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: Not Valid!}\n",
    })
    return services.contents_url("acme", "orders", "main")


def test_register_creates_the_location_and_the_entity_at_once(git_repo, tmp_path):
    ctx = make_ctx(tmp_path, {"repoContentsUrl": git_repo})
    CatalogRegister().run(ctx)
    url = f"{git_repo}/catalog-info.yaml"
    assert ctx.outputs == {"entityRef": "component:default/orders", "catalogInfoUrl": url}
    location = Location.objects.get(type="url", target=url)
    entity = Entity.objects.get(ref="component:default/orders")
    assert entity.location_id == location.pk and entity.description == "Takes orders"
    assert ctx.created == [{"kind": "catalog-location", "ref": url, "url": url, "step": "register"}]
    assert ctx.checkpoint == {"created_location": url}


def test_register_twice_reuses_the_location(git_repo, tmp_path):
    CatalogRegister().run(make_ctx(tmp_path, {"repoContentsUrl": git_repo}))
    again = make_ctx(tmp_path, {"catalogInfoUrl": f"{git_repo}/catalog-info.yaml"})
    CatalogRegister().run(again)
    assert again.outputs["entityRef"] == "component:default/orders"
    assert Location.objects.count() == 1 and Entity.objects.filter(ref="component:default/orders").count() == 1
    assert again.created == []  # it did not create the location
    assert any("already registered" in line for line in again.logs)


def test_a_retry_of_the_step_that_created_the_location_still_reports_it(git_repo, tmp_path):
    first = make_ctx(tmp_path, {"repoContentsUrl": git_repo})
    CatalogRegister().run(first)
    retry = make_ctx(tmp_path, {"repoContentsUrl": git_repo}, checkpoint=first.checkpoint)
    CatalogRegister().run(retry)
    assert [item["kind"] for item in retry.created] == ["catalog-location"]


def test_register_picks_the_component_among_several_entities(git_repo, tmp_path):
    ctx = make_ctx(tmp_path, {"repoContentsUrl": git_repo + "/", "catalogInfoPath": "all/catalog-info.yaml"})
    CatalogRegister().run(ctx)
    assert ctx.outputs["entityRef"] == "component:default/shop"
    assert ctx.outputs["catalogInfoUrl"] == f"{git_repo}/all/catalog-info.yaml"
    assert Entity.objects.filter(ref__in=["api:default/orders-api", "component:default/shop"]).count() == 2


@pytest.mark.parametrize("path, expected", [
    (None, "http://h/git/a/b/blob/main/catalog-info.yaml"),
    ("./x/catalog.yaml", "http://h/git/a/b/blob/main/x/catalog.yaml"),
    ("../../other/catalog-info.yaml", "http://h/git/a/b/blob/main/other/catalog-info.yaml"),
])
def test_catalog_info_path_is_relative_to_the_repository_root(tmp_path, path, expected):
    inputs = {"repoContentsUrl": "http://h/git/a/b/blob/main/", "catalogInfoPath": path}
    assert _catalog_info_url(make_ctx(tmp_path, inputs)) == expected


def test_an_invalid_file_fails_with_the_catalogs_message_and_registers_nothing(git_repo, tmp_path):
    ctx = make_ctx(tmp_path, {"repoContentsUrl": git_repo, "catalogInfoPath": "broken.yaml"})
    with pytest.raises(ActionError, match="broken.yaml has errors: .*metadata.name"):
        CatalogRegister().run(ctx)
    assert Location.objects.count() == 0 and ctx.created == []


def test_a_missing_file_fails_with_the_catalogs_message(git_repo, tmp_path):
    with pytest.raises(ActionError, match="catalogInfoUrl: .*does not exist"):
        CatalogRegister().run(make_ctx(tmp_path, {"catalogInfoUrl": f"{git_repo}/nope.yaml"}))
    assert Location.objects.count() == 0


def test_optional_registration_logs_and_continues(git_repo, tmp_path):
    ctx = make_ctx(tmp_path, {"catalogInfoUrl": f"{git_repo}/nope.yaml", "optional": True})
    CatalogRegister().run(ctx)
    assert ctx.outputs == {"catalogInfoUrl": f"{git_repo}/nope.yaml"}
    assert any("Not registered (optional)" in line for line in ctx.logs)


def test_an_entity_owned_by_another_location_is_reported(git_repo, tmp_path, settings):
    other = tmp_path / "other" / "catalog-info.yaml"
    other.parent.mkdir()
    other.write_bytes(COMPONENT)
    location = Location.objects.create(type="file", target=str(other))
    catalog_services.location_refresh(location_id=location.pk)
    with pytest.raises(ActionError, match="component:default/orders was not stored"):
        CatalogRegister().run(make_ctx(tmp_path, {"repoContentsUrl": git_repo}))


@pytest.mark.parametrize("inputs, message", [
    ({}, "catalogInfoUrl: a catalogInfoUrl, or a repoContentsUrl"),
    ({"catalogInfoUrl": "http://a/x.yaml", "repoContentsUrl": "http://a"}, "give one of them, not both"),
    ({"catalogInfoUrl": "file:/etc/passwd"}, "catalogInfoUrl: .*must be an http\\(s\\) URL"),
    ({"catalogInfoUrl": 7}, "catalogInfoUrl: expected a URL"),
    ({"repoContentsUrl": "http://a", "catalogInfoPath": ["x"]}, "catalogInfoPath: expected a path"),
])
def test_register_input_errors(db, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        CatalogRegister().run(make_ctx(tmp_path, inputs))
    assert Location.objects.count() == 0


def test_register_is_not_dry_run_capable_and_its_outputs_are_described():
    action = CatalogRegister()
    assert not action.supports_dry_run
    assert set(action.output_schema["properties"]) == {"entityRef", "catalogInfoUrl"}


# --- catalog:fetch ------------------------------------------------------------------------------


@pytest.fixture
def catalog(db, tmp_path):
    path = tmp_path / "catalog" / "catalog-info.yaml"
    path.parent.mkdir()
    path.write_bytes(COMPONENT + b"---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
                                 b"spec: {type: team, children: []}\n")
    location = Location.objects.create(type="file", target=str(path))
    catalog_services.location_refresh(location_id=location.pk)
    return location


def test_fetch_one_entity_returns_the_full_entity(catalog, tmp_path):
    ctx = make_ctx(tmp_path, {"entityRef": "component:default/orders"})
    CatalogFetch().run(ctx)
    entity = ctx.outputs["entity"]
    assert entity["metadata"]["name"] == "orders" and entity["metadata"]["uid"]
    assert {"type": "ownedBy", "targetRef": "group:default/team-a"}.items() <= entity["relations"][0].items()


def test_fetch_uses_default_kind_and_namespace(catalog, tmp_path):
    ctx = make_ctx(tmp_path, {"entityRef": "team-a", "defaultKind": "Group", "defaultNamespace": "default"})
    CatalogFetch().run(ctx)
    assert ctx.outputs["entity"]["kind"] == "Group"


def test_fetch_several_entities(catalog, tmp_path):
    ctx = make_ctx(tmp_path, {"entityRefs": ["component:orders", "group:default/team-a"]})
    CatalogFetch().run(ctx)
    assert [e["metadata"]["name"] for e in ctx.outputs["entities"]] == ["orders", "team-a"]


def test_fetch_missing_entities(catalog, tmp_path):
    with pytest.raises(ActionError, match="entityRef: entity component:default/nope not found"):
        CatalogFetch().run(make_ctx(tmp_path, {"entityRef": "component:default/nope"}))
    with pytest.raises(ActionError, match=r"entityRefs\[1\]: entity component:default/nope not found"):
        CatalogFetch().run(make_ctx(tmp_path, {"entityRefs": ["component:orders", "component:nope"]}))
    ctx = make_ctx(tmp_path, {"entityRef": "component:nope", "entityRefs": ["component:orders", "component:nope"],
                              "optional": True})
    CatalogFetch().run(ctx)
    assert ctx.outputs["entity"] is None
    assert ctx.outputs["entities"][0]["metadata"]["name"] == "orders" and ctx.outputs["entities"][1] is None


@pytest.mark.parametrize("inputs, message", [
    ({}, "entityRef: an entityRef or a list of entityRefs is required"),
    ({"entityRef": "orders"}, "entityRef: .*has no kind"),
    ({"entityRef": "component:"}, "entityRef: .*has no name"),
    ({"entityRefs": "component:orders"}, "entityRefs: expected a list"),
    ({"entityRefs": [5]}, r"entityRefs\[0\]: expected an entity reference"),
])
def test_fetch_input_errors(catalog, tmp_path, inputs, message):
    with pytest.raises(ActionInputError, match=message):
        CatalogFetch().run(make_ctx(tmp_path, inputs))


def test_fetch_with_nothing_to_fetch_and_optional_does_nothing(db, tmp_path):
    ctx = make_ctx(tmp_path, {"optional": True})
    CatalogFetch().run(ctx)
    assert ctx.outputs == {}
