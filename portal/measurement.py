"""Wires scorecards' reads into insights' Platform Health: the two apps sit on one layer and may not
import each other, so the portal, above both, hands insights the functions it needs at start-up.

scorecards' public CONTRACT (being written beside insights): `scorecards.selectors.scores.check_pass_rates`
and `grade_distribution`. When this build's scorecards lacks them, nothing is registered and the
dashboard says so (the golden-path figure then counts template-made services only).
"""

import logging

logger = logging.getLogger(__name__)


def connect() -> None:
    from insights.selectors.health import source_register

    try:
        from scorecards.selectors import scores
    except ImportError:
        return
    pass_rates = getattr(scores, "check_pass_rates", None)
    grades = getattr(scores, "grade_distribution", None)
    if pass_rates is not None:
        def golden_path_passing(component_refs: list[str]) -> set[str]:
            # Components that pass every golden-path check (a pass rate of 1.0 over those checks).
            try:
                rates = pass_rates(component_refs=component_refs, tag="golden-path")
            except TypeError:  # a signature this wiring does not know: count template-made services only
                logger.exception("scorecards.selectors.scores.check_pass_rates has an unexpected signature.")
                return set()
            return {ref for ref, rate in (rates or {}).items() if rate is not None and rate >= 1.0}

        source_register("golden_path_passing", golden_path_passing)
    if grades is not None:
        def grade_rows(component_refs: list[str]) -> list[tuple[str, int]]:
            try:
                result = grades(component_refs=component_refs)
            except TypeError:
                logger.exception("scorecards.selectors.scores.grade_distribution has an unexpected signature.")
                return []
            return list(result.items()) if isinstance(result, dict) else list(result or [])

        source_register("grade_distribution", grade_rows)
