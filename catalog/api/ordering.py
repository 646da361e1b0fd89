"""Sort keys for entity lists and keyset conditions for by-query cursors.

Each sort field becomes two annotations, a "missing" flag (entities without the field go
last, as in Backstage) and its lower-case value, followed by `ref` as a unique tiebreaker.
Common fields read Entity columns; any other field reads its first SearchEntry value.
"""

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower

from catalog.models import SearchEntry
from core.api.errors import InputError

COLUMNS = {
    "metadata.name": "name",
    "kind": "kind",
    "metadata.namespace": "namespace",
    "spec.type": "spec_type",
    "spec.lifecycle": "lifecycle",
    "metadata.title": "title",
}

# (annotation or column name, descending)
SortKey = list[tuple[str, bool]]


def parse_order(raw: str, *, separator: str) -> tuple[str, str]:
    """`asc:metadata.name` (GET /entities) or `metadata.name,asc` (by-query) -> (field, direction)."""
    if separator == ":":
        direction, sep, field = raw.partition(":")
    else:
        field, sep, direction = raw.rpartition(",")
        if not sep:
            field, direction = raw, "asc"
    field, direction = field.strip(), direction.strip().lower()
    if not field or direction not in ("asc", "desc"):
        example = "asc:metadata.name" if separator == ":" else "metadata.name,asc"
        raise InputError(f"Invalid order {raw!r}: expected e.g. {example!r}.")
    if len(field) > 200:
        raise InputError("Invalid order: the field name is too long.")
    return field, direction


def sort_entities(queryset: QuerySet, order: list[tuple[str, str]]) -> tuple[QuerySet, SortKey]:
    """Annotate the sort columns for `order`; returns the queryset and its full sort key."""
    key: SortKey = []
    annotations = {}
    for i, (field, direction) in enumerate(order):
        column = COLUMNS.get(field.lower())
        if column:
            missing = Case(When(**{column: ""}, then=Value(1)), default=Value(0), output_field=IntegerField())
            value = Lower(column)
        else:
            first = Subquery(
                SearchEntry.objects.filter(entity_id=OuterRef("id"), key=field.lower(), value__isnull=False)
                .order_by("value").values("value")[:1]
            )
            missing = Case(When(Q(**{f"_s{i}__isnull": True}), then=Value(1)), default=Value(0),
                           output_field=IntegerField())
            annotations[f"_s{i}"] = first
            value = Coalesce(f"_s{i}", Value(""))
        annotations[f"_m{i}"] = missing
        annotations[f"_v{i}"] = value
        key += [(f"_m{i}", False), (f"_v{i}", direction == "desc")]
    descending = bool(order) and order[0][1] == "desc"
    key.append(("ref", descending))
    return (queryset.annotate(**annotations) if annotations else queryset), key


def order_by(key: SortKey, *, reverse: bool = False) -> list[str]:
    return [("-" if desc != reverse else "") + name for name, desc in key]


def after_key(key: SortKey, values: list, *, reverse: bool = False) -> Q:
    """Rows strictly after `values` in the `key` order (before it when `reverse`)."""
    if len(values) != len(key):
        raise InputError("Malformed cursor: position.")
    condition = None
    equal = Q()
    for (name, desc), value in zip(key, values, strict=True):
        step = Q(**{f"{name}__{'lt' if desc != reverse else 'gt'}": value})
        condition = equal & step if condition is None else condition | (equal & step)
        equal &= Q(**{name: value})
    return condition
