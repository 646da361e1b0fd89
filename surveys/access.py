"""Who may see survey results: the surveys.results.read permission (the "Survey results reader"
role, bound to leadership groups in the admin, and platform admins). The older Django permission
surveys.view_results, given to people in the admin before roles existed, still counts."""

from core.access import authorize

LEGACY_PERMISSION = "surveys.view_results"
WHO_MAY = ("Survey results are for platform admins and people holding the \u201cSurvey results reader\u201d role; "
           "ask a platform admin to bind your group to it.")


def results_readable(*, user) -> bool:
    return authorize(user, "surveys.results.read") or bool(user and user.has_perm(LEGACY_PERMISSION))
