"""Backstage's `filter` query syntax, turned into querysets over `SearchEntry`.

`filter=kind=component,spec.type=service` ANDs its conditions; repeated `filter` params are
ORed; a key without `=` means "has this field"; a key repeated inside one filter matches any
of its values. Keys and values compare case-insensitively (SearchEntry is stored lower case)
and dotted paths reach into arrays (one SearchEntry row per element). Every condition is an
indexed `(key, value)` subquery: entities are never loaded into Python to be filtered.

The language is not HTTP: the catalog API parses its `filter` parameters with it, and the
scaffolder's entity pickers apply a template's `catalogFilter` with it. InputError (core) carries
the message an API answers with 400.
"""

import uuid

from django.db.models import Q, QuerySet

from catalog.lib.relations import RELATION_PAIRS
from catalog.lib.validation import KNOWN_KINDS
from catalog.models import Entity, Relation, SearchEntry
from core.api.errors import InputError

MAX_FILTERS = 50
MAX_CONDITIONS = 50

RELATION_TYPES = {name.lower(): name for name in RELATION_PAIRS}

# One filter: key (lower case) -> accepted values (lower case); an empty list means "exists".
Filter = dict[str, list[str]]


def parse_filters(raw_filters: list[str]) -> list[Filter]:
    """Parse every `filter` parameter; InputError on an empty key or too many conditions."""
    if len(raw_filters) > MAX_FILTERS:
        raise InputError(f"At most {MAX_FILTERS} filter parameters are accepted.")
    parsed = []
    for raw in raw_filters:
        statements = [s.strip() for s in raw.split(",") if s.strip()]
        if len(statements) > MAX_CONDITIONS:
            raise InputError(f"At most {MAX_CONDITIONS} conditions are accepted in one filter.")
        conditions: Filter = {}
        for statement in statements:
            key, sep, value = statement.partition("=")
            key = key.strip().lower()
            if not key:
                raise InputError(
                    f"Invalid filter, {statement!r} is not a valid statement (expected a=b, a= or a)"
                )
            values = conditions.setdefault(key, [])
            if sep:
                values.append(value.strip().lower())
        if conditions:
            parsed.append(conditions)
    return parsed


def _relation_condition(relation_type: str, values: list[str]) -> Q:
    """`relations.<type>` from the Relation table: it holds both directions (ownerOf as well as
    ownedBy), the way the served `relations` are stitched; SearchEntry only has outgoing ones."""
    relations = Relation.objects.filter(type=RELATION_TYPES.get(relation_type, relation_type))
    if values:
        relations = relations.filter(target_ref__in=sorted(set(values)))
    return Q(ref__in=relations.values("source_ref"))


def _kind_condition(values: list[str]) -> Q:
    """`kind=component` on the (kind, ref) index, so by-query reads rows in ref order straight
    from that index. Validation admits only Backstage's kinds, whose schemas fix their spelling
    ("Component"), so the stored spelling of each requested value is known without a query."""
    if not values:
        return Q()
    kinds = Q(kind__in=sorted(KNOWN_KINDS.get(v, v) for v in set(values)))
    if len(set(values)) == 1:
        # Refs start with the kind, so its refs are one range of the unique ref index (byte
        # order, migration 0005): PostgreSQL reads a page of them without skipping other kinds.
        kinds &= Q(ref__gte=f"{values[0]}:", ref__lt=f"{values[0]};")
    return kinds


def _condition(key: str, values: list[str]) -> Q:
    if key == "kind":
        return _kind_condition(values)
    if key.startswith("relations."):
        return _relation_condition(key.removeprefix("relations."), values)
    if key == "metadata.uid":  # not flattened into SearchEntry; the column is indexed
        uids = [_uuid(v) for v in values]
        return Q(uid__in=[u for u in uids if u]) if values else Q()
    entries = SearchEntry.objects.filter(key=key)
    if values:
        entries = entries.filter(value__in=sorted(set(values)))
    return Q(id__in=entries.values("entity_id"))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def filters_q(filters: list[Filter]) -> Q | None:
    """One Q for all filters (OR of ANDs), or None when there is nothing to filter on."""
    if not filters:
        return None
    combined = Q()
    for conditions in filters:
        both = Q()
        for key, values in conditions.items():
            both &= _condition(key, values)
        combined |= both
    return combined


def apply_filters(queryset: QuerySet[Entity], filters: list[Filter]) -> QuerySet[Entity]:
    q = filters_q(filters)
    return queryset if q is None else queryset.filter(q)


def apply_full_text(queryset: QuerySet[Entity], *, term: str, fields: list[str]) -> QuerySet[Entity]:
    """Backstage's fullTextFilter: substring match on the given fields, else on the search text."""
    term = term.strip().lower()
    if not term:
        return queryset
    if fields:
        keys = sorted({f.lower() for f in fields})
        entries = SearchEntry.objects.filter(key__in=keys, value__contains=term)
        return queryset.filter(id__in=entries.values("entity_id"))
    return queryset.filter(search_text__contains=term)
