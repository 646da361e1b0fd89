"""Wires scorecards' reads into insights' Platform Health: the two apps sit on one layer and may not
import each other, so the portal, above both, hands insights the functions it needs at start-up.

scorecards' public reads used (`scorecards.selectors.scores`): `check_pass_rates(scorecard_slug=,
owner_refs=)` (per check: passed, failed, exempt), `grade_distribution(scorecard_slug=, owner_refs=)`
(grade -> count) and `scorecard_list()`. When this build's scorecards lacks them, nothing is
registered and the pages say so (the golden-path figure then counts template-made services only).

The golden-path scorecard is the one whose slug is PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD.
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def golden_path_share(rates) -> float | None:
    """At least this share of the scored services passes every check of the golden-path scorecard.

    The scorecards read counts per check, not per service, so the share passing all of them is
    bounded from below: 1 - the sum of the checks' failure shares (exact with one check). None
    when no service was judged."""
    judged = [r for r in rates if r.passed + r.failed]
    if not judged:
        return None
    return max(0.0, 1.0 - sum(1.0 - r.passed / (r.passed + r.failed) for r in judged))


def connect() -> None:
    from insights.selectors.health import source_register

    try:
        from scorecards.selectors import scores
    except ImportError:
        return
    pass_rates = getattr(scores, "check_pass_rates", None)
    grades = getattr(scores, "grade_distribution", None)
    cards = getattr(scores, "scorecard_list", None)
    if pass_rates is not None:
        def golden_path(owner_refs: list[str] | None) -> float | None:
            try:
                rates = pass_rates(scorecard_slug=settings.PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD, owner_refs=owner_refs)
            except TypeError:  # a signature this wiring does not know: count template-made services only
                logger.exception("scorecards.selectors.scores.check_pass_rates has an unexpected signature.")
                return None
            return golden_path_share(rates)

        source_register("golden_path_share", golden_path)
    if grades is not None and cards is not None:
        def grade_rows(owner_refs: list[str]) -> list[tuple[str, list[tuple[str, int]]]]:
            try:
                found = [(card.title or card.slug, list(grades(scorecard_slug=card.slug, owner_refs=owner_refs)
                                                        .items())) for card in cards()]
            except TypeError:
                logger.exception("scorecards.selectors.scores.grade_distribution has an unexpected signature.")
                return []
            return [(title, rows) for title, rows in found if any(n for _grade, n in rows)]

        source_register("grade_distribution", grade_rows)
