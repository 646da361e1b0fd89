"""What the home page shows a developer: their services and their team's, starred and recently
visited entities, their unfinished scaffolder tasks, the docs of what they own, and the surveys
open to them. A constant number of queries, whatever the size of the catalog.

"Mine" follows the access policy (core.access): an entity is the person's when its owner is one of
their catalog User refs; their team's when it is one of their groups or those groups' child groups.

Scorecard status (and other apps that do not exist yet) plugs in through `home_panel_register`: the
home page renders every registered panel, in order, and leaves out one that raises. The apps sit
below the portal and may not import it, so the portal registers their panel (in PortalConfig.ready)
with a context function that reads the app's public selectors, e.g. the team's scorecard results.
No panel is registered until such an app exists: the home page shows nothing it cannot back.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from catalog.access import entity_read_filter
from catalog.lib.refs import split_key
from catalog.models import Entity
from catalog.selectors import entity_url
from core.access import identity_of
from portal.stars import starred_refs, visited_refs
from scaffolding.models import ScaffoldRun
from scaffolding.selectors import run_list
from surveys import selectors as survey_selectors
from techdocs.selectors import documented_entities

logger = logging.getLogger(__name__)

SERVICES_SHOWN = 50
DOCS_SHOWN = 20
TASKS_SHOWN = 10
COLUMNS = ("id", "ref", "kind", "namespace", "name", "title", "description", "owner_ref", "lifecycle")


def _decorate(entities) -> list[Entity]:
    for entity in entities:
        entity.url = entity_url(entity.ref)
        entity.owner_url = entity_url(entity.owner_ref) if entity.owner_ref else ""
        entity.owner_name = split_key(entity.owner_ref)[2] if entity.owner_ref else ""
    return list(entities)


def _visible(queryset, user):
    condition = entity_read_filter(user)  # None: the person may read everything, no condition
    return queryset if condition is None else queryset.filter(condition)


@dataclass
class HomeData:
    my_services: list
    team_services: list
    teams: list[str]
    starred: list
    recent: list
    tasks: list
    tasks_total: int
    docs: list
    surveys: list


def _services(user, user_refs: set[str], team_refs: set[str]) -> tuple[list, list]:
    owners = sorted(user_refs | team_refs)
    if not owners:
        return [], []
    rows = _decorate(_visible(Entity.objects.filter(ref__startswith="component:", owner_ref__in=owners), user)
                     .only(*COLUMNS).order_by("ref")[:SERVICES_SHOWN * 2])
    mine = [e for e in rows if e.owner_ref in user_refs][:SERVICES_SHOWN]
    team = [e for e in rows if e.owner_ref not in user_refs][:SERVICES_SHOWN]
    return mine, team


def _by_refs(user, starred: list[str], recent: list[str]) -> tuple[list, list]:
    """Starred and recent entities in their lists' order, read in one query; refs the person may no
    longer read, or that left the catalog, are left out."""
    refs = set(starred) | set(recent)
    if not refs:
        return [], []
    found = {e.ref: e for e in _decorate(_visible(Entity.objects.filter(ref__in=refs), user).only(*COLUMNS))}
    return [found[r] for r in starred if r in found], [found[r] for r in recent if r in found]


def _docs(user, owners: set[str]) -> list:
    if not owners:
        return []
    rows = _decorate(_visible(documented_entities().filter(owner_ref__in=sorted(owners)), user)
                     .only(*COLUMNS).order_by("ref")[:DOCS_SHOWN])
    for entity in rows:
        entity.docs_url = reverse("techdocs:site", kwargs={"namespace": entity.namespace.lower(),
                                                           "kind": entity.kind.lower(), "name": entity.name.lower()})
    return rows


@dataclass
class SurveyStatus:
    campaign: object
    answered: bool
    team: str


def _surveys(user) -> list[SurveyStatus]:
    """Campaigns open today whose audience includes the person, whether they answered, and the team
    their answer counts for."""
    day = survey_selectors.today()
    open_now = list(survey_selectors.campaign_list().filter(opens_on__lte=day, closes_on__gte=day))
    if not open_now:
        return []
    mine = survey_selectors.campaigns_in_audience(user=user, campaigns=open_now)
    if not mine:
        return []
    answered = survey_selectors.answered_campaign_ids(user=user)
    return [SurveyStatus(campaign=c, answered=c.pk in answered,
                         team=split_key(survey_selectors.user_team(user=user, campaign=c))[2])
            for c in mine]


def home_data(*, user) -> HomeData:
    identity = identity_of(user)
    user_refs = set(identity.user_refs) if identity else set()
    team_refs = (set(identity.ownership_refs) - user_refs) if identity else set()
    mine, team = _services(user, user_refs, team_refs)
    starred, recent = _by_refs(user, starred_refs(user=user), visited_refs(user=user))
    tasks, tasks_total = run_list(created_by_user=user, limit=TASKS_SHOWN,
                                  statuses=[ScaffoldRun.Status.OPEN, ScaffoldRun.Status.PROCESSING])
    return HomeData(
        my_services=mine, team_services=team,
        teams=sorted(split_key(ref)[2] or ref for ref in (identity.groups if identity else ())),
        starred=starred, recent=recent, tasks=tasks, tasks_total=tasks_total,
        docs=_docs(user, user_refs | team_refs), surveys=_surveys(user),
    )


# --- Panels of other apps (scorecards, ...) ----------------------------------------------------


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    template: str
    context: Callable
    order: int = 100


_PANELS: dict[str, HomePanel] = {}


def home_panel_register(*, key: str, title: str, template: str, context: Callable, order: int = 100) -> HomePanel:
    """Add (or replace) a home page panel: `context(request)` returns the template's context, or None
    to leave the panel out for this person (the template also gets `panel_title`)."""
    panel = HomePanel(key=key, title=title, template=template, context=context, order=order)
    _PANELS[key] = panel
    return panel


def home_panel_unregister(*, key: str) -> None:
    _PANELS.pop(key, None)


@dataclass(frozen=True)
class RenderedHomePanel:
    key: str
    title: str
    html: SafeString | str


def home_panels(request) -> list[RenderedHomePanel]:
    rendered = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        try:
            extra = panel.context(request)
            if extra is None:
                continue
            html = render_to_string(panel.template, {"panel_title": panel.title, **extra}, request=request)
        except Exception:
            logger.exception("home panel %s failed; left out", panel.key)
            continue
        rendered.append(RenderedHomePanel(key=panel.key, title=panel.title, html=html))
    return rendered
