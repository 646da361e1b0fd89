"""Validate entity documents with Backstage's own rules.

Three layers, in Backstage's order: the envelope (apiVersion, kind, metadata), the field
formats of `FieldFormatEntityPolicy` (names, namespaces, labels, annotations, tags), then
the JSON schema of the kind (`catalog/schemas/`, copied from Backstage). Validators are
compiled once per process. Each problem names the field and what was expected.
"""

import copy
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fastjsonschema
from jsonschema import Draft7Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ADR = "https://backstage.io/docs/architecture-decisions/adrs-adr002"

NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
DNS_LABEL_RE = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$")
TAG_RE = re.compile(r"^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*$")
KIND_RE = re.compile(r"^[a-zA-Z][a-z0-9A-Z]*$")
API_VERSION_RE = re.compile(r"^([a-z0-9]+(?:[-.][a-z0-9]+)*/)?[a-z0-9A-Z]+$")
ROOT_FIELDS = {"apiVersion", "kind", "metadata", "spec", "relations", "status"}

# kind (lower case) -> (accepted apiVersions, schema file)
KIND_SCHEMAS = {
    "component": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/Component.v1alpha1.schema.json"),
    "api": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/API.v1alpha1.schema.json"),
    "resource": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/Resource.v1alpha1.schema.json"),
    "system": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/System.v1alpha1.schema.json"),
    "domain": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/Domain.v1alpha1.schema.json"),
    "group": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/Group.v1alpha1.schema.json"),
    "user": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/User.v1alpha1.schema.json"),
    "location": ({"backstage.io/v1alpha1", "backstage.io/v1beta1"}, "kinds/Location.v1alpha1.schema.json"),
    "template": ({"scaffolder.backstage.io/v1beta3"}, "scaffolder/Template.v1beta3.schema.json"),
}
KNOWN_KINDS = {
    "component": "Component", "api": "API", "resource": "Resource", "system": "System", "domain": "Domain",
    "group": "Group", "user": "User", "location": "Location", "template": "Template",
}
V1BETA2_TEMPLATE_HELP = (
    "Template apiVersion backstage.io/v1beta2 is no longer supported; migrate it to "
    "scaffolder.backstage.io/v1beta3: change apiVersion, write expressions as ${{ parameters.x }} "
    "instead of {{ parameters.x }}, and see https://backstage.io/docs/features/software-templates/migrating-from-v1beta2-to-v1beta3"
)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.rglob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def kind_validator(kind: str) -> Draft7Validator:
    _, file_name = KIND_SCHEMAS[kind]
    schema = json.loads((SCHEMA_DIR / file_name).read_text())
    return Draft7Validator(schema, registry=_registry())


def _load(file_name: str) -> dict:
    return json.loads((SCHEMA_DIR / file_name).read_text())


def _inline_refs(schema: dict) -> dict:
    """The kind schema with Backstage's by-id `$ref`s ("Entity", "common#relation") inlined.

    fastjsonschema compiles the result to plain Python, about twenty times faster than
    jsonschema's interpreter; jsonschema is still used to explain a failure in full.
    """
    common = _load("shared/common.schema.json")["definitions"]
    by_id = {"Entity": _load("Entity.schema.json"), "EntityMeta": _load("EntityMeta.schema.json")}

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#/"):
                name, _, fragment = ref.partition("#")
                target = common[fragment] if name in ("common", "") and fragment else by_id[name]
                return resolve({k: v for k, v in copy.deepcopy(target).items() if k not in ("$id", "$schema")})
            return {k: resolve(v) for k, v in node.items() if k not in ("$id", "examples")}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


@cache
def kind_fast_check(kind: str):
    _, file_name = KIND_SCHEMAS[kind]
    return fastjsonschema.compile(_inline_refs(_load(file_name)))


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_errors(kind: str, data: dict) -> list[FieldError]:
    validator = kind_validator(kind)
    errors = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        # allOf wraps the interesting errors; report the leaves.
        leaves = [error]
        while leaves and leaves[0].context:
            leaves = list(leaves[0].context)
        for leaf in leaves:
            parts = list(leaf.absolute_path)
            if leaf.validator == "required":
                missing = leaf.message.split("'")[1] if "'" in leaf.message else ""
                errors.append(FieldError(_path([*parts, missing]), "is required"))
            else:
                errors.append(FieldError(_path(parts), leaf.message))
    unique = list(dict.fromkeys(errors))
    return unique[:20]


def _check_key(field: str, key: object) -> str | None:
    if not isinstance(key, str) or not key:
        return f"{field} has an empty or non-string key"
    prefix, sep, name = key.rpartition("/")
    if sep and (not prefix or len(prefix) > 253 or not DNS_SUBDOMAIN_RE.match(prefix)):
        return f"{field} key {key!r} has an invalid prefix; expected a DNS subdomain before the '/'"
    if len(name) > 63 or not NAME_RE.match(name):
        return (f"{field} key {key!r} is not valid; expected [a-zA-Z0-9] sequences separated by [-_.], "
                "at most 63 characters, optionally prefixed by a DNS subdomain and '/'")
    return None


def _format_errors(data: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    meta = data["metadata"]
    name = meta.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > 63:
        errors.append(FieldError("metadata.name", (
            f"{name!r} is not valid; expected a string that is sequences of [a-zA-Z0-9] separated by any of "
            f"[-_.], at most 63 characters in total. To learn more about catalog file format, visit: {ADR}"
        )))
    namespace = meta.get("namespace", "default")
    if not isinstance(namespace, str) or len(namespace) > 63 or not DNS_LABEL_RE.match(namespace):
        errors.append(FieldError("metadata.namespace", (
            f"{namespace!r} is not valid; expected a string that is sequences of [a-z0-9] separated by [-], "
            "at most 63 characters in total"
        )))
    for section in ("labels", "annotations"):
        values = meta.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            errors.append(FieldError(f"metadata.{section}", "expected a mapping of keys to string values"))
            continue
        for key, value in values.items():
            problem = _check_key(f"metadata.{section}", key)
            if problem:
                errors.append(FieldError(f"metadata.{section}", problem))
            if not isinstance(value, str):
                errors.append(FieldError(f"metadata.{section}.{key}", f"expected a string value, got {value!r}"))
            elif section == "labels" and value and (len(value) > 63 or not NAME_RE.match(value)):
                errors.append(FieldError(f"metadata.labels.{key}", (
                    f"{value!r} is not valid; expected [a-zA-Z0-9] sequences separated by [-_.], at most 63 characters"
                )))
    tags = meta.get("tags")
    if isinstance(tags, list):
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or len(tag) > 63 or not TAG_RE.match(tag):
                errors.append(FieldError(f"metadata.tags[{i}]", (
                    f"{tag!r} is not valid; expected a string that is sequences of [a-z0-9+#] separated by [-], "
                    "at most 63 characters in total"
                )))
    elif tags is not None:
        errors.append(FieldError("metadata.tags", "expected a list of strings"))
    return errors


def validate_entity(data: object) -> list[FieldError]:
    """Every problem with one entity document; an empty list means it is valid."""
    if not isinstance(data, dict):
        return [FieldError("", f"expected an entity (a YAML mapping) at the root, got {type(data).__name__}")]
    errors: list[FieldError] = []
    api_version, kind, metadata = data.get("apiVersion"), data.get("kind"), data.get("metadata")
    if not isinstance(api_version, str) or not api_version:
        errors.append(FieldError("apiVersion", "is required and must be a non-empty string"))
    elif not API_VERSION_RE.match(api_version):
        errors.append(FieldError("apiVersion", f"{api_version!r} is not valid; expected group/version"))
    if not isinstance(kind, str) or not kind:
        errors.append(FieldError("kind", "is required and must be a non-empty string"))
    elif len(kind) > 63 or not KIND_RE.match(kind):
        errors.append(FieldError("kind", f"{kind!r} is not valid; expected letters and digits"))
    if not isinstance(metadata, dict):
        errors.append(FieldError("metadata", "is required and must be a mapping"))
    if errors:
        return errors
    for field in data:
        if field not in ROOT_FIELDS:
            errors.append(FieldError(str(field), f"unknown root field {field!r}; expected only {sorted(ROOT_FIELDS)}"))
    errors.extend(_format_errors(data))
    if errors:
        return errors
    kind_key = kind.lower()
    if kind_key == "template" and api_version == "backstage.io/v1beta2":
        return [FieldError("apiVersion", V1BETA2_TEMPLATE_HELP)]
    if kind_key not in KIND_SCHEMAS or api_version not in KIND_SCHEMAS[kind_key][0]:
        return [FieldError("kind", (
            f"Unhandled entity of kind {kind!r} with apiVersion {api_version!r}; expected one of "
            f"{', '.join(KNOWN_KINDS.values())} with apiVersion backstage.io/v1alpha1 "
            "(Template: scaffolder.backstage.io/v1beta3)"
        ))]
    try:
        kind_fast_check(kind_key)(data)
    except fastjsonschema.JsonSchemaException:
        return _schema_errors(kind_key, data) or [FieldError("", "does not match the schema of its kind")]
    return []
