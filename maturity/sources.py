"""Every read of another app's data, in one module, so tests replace these functions with fixtures.

Each function returns a `Reading`: the value in the dimension's unit (None when there is no data),
a sentence of evidence, links to where the evidence lives, and, without data, what is missing and
how to send it. The contract functions of scorecards and insights are imported inside the
functions (their modules land with those apps); catalog, techdocs, scaffolding and surveys are read
through their public selectors.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

DEFAULT_SCORECARD = "service-maturity"


@dataclass
class Reading:
    value: float | None
    detail: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    needs: str = ""


def url(name: str, fallback: str) -> str:
    """A named page's URL, or `fallback` while the app that serves it has not mounted it yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def insights_settings_url() -> str:
    return url("insights:settings", "/insights/settings/")


def _health(key: str, team_ref: str | None, *, scale: float = 1.0) -> Reading:
    from insights.selectors.health import metric

    found = metric(key=key, team_ref=team_ref)
    if found is None or found.value is None:
        needs = (found.needs if found is not None else "") or "Insights has no data for this yet."
        return Reading(None, needs=needs, links=[("Connect data in Insights", insights_settings_url())])
    value = float(found.value) * scale

    def shown(number: float) -> str:
        return f"{number * scale:.0f}%" if scale == 100.0 else f"{number:g} {found.unit}".strip()

    detail = f"{found.label}: {shown(found.value)}"
    if found.previous is not None:
        detail += f" (previously {shown(found.previous)})"
    return Reading(value, detail, [("Insights", url("insights:index", "/insights/"))])


def service_creation(*, team_ref: str | None = None) -> Reading:
    """Median hours from template start to first production deploy (insights' health metric)."""
    return _health("service_creation_hours", team_ref)


def self_service(*, team_ref: str | None = None) -> Reading:
    """Share of infrastructure requests with no ticket, in percent."""
    return _health("self_service_rate", team_ref, scale=100.0)


def onboarding(*, team_ref: str | None = None) -> Reading:
    """Median days from a new developer's start to their first commit."""
    return _health("onboarding_days", team_ref)


def cost_attribution(*, team_ref: str | None = None) -> Reading:
    """Share of last month's spend attributed to a team, in percent (organisation-wide only)."""
    from insights.selectors.cost import attributed_share

    share = attributed_share()
    if share is None:
        return Reading(None, needs="No cost data: import a cost report in Insights.",
                       links=[("Connect cost data", insights_settings_url())])
    percent = float(share) * 100 if share <= 1 else float(share)
    return Reading(percent, f"{percent:.0f}% of spend is attributed to a team", [("Insights", url("insights:index",
                                                                                                   "/insights/"))])


def _checks(category: str, owner_refs: list[str] | None):
    from scorecards.selectors.scores import check_pass_rates

    # CheckRate.category is the category as the scorecard shows it ("Monitoring"): compare without case.
    return [c for c in check_pass_rates(scorecard_slug=DEFAULT_SCORECARD, owner_refs=owner_refs)
            if c.category.strip().lower() == category]


def monitoring(*, owner_refs: list[str] | None = None) -> Reading:
    """Share of services passing the monitoring checks (SLO defined, alerting configured): the
    weakest of those checks' pass rates, since a service must pass all of them to be covered."""
    checks = [c for c in _checks("monitoring", owner_refs) if c.total - c.exempt > 0]
    if not checks:
        return Reading(None, needs=f"No monitoring checks scored on the '{DEFAULT_SCORECARD}' scorecard yet: send "
                       "facts (POST /api/facts) or run the scorecard.",
                       links=[("Scorecards", url("scorecards:index", "/scorecards/"))])
    rates = [(100.0 * c.passed / (c.total - c.exempt), c) for c in checks]
    value, worst = min(rates, key=lambda pair: pair[0])
    detail = "; ".join(f"{c.check_title}: {c.passed}/{c.total - c.exempt} pass" for _, c in rates)
    return Reading(value, detail, [("Scorecards", url("scorecards:index", "/scorecards/"))])


def documentation(*, owner_refs: list[str] | None = None) -> Reading:
    """Share of components whose TechDocs are published and fresh."""
    from catalog.selectors import component_refs
    from techdocs.selectors import docs_freshness

    refs = component_refs(owner_refs=owner_refs)
    if not refs:
        return Reading(None, needs="No components in the catalog yet: register some at /catalog/.")
    states = docs_freshness(entity_refs=refs)
    if all(state == "missing" for state in states.values()):
        # Nobody publishes docs through Paved yet: that says nothing about docs kept elsewhere.
        return Reading(None, needs=f"None of the {len(refs)} components publishes TechDocs yet: add the "
                       "backstage.io/techdocs-ref annotation, or answer the questionnaire.",
                       links=[("Docs", url("techdocs:list", "/docs/"))])
    fresh = sum(1 for s in states.values() if s == "fresh")
    stale = sum(1 for s in states.values() if s == "stale")
    return Reading(100.0 * fresh / len(refs),
                   f"{fresh} of {len(refs)} components have fresh docs, {stale} stale, "
                   f"{len(refs) - fresh - stale} none", [("Docs", url("techdocs:list", "/docs/"))])


def cicd(*, owner_refs: list[str] | None = None) -> Reading:
    """Share of components made from a golden-path template and up to date with its version."""
    from catalog.selectors import component_refs
    from scaffolding.selectors import scaffolded_entities, template_get_by_ref, template_version

    refs = component_refs(owner_refs=owner_refs)
    if not refs:
        return Reading(None, needs="No components in the catalog yet: register some at /catalog/.")
    made = scaffolded_entities(entity_refs=refs)
    if not made:
        # No lineage at all: the golden paths are not used through Paved (yet), which says nothing
        # about pipelines standardised elsewhere.
        return Reading(None, needs=f"None of the {len(refs)} components was made from a template in Paved: "
                       "adopt a template, or answer the questionnaire.",
                       links=[("Templates", url("scaffolding:template_list", "/create/"))])
    versions: dict[str, str | None] = {}
    for template_ref in {m["template_ref"] for m in made.values()}:
        template = template_get_by_ref(ref=template_ref)
        versions[template_ref] = template_version(template=template) if template is not None else None
    current = sum(1 for m in made.values() if versions.get(m["template_ref"]) in (None, m["version"]))
    return Reading(100.0 * current / len(refs),
                   f"{len(made)} of {len(refs)} components made from a template, {current} on its latest version",
                   [("Templates", url("scaffolding:template_list", "/create/"))])


def ownership(*, owner_refs: list[str] | None = None) -> Reading:
    """Share of components whose owner exists, has members and a contact e-mail."""
    from catalog.selectors import component_owners

    owners = component_owners(owner_refs=owner_refs)
    total = sum(o.components for o in owners)
    if not total:
        return Reading(None, needs="No components in the catalog yet: register some at /catalog/.")
    good = sum(o.components for o in owners if o.contactable)
    missing = sum(o.components for o in owners if not o.owner_exists)
    return Reading(100.0 * good / total,
                   f"{good} of {total} components owned and contactable; {missing} name an owner "
                   "that does not exist", [("Catalog", url("catalog:entity_list", "/catalog/"))])


def teams() -> list[str]:
    """Group refs that own at least one component (the teams the assessment is shown for)."""
    from catalog.selectors import owning_groups

    return owning_groups()


def survey_summary():
    """The latest closed survey campaign (surveys.selectors.SurveySummary) or None."""
    from surveys.selectors import latest_results_summary

    return latest_results_summary()


def worst_checks(*, owner_refs: list[str] | None = None, limit: int = 3) -> list:
    from scorecards.selectors.scores import worst_checks as scorecard_worst

    return list(scorecard_worst(scorecard_slug=DEFAULT_SCORECARD, owner_refs=owner_refs, limit=limit))

