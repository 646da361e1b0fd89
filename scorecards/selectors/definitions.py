"""Reads of scorecard definitions (the registered files)."""

from django.db.models import QuerySet

from scorecards.models import Scorecard


def scorecard_list(*, enabled_only: bool = False) -> QuerySet[Scorecard]:
    queryset = Scorecard.objects.all().order_by("title")
    return queryset.filter(enabled=True, status=Scorecard.Status.OK) if enabled_only else queryset


def scorecard_get(*, slug: str) -> Scorecard | None:
    return Scorecard.objects.filter(slug=str(slug or "").lower()[:100]).first()


def scorecard_checks(*, scorecard: Scorecard) -> list[dict]:
    """Every check of the definition, in card order, with its category: [{key, title, category, ...}]."""
    return [{**check, "category": category["key"], "category_title": category["title"]}
            for category in (scorecard.definition or {}).get("categories", []) for check in category["checks"]]


def scorecard_levels(*, scorecard: Scorecard) -> list[dict]:
    return list((scorecard.definition or {}).get("levels", []))
