"""`catalog:write`, `catalog:register` and `catalog:fetch` (Backstage semantics, Paved's own catalog)."""

from __future__ import annotations

import posixpath

import orjson
import yaml
from django.core.exceptions import ValidationError

from catalog.lib.refs import RefError, parse_ref, split_key
from catalog.selectors import entity_get
from catalog.services import LocationExists, location_create, location_preview, location_refresh
from githost.services import canonical_url, names_host, parse_host_url
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError

ENTITY_OBJECT = {"type": "object", "description": "Object containing the same values used in the Entity schema."}


class CatalogWrite(Action):
    id = "catalog:write"
    builds_files = True
    description = "Writes the catalog-info.yaml for your template"
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "required": ["entity"],
        "properties": {
            "filePath": {"title": "Catalog file path", "type": "string",
                         "description": "Defaults to catalog-info.yaml"},
            "entity": {"title": "Entity info to write catalog-info.yaml", "type": "object",
                       "description": "You can provide the same values used in the Entity schema."},
        },
    }
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Write a catalog yaml file", "example": (
        "steps:\n  - action: catalog:write\n    id: create-catalog-info-file\n    name: Create catalog file\n"
        "    input:\n      entity:\n        apiVersion: backstage.io/v1alpha1\n        kind: Component\n"
        "        metadata:\n          name: test\n        spec:\n          type: service\n"
        "          lifecycle: production\n          owner: team-a\n")}]

    def run(self, ctx: ActionContext) -> None:
        file_path = ctx.input.get("filePath") or "catalog-info.yaml"
        entity = ctx.input.get("entity")
        if not isinstance(entity, dict):
            raise ActionInputError(f"entity: expected an object (the entity's fields), got {type(entity).__name__}")
        target = ctx.resolve_path(file_path, field_name="filePath")
        if target == ctx.workspace.resolve() or target.is_dir():
            raise ActionInputError(f"filePath: {file_path!r} is a directory; expected a file path")
        try:
            text = yaml.safe_dump(entity, sort_keys=False, allow_unicode=True)
        except yaml.YAMLError as exc:
            raise ActionInputError(f"entity: cannot be written as YAML: {exc}") from None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ActionError(f"filePath: writing {file_path!r} failed: {exc.strerror or exc}") from None
        ctx.log(f"Wrote {file_path}")


def _catalog_info_url(ctx: ActionContext) -> str:
    info_url, contents_url = ctx.input.get("catalogInfoUrl"), ctx.input.get("repoContentsUrl")
    if info_url and contents_url:
        raise ActionInputError("catalogInfoUrl, repoContentsUrl: give one of them, not both")
    if info_url:
        if not isinstance(info_url, str):
            raise ActionInputError(f"catalogInfoUrl: expected a URL, got {info_url!r}")
        return info_url.strip()
    if not isinstance(contents_url, str) or not contents_url.strip():
        raise ActionInputError("catalogInfoUrl: a catalogInfoUrl, or a repoContentsUrl (with catalogInfoPath), "
                               "is required")
    info_path = ctx.input.get("catalogInfoPath") or "/catalog-info.yaml"
    if not isinstance(info_path, str):
        raise ActionInputError(f"catalogInfoPath: expected a path, got {info_path!r}")
    # Relative to the repository root, as Backstage's integrations resolve it; never above it.
    clean = posixpath.normpath("/" + info_path.strip()).lstrip("/")
    return contents_url.strip().rstrip("/") + "/" + clean


def _first_entity_ref(bodies: list[dict]) -> str:
    """Backstage's choice: a Component first, else the first entity that is not a Location, else the first."""
    kinds = [str(b.get("kind", "")).lower() for b in bodies]
    chosen = (next((b for b, kind in zip(bodies, kinds, strict=True) if kind == "component"), None)
              or next((b for b, kind in zip(bodies, kinds, strict=True) if kind != "location"), None)
              or (bodies[0] if bodies else None))
    if chosen is None:
        return ""
    metadata = chosen.get("metadata") or {}
    return f"{str(chosen.get('kind', '')).lower()}:{metadata.get('namespace') or 'default'}/{metadata.get('name')}"


def _problems_text(problems) -> str:
    lines = [f"{p.source}: {p.field + ': ' if p.field else ''}{p.message}" for p in problems[:5]]
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return "; ".join(lines) + more


class CatalogRegister(Action):
    id = "catalog:register"
    registers_entities = True
    description = "Registers entities from a catalog descriptor file in the workspace into the software catalog."
    supports_dry_run = False
    input_schema = {
        "oneOf": [
            {"type": "object", "required": ["catalogInfoUrl"], "properties": {
                "catalogInfoUrl": {"title": "Catalog Info URL", "type": "string",
                                   "description": "An absolute URL pointing to the catalog info file location"},
                "optional": {"title": "Optional", "type": "boolean",
                             "description": "Permit the registered location to optionally exist. Default: false"},
            }},
            {"type": "object", "required": ["repoContentsUrl"], "properties": {
                "repoContentsUrl": {"title": "Repository Contents URL", "type": "string",
                                    "description": "An absolute URL pointing to the root of a repository "
                                                   "directory tree"},
                "catalogInfoPath": {"title": "Fetch URL", "type": "string",
                                    "description": "A relative path from the repo root pointing to the catalog "
                                                   "info file, defaults to /catalog-info.yaml"},
                "optional": {"title": "Optional", "type": "boolean",
                             "description": "Permit the registered location to optionally exist. Default: false"},
            }},
        ],
    }
    output_schema = {
        "type": "object",
        "required": ["catalogInfoUrl"],
        "properties": {
            "entityRef": {"title": "Entity reference", "type": "string", "examples": ["component:default/my-app"],
                          "description": "The reference of the registered entity (a Component first)"},
            "catalogInfoUrl": {"title": "Catalog info URL", "type": "string",
                               "examples": ["https://paved.example.com/git/acme/my-app/blob/main/catalog-info.yaml"],
                               "description": "The URL of the registered catalog-info file"},
        },
    }
    examples = [{"description": "Register with the catalog", "example": (
        "steps:\n  - action: catalog:register\n    id: register\n    name: Register\n    input:\n"
        "      repoContentsUrl: ${{ steps['publish'].output.repoContentsUrl }}\n"
        "      catalogInfoPath: /catalog-info.yaml\n")}]

    def run(self, ctx: ActionContext) -> None:
        # A file on the built-in git host named by `paved` (or any of its names) is registered under the
        # public URL, so the location and the entities' managed-by-location/source-location are links people
        # can open.
        url = _catalog_info_url(ctx)
        if names_host(url) and parse_host_url(url) is None:  # `paved` never goes to the network reader
            raise ActionInputError(f"catalogInfoUrl: {url!r} names the built-in git host but no file in a repository "
                                   f"on it; expected http://paved/git/<owner>/<repo>/blob/<ref>/<path>")
        url = canonical_url(url)
        ctx.log(f"Registering {url} in the catalog")
        try:
            ctx.output("entityRef", self._register(ctx, url))
        except ActionError as exc:
            if not ctx.input.get("optional"):
                raise
            ctx.log(f"Not registered (optional): {exc}")
        ctx.output("catalogInfoUrl", url)

    @staticmethod
    def _register(ctx: ActionContext, url: str) -> str:
        try:
            preview = location_preview(type="url", target=url)
        except ValidationError as exc:
            raise ActionInputError(f"catalogInfoUrl: {' '.join(exc.messages)}") from None
        # Read and validate before registering, so a broken file leaves no location behind.
        if preview.result.fatal:
            raise ActionError(f"catalogInfoUrl: {preview.result.fatal}")
        if preview.result.problems:
            raise ActionError(f"{url} has errors: {_problems_text(preview.result.problems)}")
        entity_ref = _first_entity_ref([emitted.body for emitted in preview.result.entities.values()])
        try:
            location = location_create(type="url", target=preview.target)
            ctx.checkpoint["created_location"] = preview.target
        except LocationExists as exc:
            location = exc.location
            ctx.log(f"{url} is already registered; refreshing it")
        if ctx.checkpoint.get("created_location") == preview.target:
            ctx.record_created("catalog-location", url, url)
        stats = location_refresh(location_id=location.pk)  # now, so the entity exists when the step ends
        kind, namespace, name = split_key(entity_ref)
        stored = entity_get(kind=kind, namespace=namespace, name=name) if entity_ref else None
        if entity_ref and (stored is None or stored.location_id != location.pk):
            # Missing, or the same name already belongs to another location (the catalog keeps the first).
            detail = _problems_text(stats.problems) if stats and stats.problems else "see the location's errors"
            raise ActionError(f"{url} was registered but {entity_ref} was not stored: {detail}")
        ctx.log(f"Registered {entity_ref or 'no entities'} from {url}")
        return entity_ref


class CatalogFetch(Action):
    id = "catalog:fetch"
    description = "Returns entity or entities from the catalog by entity reference(s)"
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "properties": {
            "entityRef": {"title": "Entity reference", "type": "string",
                          "description": "Entity reference of the entity to get"},
            "entityRefs": {"title": "Entity references", "type": "array", "items": {"type": "string"},
                           "description": "Entity references of the entities to get"},
            "optional": {"title": "Optional", "type": "boolean",
                         "description": "Allow the entity or entities to optionally exist. Default: false"},
            "defaultKind": {"title": "Default kind", "type": "string", "description": "The default kind"},
            "defaultNamespace": {"title": "Default namespace", "type": "string",
                                 "description": "The default namespace"},
        },
    }
    output_schema = {
        "type": "object",
        "properties": {
            "entity": {**ENTITY_OBJECT, "title": "Entity found by the entity reference",
                       "description": "Object containing same values used in the Entity schema. Only when used "
                                      "with `entityRef` parameter."},
            "entities": {"title": "Entities found by the entity references", "type": "array",
                         "items": {"type": "object"},
                         "description": "Array containing objects with same values used in the Entity schema. "
                                        "Only when used with `entityRefs` parameter."},
        },
    }
    examples = [{"description": "Fetch entity by reference", "example": (
        "steps:\n  - action: catalog:fetch\n    id: fetch\n    name: Fetch catalog entity\n    input:\n"
        "      entityRef: component:default/name\n")}]

    def run(self, ctx: ActionContext) -> None:
        entity_ref, entity_refs = ctx.input.get("entityRef"), ctx.input.get("entityRefs")
        optional = bool(ctx.input.get("optional"))
        if not entity_ref and not entity_refs:
            if optional:
                return
            raise ActionInputError("entityRef: an entityRef or a list of entityRefs is required")
        if entity_ref:
            ctx.output("entity", self._fetch(ctx, entity_ref, "entityRef", optional))
        if entity_refs:
            if not isinstance(entity_refs, list):
                raise ActionInputError(f"entityRefs: expected a list of entity references, got {entity_refs!r}")
            ctx.output("entities", [self._fetch(ctx, ref, f"entityRefs[{index}]", optional)
                                    for index, ref in enumerate(entity_refs)])

    @staticmethod
    def _fetch(ctx: ActionContext, raw, field_name: str, optional: bool) -> dict | None:
        default_kind = ctx.input.get("defaultKind") or None
        default_namespace = ctx.input.get("defaultNamespace") or "default"
        try:
            ref = parse_ref(raw, default_kind=default_kind, default_namespace=default_namespace)
        except RefError as exc:
            raise ActionInputError(f"{field_name}: {exc}") from None
        entity = entity_get(kind=ref.kind, namespace=ref.namespace, name=ref.name)
        if entity is None:
            if optional:
                return None
            raise ActionError(f"{field_name}: entity {ref} not found in the catalog")
        return orjson.loads(entity.final)


ACTIONS = [CatalogWrite(), CatalogRegister(), CatalogFetch()]
