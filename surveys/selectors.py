"""Reads: campaigns, audiences, a person's team, the open-campaign banner and the results-publication
settings (read by the results pages and by services.publish)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from catalog.models import Entity, Relation
from catalog.selectors import user_groups
from surveys.lib.stats import Tally, change, visible_groups
from surveys.models import Answer, Campaign, CampaignQuestion, CampaignTally, Participation, Question

CLOSED_ONLY = "closed-only"  # PAVED_SURVEYS_OPEN_RESULTS: results only once a campaign has closed


def today() -> date:
    return timezone.localdate()


def min_group_size() -> int:
    return settings.PAVED_SURVEYS_MIN_GROUP_SIZE


def results_batch() -> int:
    """Open campaigns' results move by whole batches of this many answers per team (services.publish)."""
    return settings.PAVED_SURVEYS_RESULTS_BATCH


def results_closed_only() -> bool:
    return settings.PAVED_SURVEYS_OPEN_RESULTS == CLOSED_ONLY


def results_held(*, campaign: Campaign) -> bool:
    """True while nothing of the campaign may be shown at all (closed-only mode, not closed yet)."""
    return results_closed_only() and campaign.status_on(today()) != Campaign.Status.CLOSED


# --- Scores per quarter, for the measurement apps (insights) ------------------------------------


@dataclass(frozen=True)
class CampaignScore:
    """One campaign's headline figures from its published snapshot, under the k rule: None when the
    group asked for (everyone, or one team) may not be shown."""

    quarter: str
    opens_on: date
    responses: int
    nps: float | None
    mean: float | None  # mean of every 1-5 answer


def campaign_scores(*, team_ref: str | None = None) -> list[CampaignScore]:
    """Per campaign, oldest first: Developer NPS and the mean Likert score, for everyone or for one
    team when that team stands alone under the minimum group size. Three queries."""
    k = min_group_size()
    campaigns = [c for c in Campaign.objects.order_by("opens_on") if not results_held(campaign=c)]
    ids = [c.pk for c in campaigns]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for cid, team, n in CampaignTally.objects.filter(campaign_id__in=ids, question__isnull=True).values_list(
            "campaign_id", "team_ref", "n"):
        counts[cid][team] = n
    kinds = dict(Question.objects.filter(items__campaign_id__in=ids).values_list("id", "kind").distinct())
    nps: dict[int, Tally] = defaultdict(Tally)
    likert: dict[int, Tally] = defaultdict(Tally)
    rows = CampaignTally.objects.filter(campaign_id__in=ids, question__isnull=False, value__isnull=False)
    if team_ref is not None:
        rows = rows.filter(team_ref=team_ref.lower())
    for cid, qid, value, n in rows.values_list("campaign_id", "question_id", "value", "n"):
        if kinds.get(qid) == Question.Kind.NPS:
            nps[cid].add(value, n)
        elif kinds.get(qid) == Question.Kind.LIKERT:
            likert[cid].add(value, n)
    out = []
    for c in campaigns:
        labels = visible_groups(counts.get(c.pk, {}), k)
        if team_ref is None:
            shown, responses = labels is not None, sum(counts.get(c.pk, {}).values())
        else:
            shown = labels is not None and labels.get(team_ref.lower()) == team_ref.lower()
            responses = counts.get(c.pk, {}).get(team_ref.lower(), 0)
        out.append(CampaignScore(quarter=c.quarter, opens_on=c.opens_on, responses=responses if shown else 0,
                                 nps=nps[c.pk].nps if shown else None, mean=likert[c.pk].mean if shown else None))
    return out


def campaign_list() -> QuerySet:
    return Campaign.objects.order_by("-opens_on")


def campaign_get(*, campaign_id: int) -> Campaign | None:
    return Campaign.objects.filter(pk=campaign_id).first()


@dataclass
class QuestionScore:
    question_id: int
    text: str
    mean: float | None  # 1-5
    previous_mean: float | None
    n: int

    @property
    def change(self) -> float | None:
        return change(self.mean, self.previous_mean)


@dataclass
class SurveySummary:
    """The latest closed campaign in one read for the apps above (the maturity assessment's pain
    points): Likert means with their change against the previous closed campaign, the NPS, and the
    published free-text answers. Nothing is given when fewer than the minimum group size answered."""
    campaign: Campaign
    previous: Campaign | None
    shown: bool
    responses: int
    questions: list[QuestionScore] = field(default_factory=list)
    nps: float | None = None
    previous_nps: float | None = None
    texts: list[str] = field(default_factory=list)


def _campaign_tallies(campaign: Campaign) -> tuple[int, dict[int, Tally] | None]:
    """(published responses, question -> Tally) under the k rule; None when it hides everything."""
    teams = dict(CampaignTally.objects.filter(campaign=campaign, question__isnull=True).values_list("team_ref", "n"))
    if visible_groups(teams, min_group_size()) is None:
        return sum(teams.values()), None
    tallies: dict[int, Tally] = defaultdict(Tally)
    for question_id, value, n in (CampaignTally.objects.filter(campaign=campaign, question__isnull=False,
                                                               value__isnull=False)
                                  .values_list("question_id", "value").annotate(total=Sum("n")).order_by()):
        tallies[question_id].add(value, n)
    return sum(teams.values()), tallies


def latest_results_summary(*, max_texts: int = 500) -> SurveySummary | None:
    """The latest closed campaign's results (see SurveySummary); None when no campaign has closed."""
    closed = list(Campaign.objects.filter(closes_on__lt=today()).order_by("-closes_on")[:2])
    if not closed:
        return None
    campaign = closed[0]
    previous = closed[1] if len(closed) > 1 else None
    responses, tallies = _campaign_tallies(campaign)
    summary = SurveySummary(campaign=campaign, previous=previous, shown=tallies is not None, responses=responses)
    if tallies is None:
        return summary
    before = _campaign_tallies(previous)[1] if previous else None
    for item in campaign_items(campaign=campaign):
        question = item.question
        tally = tallies.get(question.pk, Tally())
        old = (before or {}).get(question.pk)
        if question.kind == Question.Kind.LIKERT:
            summary.questions.append(QuestionScore(question.pk, question.text, tally.mean, old.mean if old else None,
                                                   tally.n))
        elif question.kind == Question.Kind.NPS:
            summary.nps, summary.previous_nps = tally.nps, old.nps if old else None
    summary.texts = list(Answer.objects.filter(campaign=campaign, response__published=True,
                                               question__kind=Question.Kind.TEXT)
                         .exclude(text="").order_by("id").values_list("text", flat=True)[:max_texts])
    return summary


def campaign_items(*, campaign: Campaign) -> list[CampaignQuestion]:
    return list(campaign.items.select_related("question").order_by("order"))


def campaign_sections(*, items: list[CampaignQuestion]) -> list[tuple[str, list[CampaignQuestion]]]:
    """Items grouped by section, in question order (a section is where its first question is)."""
    sections: dict[str, list[CampaignQuestion]] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def _children_map() -> dict[str, set[str]]:
    children: dict[str, set[str]] = defaultdict(set)
    rows = Relation.objects.filter(type__in=("childOf", "parentOf"), source_ref__startswith="group:").values_list(
        "source_ref", "type", "target_ref"
    )
    for source, rtype, target in rows:
        if rtype == "childOf":
            children[target].add(source)
        else:
            children[source].add(target)
    return children


def group_descendants(*, refs: list[str]) -> set[str]:
    """The groups and all their sub-groups (childOf/parentOf in the catalog), lower case."""
    return _descendants(refs, _children_map())


def _descendants(refs: list[str], children: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [ref.lower() for ref in refs]
    while todo:
        ref = todo.pop()
        if ref not in seen:
            seen.add(ref)
            todo.extend(children.get(ref, ()))
    return seen


def _audience_refs(campaign: Campaign) -> set[str] | None:
    return None if campaign.audience_is_everyone else group_descendants(refs=campaign.audience_groups)


def user_in_audience(*, user, campaign: Campaign) -> bool:
    return bool(campaigns_in_audience(user=user, campaigns=[campaign]))


def campaigns_in_audience(*, user, campaigns: list[Campaign]) -> list[Campaign]:
    """The campaigns whose audience includes the person; their groups and the group tree are read once."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if all(c.audience_is_everyone for c in campaigns):
        return list(campaigns)
    groups, children = set(user_groups(user)), _children_map()
    return [c for c in campaigns if c.audience_is_everyone or _descendants(c.audience_groups, children) & groups]


def user_team(*, user, campaign: Campaign) -> str:
    """The group a person's answer is counted under: one of their groups, preferring the audience's."""
    return _pick_team(user_groups(user), _audience_refs(campaign))


def _pick_team(groups: list[str], audience: set[str] | None) -> str:
    if audience is not None:
        groups = [g for g in groups if g in audience] or groups
    return groups[0] if groups else ""


def audience_teams(*, campaign: Campaign, exclude_user_ids=()) -> list[tuple]:
    """(user, team) for the audience's people not in `exclude_user_ids`; the audience is read once."""
    audience = _audience_refs(campaign)
    users = _audience_users(audience).exclude(pk__in=exclude_user_ids)
    return [(user, _pick_team(user_groups(user), audience)) for user in users]


def audience_users(*, campaign: Campaign) -> QuerySet:
    """Active people in the audience: everyone, or the catalog members of the groups and sub-groups."""
    return _audience_users(_audience_refs(campaign))


def _audience_users(audience: set[str] | None) -> QuerySet:
    users = get_user_model().objects.filter(is_active=True)
    if audience is None:
        return users
    member_refs = set(
        Relation.objects.filter(type="memberOf", target_ref__in=audience, source_ref__startswith="user:")
        .values_list("source_ref", flat=True)
    )
    match = Q(pk__in=[])
    for name, body in Entity.objects.filter(ref__in=member_refs).values_list("name", "body"):
        match |= Q(username__iexact=name)
        email = ((body or {}).get("spec", {}).get("profile", {}) or {}).get("email")
        if email:
            match |= Q(email__iexact=email)
    return users.filter(match)


def open_campaigns_for(*, user) -> list[Campaign]:
    """Open campaigns this person is in the audience of and has not answered yet (the banner)."""
    if not getattr(user, "is_authenticated", False):
        return []
    day = today()
    campaigns = list(Campaign.objects.filter(opens_on__lte=day, closes_on__gte=day))
    if not campaigns:
        return []
    answered = set(
        Participation.objects.filter(campaign__in=campaigns, user=user, answered=True).values_list(
            "campaign_id", flat=True
        )
    )
    return campaigns_in_audience(user=user, campaigns=[c for c in campaigns if c.pk not in answered])


def user_has_answered(*, user, campaign: Campaign) -> bool:
    return Participation.objects.filter(campaign=campaign, user=user, answered=True).exists()


def answered_campaign_ids(*, user) -> set[int]:
    """The campaigns the person has answered (one query, for lists)."""
    return set(Participation.objects.filter(user=user, answered=True).values_list("campaign_id", flat=True))
