"""Catalog reads behind the pickers (`ui:field`) of template forms.

The options of a picker come from the template on the server (never from the browser): its
`catalogFilter` / `allowedKinds` become Backstage filters applied with `apply_filters`, the
typed text narrows them, and at most `LIMIT` rows are read. Nothing here loads a whole kind
(Backstage's OwnerPicker, which does, is unusable with thousands of users).
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from catalog.lib.filters import Filter, apply_filters
from catalog.lib.refs import EntityRef
from catalog.models import Entity, SearchEntry
from catalog.selectors import user_groups, user_owner_refs
from scaffolding.forms.schema import ENTITY_PICKERS, as_dict, as_list, resolve, schema_type, ui_field, ui_options

LIMIT = 20
MAX_QUERY = 100
TAGS_KEY = "metadata.tags"
PICKERS = ENTITY_PICKERS | {"EntityTagsPicker"}


@dataclass
class PickerOption:
    value: str
    label: str


def entity_ref(entity: Entity) -> str:
    """Backstage's stringifyEntityRef: `kind:namespace/name`, the kind in lower case."""
    return str(EntityRef(kind=entity.kind, namespace=entity.namespace, name=entity.name))


def _filter_values(raw) -> list[str]:
    if isinstance(raw, dict):  # {"exists": true}: the field only has to be there
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).lower() for v in items if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def catalog_filters(prop: dict) -> list[Filter]:
    """The picker's filters: `catalogFilter` (one object or a list, ORed), else `allowedKinds`
    (OwnerPicker: Group and User when neither is given)."""
    options = ui_options(prop)
    raw = options.get("catalogFilter")
    filters = []
    for item in (raw if isinstance(raw, list) else [raw]):
        conditions = {str(k).lower(): _filter_values(v) for k, v in as_dict(item).items()}
        if conditions:
            filters.append(conditions)
    if filters:
        return filters
    kinds = [str(k) for k in as_list(options.get("allowedKinds")) if isinstance(k, str)]
    if not kinds and ui_field(prop) == "OwnerPicker":
        kinds = ["Group", "User"]
    if ui_field(prop) == "MyGroupsPicker":
        kinds = ["Group"]
    return [{"kind": [k.lower() for k in kinds]}] if kinds else []


def picker_queryset(prop: dict, *, user) -> QuerySet:
    """Every entity the picker may offer to `user`: unsliced, unevaluated."""
    queryset = apply_filters(Entity.objects.filter(orphan=False), catalog_filters(prop))
    picker = ui_field(prop)
    if picker == "OwnedEntityPicker":
        queryset = queryset.filter(owner_ref__in=user_owner_refs(user))
    elif picker == "MyGroupsPicker":
        queryset = queryset.filter(ref__in=user_groups(user))
    return queryset


def entity_options(prop: dict, *, query: str, user) -> list[PickerOption]:
    """At most LIMIT entities matching `query` on name or title (prefix matches first), by name."""
    query = (query or "").strip()[:MAX_QUERY]
    if ":" in query or "/" in query:  # a pasted ref: match on its name part
        query = query.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    queryset = picker_queryset(prop, user=user)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(title__icontains=query)).annotate(
            prefix=Case(When(Q(name__istartswith=query) | Q(title__istartswith=query), then=Value(0)),
                        default=Value(1), output_field=IntegerField()),
        ).order_by("prefix", "name")
    else:
        queryset = queryset.order_by("name")
    rows = queryset.only("kind", "namespace", "name", "title")[:LIMIT]
    return [PickerOption(value=entity_ref(e), label=e.title or e.name) for e in rows]


def tag_options(prop: dict, *, query: str) -> list[PickerOption]:
    """Existing tags starting with `query`, of the entity kinds in `ui:options.kinds` (any if none)."""
    query = (query or "").strip().lower()[:MAX_QUERY]
    entries = SearchEntry.objects.filter(key=TAGS_KEY)
    if query:
        entries = entries.filter(value__startswith=query)
    kinds = [str(k).lower() for k in as_list(ui_options(prop).get("kinds")) if isinstance(k, str)]
    if kinds:
        entries = entries.filter(entity_id__in=apply_filters(Entity.objects.all(), [{"kind": kinds}]).values("id"))
    tags = entries.order_by("value").values_list("value", flat=True).distinct()[:LIMIT]
    return [PickerOption(value=tag, label=tag) for tag in tags]


def picker_options(prop: dict, *, query: str, user) -> list[PickerOption]:
    if ui_field(prop) == "EntityTagsPicker":
        return tag_options(prop, query=query)
    return entity_options(prop, query=query, user=user)


def closed_picker_errors(schema: dict, values: dict, *, user) -> list[dict]:
    """Errors for entity pickers with `allowArbitraryValues: false` whose answer is not one of
    the entities they offer (one query per such field that has an answer)."""
    errors = []
    for name, prop in resolve(schema, values)["properties"].items():
        if ui_field(prop) not in ENTITY_PICKERS or ui_options(prop).get("allowArbitraryValues") is not False:
            continue
        answer = values.get(name)
        refs = [r for r in (answer if isinstance(answer, list) else [answer]) if isinstance(r, str) and r]
        if not refs or schema_type(prop) not in ("string", "array"):
            continue
        found = set(picker_queryset(prop, user=user).filter(ref__in=[r.lower() for r in refs])
                    .values_list("ref", flat=True))
        missing = [r for r in refs if r.lower() not in found]
        if missing:
            title = str(prop.get("title") or name)
            errors.append({"field": name, "message": f"{title} must be chosen from the catalog: "
                                                     f"{', '.join(missing)} is not one of the allowed entities"})
    return errors
