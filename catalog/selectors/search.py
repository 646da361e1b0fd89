"""The global search box: entities matching words in name, title, description, tags or owner.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in: the policy module sits above the selectors and reads users from them).
"""

import re

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from catalog.models import Entity
from catalog.selectors.entities import LIST_COLUMNS, decorate_entities, search_words


def entity_search(*, query: str, limit: int = 50, visible: Q | None = None) -> list[Entity]:
    """Entities matching `query` in name, title, description, tags or owner; exact names first.
    With `visible`, only those it lets through."""
    query = (query or "").strip()[:200]
    words = search_words(query)
    if not words:
        return []
    qs = Entity.objects.only(*LIST_COLUMNS)
    qs = qs if visible is None else qs.filter(visible)
    contains = Q()
    for word in words:
        contains &= Q(search_text__contains=word)
    order = [
        Case(
            When(name__iexact=query, then=Value(0)),
            When(name__istartswith=words[0], then=Value(1)),
            When(title__icontains=query, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
    ]
    prefixes = [re.sub(r"[^\w]+", " ", word).split() for word in words]
    terms = [term for parts in prefixes for term in parts]
    if connection.vendor == "postgresql" and terms:
        # Imported only on PostgreSQL: django.contrib.postgres needs the psycopg driver installed.
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # Prefix terms ("pay:*") against the GIN index of migration 0004; the expression must
        # stay exactly SearchVector("search_text", config="simple") for the index to be used.
        vector = SearchVector("search_text", config="simple")
        search = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
        qs = qs.annotate(matched=vector, rank=SearchRank(vector, search)).filter(matched=search)
        order.append("-rank")
    else:
        qs = qs.filter(contains)
    return decorate_entities(qs.order_by(*order, "ref")[:limit])

