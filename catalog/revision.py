"""The catalog's revision: a value every write changes, read by caches of derived figures.

by-query's totalItems is a COUNT, and entity-facets a GROUP BY, over every matching entity:
both grow with the catalog. Cached per (revision, query) they are computed once per change
instead of once per request, so a request costs the same at 1,000 or 50,000 entities. The
revision lives in the database because the writer (a worker) and the readers (web
processes) are different processes.
"""

import secrets
from collections import OrderedDict

from django.db import connection, transaction

from catalog.models import CatalogRevision
from core.signals import identities_changed

_TABLE = CatalogRevision._meta.db_table
_counts: OrderedDict[tuple, int] = OrderedDict()
MAX_CACHED = 2048


def revision_bump(*, identities: bool = True) -> None:
    """Call inside the writing transaction: readers see the new revision with the new data.

    A random value rather than +1: a restored backup or a rolled-back transaction can then
    never bring back a number some process has cached answers for. `identities=False` when
    no User or Group changed, so the access policy keeps whom it knew.
    """
    value = secrets.randbits(62)
    if not CatalogRevision.objects.filter(pk=1).update(value=value):
        CatalogRevision.objects.update_or_create(pk=1, defaults={"value": value})
    # Users, groups and memberships may have changed: the access policy forgets whom it knew, now
    # for this transaction's own reads and again at commit for everyone else's.
    if identities:
        identities_changed.send(sender=CatalogRevision)
        transaction.on_commit(lambda: identities_changed.send(sender=CatalogRevision))


def revision_cache_clear() -> None:
    _counts.clear()


def revision_current() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "value" FROM "{_TABLE}" WHERE "id" = 1')
        row = cursor.fetchone()
    return row[0] if row else 0


def cached_by_revision(key: tuple, compute):
    """`compute()` once per catalog revision and `key`; at most MAX_CACHED answers are kept.
    Callers must not mutate what they get back: it is shared by later requests."""
    full_key = (revision_current(), *key)
    if full_key in _counts:
        _counts.move_to_end(full_key)
        return _counts[full_key]
    value = compute()
    _counts[full_key] = value
    if len(_counts) > MAX_CACHED:
        _counts.popitem(last=False)
    return value
