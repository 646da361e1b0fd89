"""Campaigns ("every production service reaches Silver by 31 March"): a target on a scorecard (a level
or one passing check) over the scorecard's entities narrowed by an extra catalog filter, progress per
team, and reminders by e-mail to the owners still short of it.

Reminders follow the surveys' limits (PAVED_SURVEYS_MAX_REMINDERS e-mails at most, PAVED_SURVEYS_REMINDER_DAYS
apart): one setting for "how often may Paved nag someone", whatever it nags about.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.lib.filters import filters_q, parse_filters
from catalog.models import Entity
from catalog.selectors import accounts_for_refs
from core.access import require
from core.api.errors import InputError
from core.audit import audit_record
from core.notifications import notify
from scorecards.models import Campaign, CampaignReminder, CheckOutcome, Score, Scorecard
from scorecards.selectors.scores import PASSING_STATES, check_meta, ladder, levels_at_or_above

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_FILTER = 1000


def _scope(campaign: Campaign) -> QuerySet[Score]:
    """The campaign's entities: the scorecard's scored entities that also match its catalog filter."""
    qs = Score.objects.filter(scorecard_id=campaign.scorecard_id)
    if campaign.applies_to.strip():
        condition = filters_q(parse_filters([campaign.applies_to]))
        if condition is not None:
            qs = qs.filter(entity_ref__in=Entity.objects.filter(condition).values("ref"))
    return qs


def _meeting(campaign: Campaign) -> Q:
    if campaign.target_check:
        return Q(Exists(CheckOutcome.objects.filter(score_id=OuterRef("pk"), check_key=campaign.target_check,
                                                    state__in=PASSING_STATES)))
    return Q(level__in=levels_at_or_above(campaign.scorecard, campaign.target_level))


@dataclass(frozen=True)
class TeamProgress:
    owner_ref: str
    total: int
    met: int

    @property
    def share(self) -> float:
        return self.met / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    teams: list[TeamProgress]
    total: int
    met: int

    @property
    def percent(self) -> int:
        return round(self.met / self.total * 100) if self.total else 100


def campaign_progress(*, campaign: Campaign) -> CampaignProgress:
    """Per team (owner), how many of its in-scope entities meet the target; least advanced first. One query."""
    rows = (_scope(campaign).values("owner_ref")
            .annotate(total=Count("id"), met=Count("id", filter=_meeting(campaign))).order_by("owner_ref"))
    teams = [TeamProgress(owner_ref=r["owner_ref"], total=r["total"], met=r["met"]) for r in rows]
    teams.sort(key=lambda t: (t.share, t.owner_ref))
    return CampaignProgress(campaign=campaign, teams=teams, total=sum(t.total for t in teams),
                            met=sum(t.met for t in teams))


def campaign_short_of(*, campaign: Campaign, owner_ref: str, limit: int = 50) -> list[Score]:
    """The team's in-scope entities that do not meet the target yet."""
    return list(_scope(campaign).filter(owner_ref=owner_ref).exclude(_meeting(campaign))
                .only("entity_ref", "entity_name", "grade", "level", "points").order_by("entity_name")[:limit])


def _clean(*, scorecard: Scorecard, title: str, description: str, applies_to: str, target_level: str,
           target_check: str, due, today: datetime.date) -> dict:
    title = " ".join(str(title or "").replace("\x00", "").split())
    if not title:
        raise ValidationError({"title": "a campaign needs a title"})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": f"at most {MAX_TITLE} characters"})
    target_level = str(target_level or "").replace("\x00", "").strip()
    target_check = str(target_check or "").replace("\x00", "").strip()
    if bool(target_level) == bool(target_check):
        raise ValidationError({"target": "choose a level to reach or a check to pass (one of them)"})
    if target_level and target_level not in ladder(scorecard):
        raise ValidationError({"target_level": f"{target_level[:50]!r} is not a level of {scorecard.slug} "
                                               f"(levels: {', '.join(ladder(scorecard)) or 'none'})"})
    if target_check and target_check not in check_meta(scorecard):
        raise ValidationError({"target_check": f"{target_check[:100]!r} is not a check of {scorecard.slug}"})
    applies_to = str(applies_to or "").replace("\x00", "").strip()
    if len(applies_to) > MAX_FILTER:
        raise ValidationError({"applies_to": f"at most {MAX_FILTER} characters"})
    if applies_to:
        try:
            parse_filters([applies_to])
        except InputError as exc:
            raise ValidationError({"applies_to": str(exc)}) from None
    if isinstance(due, str):
        try:
            due = datetime.date.fromisoformat(due.strip())
        except ValueError:
            raise ValidationError({"due": f"expected a date like 2027-03-31, got {due[:40]!r}"}) from None
    if not isinstance(due, datetime.date):
        raise ValidationError({"due": "a due date is required"})
    if due < today:
        raise ValidationError({"due": "the due date is in the past"})
    description = str(description or "").replace("\x00", "").strip()[:5000]
    return {"title": title, "description": description, "applies_to": applies_to,
            "target_level": target_level, "target_check": target_check, "due": due}


def campaign_create(*, user, scorecard: Scorecard, title: str, due, target_level: str = "", target_check: str = "",
                    applies_to: str = "", description: str = "", today: datetime.date | None = None) -> Campaign:
    require(user, "scorecards.campaign.manage")
    fields = _clean(scorecard=scorecard, title=title, description=description, applies_to=applies_to,
                    target_level=target_level, target_check=target_check, due=due,
                    today=today or timezone.localdate())
    with transaction.atomic():
        campaign = Campaign.objects.create(scorecard=scorecard, created_by=user, **fields)
        audit_record(actor=user, action="scorecards.campaign.create", target=f"campaign:{campaign.pk}",
                     detail={"scorecard": scorecard.slug, **{k: str(v) for k, v in fields.items()}})
    return campaign


def campaign_end(*, user, campaign: Campaign) -> Campaign:
    require(user, "scorecards.campaign.manage")
    with transaction.atomic():
        if not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.ACTIVE).update(
                status=Campaign.Status.ENDED):
            raise ValidationError({"status": "this campaign has already ended"})
        campaign.refresh_from_db()
        audit_record(actor=user, action="scorecards.campaign.end", target=f"campaign:{campaign.pk}",
                     detail={"title": campaign.title})
    return campaign


def _claim(campaign: Campaign, owner_ref: str, now: datetime.datetime) -> bool:
    """Bump the owner's reminder counter if a reminder is due (fewer than the maximum, the last one old
    enough): one conditional UPDATE, so concurrent or repeated runs send nothing twice."""
    try:
        with transaction.atomic():
            CampaignReminder.objects.get_or_create(campaign=campaign, owner_ref=owner_ref)
    except IntegrityError:  # created by a concurrent run
        pass
    due_before = now - datetime.timedelta(days=settings.PAVED_SURVEYS_REMINDER_DAYS) + datetime.timedelta(hours=1)
    return bool(CampaignReminder.objects.filter(campaign=campaign, owner_ref=owner_ref,
                                                count__lt=settings.PAVED_SURVEYS_MAX_REMINDERS)
                .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=due_before))
                .update(count=F("count") + 1, last_sent_at=now))


def campaign_reminders_send(*, base_url: str = "", now: datetime.datetime | None = None) -> int:
    """E-mail (and notify) the members of each team still short of an active, not yet due campaign's
    target. Returns the number of e-mails sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.ACTIVE, due__gte=today).select_related("scorecard"):
        progress = campaign_progress(campaign=campaign)
        for team in progress.teams:
            if team.met >= team.total or not team.owner_ref or not _claim(campaign, team.owner_ref, now):
                continue
            people = accounts_for_refs([team.owner_ref])
            short = team.total - team.met
            target = campaign.target_level or f"the check {campaign.target_check}"
            link = f"/scorecards/campaigns/{campaign.pk}/"
            addresses = sorted({p.email for p in people if p.email})
            if addresses:
                send_mail(
                    subject=f"Reminder: {campaign.title}",
                    message=(f"Hello,\n\n{short} of {team.total} of {team.owner_ref}'s entities do not reach {target} "
                             f"on the scorecard \"{campaign.scorecard.title}\" yet; the campaign \"{campaign.title}\" "
                             f"is due on {campaign.due:%-d %B %Y}.\n\nWhat is missing, entity by entity:\n"
                             f"{base_url}{link}?team={team.owner_ref}\n"),
                    from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=addresses)
                sent += len(addresses)
            notify(users=people, title=f"Campaign: {campaign.title}",
                   description=f"{short} of your team's {team.total} entities do not reach {target} yet "
                               f"(due {campaign.due:%-d %B %Y}).",
                   link=link, topic="scorecards", origin=f"scorecards:campaign:{campaign.pk}")
    logger.info("campaign reminders sent: %d", sent)
    return sent
