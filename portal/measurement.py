"""Wires scorecards' reads into insights' Platform Health: the two apps sit on one layer and may not
import each other, so the portal, above both, hands insights the functions it needs at start-up.

scorecards' public reads used (`scorecards.selectors.scores`): `passing_all_share` (the share of
scored services that fail no check of the golden-path scorecard, PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD),
`grade_distribution` and `scorecard_list` (a team's grades per scorecard).
"""

from django.conf import settings

from scorecards.selectors import scores


def golden_path_share(owner_refs: list[str] | None) -> float | None:
    return scores.passing_all_share(scorecard_slug=settings.PAVED_INSIGHTS_GOLDEN_PATH_SCORECARD,
                                    owner_refs=owner_refs)


def grade_rows(owner_refs: list[str]) -> list[tuple[str, list[tuple[str, int]]]]:
    """(scorecard title, [(grade, count)]) for each scorecard where the team has a scored entity."""
    found = [(card.title or card.slug, list(scores.grade_distribution(scorecard_slug=card.slug,
                                                                      owner_refs=owner_refs).items()))
             for card in scores.scorecard_list()]
    return [(title, rows) for title, rows in found if any(n for _grade, n in rows)]


def connect() -> None:
    from insights.selectors.health import source_register

    source_register("golden_path_share", golden_path_share)
    source_register("grade_distribution", grade_rows)
