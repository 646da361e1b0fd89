"""Reads of registered locations: the list, one location, what it provides, and the processing
errors of reading them (by location and file)."""

from django.core.paginator import Page, Paginator
from django.db.models import Q

from catalog.models import Entity, Location, ProcessingError
from catalog.selectors.entities import LIST_COLUMNS, decorate_entities, entity_url
from catalog.selectors.users import user_owner_refs


def location_list(*, page: int | str = 1, page_size: int = 50) -> Page:
    return Paginator(Location.objects.order_by("created_at"), page_size).get_page(page)


def location_get(*, location_id) -> Location | None:
    try:
        return Location.objects.filter(pk=location_id).first()
    except (ValueError, TypeError):
        return None


def location_entities(*, location: Location, limit: int = 200) -> list[Entity]:
    qs = Entity.objects.filter(location=location).only(*LIST_COLUMNS).order_by("ref")[:limit]
    return decorate_entities(qs)


def location_errors(*, location: Location, limit: int = 200) -> list[ProcessingError]:
    return list(ProcessingError.objects.filter(location=location).order_by("source", "document", "id")[:limit])


def existing_refs(*, refs) -> dict[str, str | None]:
    """ref -> location id (as text) of entities already stored among `refs` (for the import preview)."""
    refs = sorted(set(refs))
    found: dict[str, str | None] = {}
    for start in range(0, len(refs), 1000):
        for ref, location_id in Entity.objects.filter(ref__in=refs[start : start + 1000]).values_list(
            "ref", "location_id"
        ):
            found[ref] = str(location_id) if location_id else None
    return found


def error_list(*, page: int | str = 1, user=None, mine: bool = False, page_size: int = 100,
               visible: Q | None = None) -> Page:
    """Processing errors by location and file; `mine`: those concerning the person's groups' entities."""
    qs = ProcessingError.objects.select_related("location").order_by("location__created_at", "source", "document",
                                                                        "id")
    if visible is not None:  # errors naming an entity the person may not see stay hidden
        qs = qs.filter(Q(entity_ref="") | Q(entity_ref__in=Entity.objects.filter(visible).values("ref")))
    if mine:
        # An invalid document is never stored, so its error is "mine" when it names one of my
        # entities or sits in a file that provides one.
        owned = Entity.objects.filter(owner_ref__in=user_owner_refs(user))
        qs = qs.filter(Q(entity_ref__in=owned.values("ref")) | Q(source__in=owned.values("source")))
    page_obj = Paginator(qs, page_size).get_page(page)
    page_obj.object_list = list(page_obj.object_list)
    for error in page_obj.object_list:
        error.entity_url = entity_url(error.entity_ref) if error.entity_ref else ""
    return page_obj

