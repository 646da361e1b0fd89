"""Reads of stored facts: an entity's current facts, their history, the reports they came from.

Refs are the lower-case `kind:namespace/name` keys (scorecards.services.facts.entity_key_of turns a
short ref into one). Access is the caller's business (the API checks catalog.entity.read).
"""

from scorecards.models import Fact, FactRecord, Report

MAX_HISTORY = 1000


def facts_current(*, entity_ref: str) -> list[Fact]:
    """The current value of every fact about one entity, by key."""
    return list(Fact.objects.filter(entity_ref=entity_ref).order_by("key"))


def facts_by_entity(*, refs, keys=None) -> dict[str, dict[str, Fact]]:
    """ref -> key -> Fact for many entities (the scoring engine reads facts this way), in batches of 500."""
    refs = sorted(set(refs))
    found: dict[str, dict[str, Fact]] = {}
    for start in range(0, len(refs), 500):
        query = Fact.objects.filter(entity_ref__in=refs[start:start + 500])
        if keys is not None:
            query = query.filter(key__in=list(keys))
        for fact in query:
            found.setdefault(fact.entity_ref, {})[fact.key] = fact
    return found


def facts_history(*, entity_ref: str, key: str = "", limit: int = 100,
                  before_id: int | None = None) -> list[FactRecord]:
    """Changes of one entity's facts (of one key when given), newest stored first; `before_id` (the
    last id of the previous page) pages on."""
    query = FactRecord.objects.filter(entity_ref=entity_ref)
    if key:
        query = query.filter(key=key)
    if before_id is not None:
        query = query.filter(pk__lt=before_id)
    return list(query.select_related("report").order_by("-pk")[:max(1, min(limit, MAX_HISTORY))])


def reports_recent(*, entity_ref: str, limit: int = 20) -> list[Report]:
    """The latest reports received for one entity."""
    return list(Report.objects.filter(entity_ref=entity_ref).order_by("-received_at", "-pk")[:limit])
