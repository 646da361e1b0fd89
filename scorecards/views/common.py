"""What the scorecards pages share: access, query-string parsing, chart labels, CSV cells."""

import datetime
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404

from catalog import access as catalog_access
from catalog.selectors import entity_get
from core.access import require
from scorecards.selectors import scores as selectors

READ = "scorecards.scorecard.read"
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_PARAM = 200


def read_require(request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to see scorecards.")
    require(request.user, READ)


def param(request, name: str, limit: int = MAX_PARAM) -> str:
    return str(request.GET.get(name, "") or "").replace("\x00", "").strip()[:limit]


def filters_from(request) -> tuple[selectors.ScoreFilters, list[str]]:
    """The list filters from the query string, and what was wrong with them (ignored, not a 500)."""
    problems = []
    sort = param(request, "sort") or "name"
    if not selectors.sort_valid(sort):
        problems.append(f"sort: expected one of {', '.join(selectors.SORTS)} (with - to reverse), got {sort[:40]!r}")
        sort = "name"
    return selectors.ScoreFilters(owner=param(request, "owner", 320), grade=param(request, "grade", 2),
                                  failing=param(request, "failing", 100), q=param(request, "q", 100),
                                  sort=sort), problems


def query(params: list[tuple[str, str]], **changes: str) -> str:
    merged = dict(params)
    merged.update(changes)
    return "?" + urlencode([(k, v) for k, v in merged.items() if v])


def week_labels(weeks: list[datetime.date]) -> list[str]:
    return [f"{w:%-d %b}" for w in weeks]


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (a formula) gets a quote first."""
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str("" if value is None else value)
    return f"'{text}" if text.startswith(CSV_FORMULA_PREFIXES) else text


def entity_or_404(request, namespace: str, kind: str, name: str):
    entity = entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None or not catalog_access.entity_readable(request.user, entity):
        raise Http404("No such entity in the catalog.")
    return entity


def entity_path(entity_ref: str) -> str:
    kind, _, rest = entity_ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"/scorecards/entities/{namespace}/{kind}/{name}/"


def owner_path(owner_ref: str) -> str:
    kind, _, rest = owner_ref.partition(":")
    namespace, _, name = rest.partition("/")
    return f"/scorecards/teams/{namespace}/{name}/" if kind == "group" and name else ""
