"""Writes of the assessment: threshold tables, questionnaire answers, the roadmap, snapshots.
Each checks maturity.assessment.manage (platform admins) and writes the audit log; bad input raises
MaturityInputError with a message naming the field, and nothing is stored."""

from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from core.access import require
from core.audit import audit_record
from maturity.lib.levels import BY_KEY, ThresholdError, answer_parse, thresholds_parse
from maturity.lib.roadmap import METRIC_KINDS, RoadmapError, items_parse, metric_sources, target_parse
from maturity.models import Answer, Roadmap, Snapshot, ThresholdTable
from maturity.selectors.assessment import assessment_build
from maturity.selectors.roadmap import (
    assessment_report_data,
    default_metrics,
    drafted_items,
    link_targets,
    metric_value,
)

MANAGE = "maturity.assessment.manage"
MAX_NOTE = 4000
MAX_LINKS = 10
MAX_LINK = 500


class MaturityInputError(ValueError):
    """Input that cannot be stored; the message says which field and what was expected."""


class StaleRoadmap(MaturityInputError):
    """The roadmap changed since the form was loaded."""


def _dimension(key: str):
    dimension = BY_KEY.get(key)
    if dimension is None:
        raise MaturityInputError(f"Unknown dimension '{str(key)[:40]}': expected one of {', '.join(BY_KEY)}.")
    return dimension


def thresholds_save(*, actor, dimension: str, values: list[str]) -> ThresholdTable:
    require(actor, MANAGE)
    found = _dimension(dimension)
    try:
        parsed = thresholds_parse(found, values)
    except ThresholdError as exc:
        raise MaturityInputError(str(exc)) from None
    table, _ = ThresholdTable.objects.update_or_create(dimension=found.key,
                                                       defaults={"values": list(parsed), "updated_by": actor})
    audit_record(actor=actor, action="maturity.thresholds.save", target=found.key, detail={"values": list(parsed)})
    return table


def thresholds_reset(*, actor, dimension: str) -> None:
    require(actor, MANAGE)
    found = _dimension(dimension)
    ThresholdTable.objects.filter(dimension=found.key).delete()
    audit_record(actor=actor, action="maturity.thresholds.reset", target=found.key)


def _links_parse(text: str) -> list[str]:
    links = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        raise MaturityInputError(f"Evidence links: at most {MAX_LINKS}, one per line.")
    for number, link in enumerate(links, start=1):
        parts = urlsplit(link)
        local = link.startswith("/") and not link.startswith("//")
        if len(link) > MAX_LINK or not (local or (parts.scheme in ("http", "https") and parts.netloc)):
            raise MaturityInputError(f"Evidence links, line {number}: '{link[:80]}' is not an http(s) URL or a "
                                     "path starting with /.")
    return links


def answer_save(*, actor, dimension: str, value: str, note: str = "", links: str = "") -> Answer:
    """Record the questionnaire's answer for a dimension (a computed value still beats it when data exists)."""
    require(actor, MANAGE)
    found = _dimension(dimension)
    try:
        number = answer_parse(found, value)
    except ThresholdError as exc:
        raise MaturityInputError(str(exc)) from None
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise MaturityInputError(f"Notes: {len(note)} characters; at most {MAX_NOTE}.")
    answer = Answer.objects.create(dimension=found.key, value=number, note=note, links=_links_parse(links),
                                   answered_by=actor, answered_by_name=actor.get_username())
    audit_record(actor=actor, action="maturity.answer.save", target=found.key, detail={"value": number})
    return answer


def _metrics_parse(metrics: dict[str, dict], assessment) -> list[dict]:
    known = dict(metric_sources())
    out = []
    for kind, _ in METRIC_KINDS:
        given = metrics.get(kind) or {}
        source = str(given.get("source") or "")
        if source not in known:
            raise MaturityInputError(f"{kind.capitalize()} metric: '{source[:60]}' is not a metric; expected one of "
                                     f"{', '.join(known)}.")
        try:
            target = target_parse(kind, str(given.get("target") or ""))
        except RoadmapError as exc:
            raise MaturityInputError(str(exc)) from None
        out.append({"kind": kind, "source": source, "target": target})
    return out


def roadmap_save(*, actor, version: int, phases: dict[str, str], metrics: dict[str, dict]) -> Roadmap:
    """Save the roadmap typed by an admin. `version` is the one the form was loaded at: a save on an
    older version is refused (StaleRoadmap) so nobody overwrites someone else's edit unseen. A
    metric keeps its baseline while its source is unchanged; a new source starts from today's value."""
    require(actor, MANAGE)  # before the transaction, so a refusal's audit entry is not rolled back
    try:
        items = items_parse(phases, known_links=set(link_targets()))
    except RoadmapError as exc:
        raise MaturityInputError(str(exc)) from None
    assessment = assessment_build(with_pains=True)
    parsed = _metrics_parse(metrics, assessment)
    with transaction.atomic():
        return _roadmap_store(actor, version, items, parsed, assessment)


def _roadmap_store(actor, version: int, items: list[dict], parsed: list[dict], assessment) -> Roadmap:
    roadmap, _ = Roadmap.objects.select_for_update().get_or_create(key="org")
    if roadmap.version != version:
        who = roadmap.updated_by.get_username() if roadmap.updated_by else "someone"
        raise StaleRoadmap(f"The roadmap was changed by {who} at {timezone.localtime(roadmap.updated_at):%H:%M} "
                           f"while you edited it (version {roadmap.version}, yours {version}). Your text is kept "
                           "below: reload, compare and save again.")
    before = {m["kind"]: m for m in (roadmap.metrics or default_metrics(assessment))}
    for metric in parsed:
        old = before.get(metric["kind"])
        keep = old is not None and old.get("source") == metric["source"] and old.get("baseline") is not None
        metric["baseline"] = old["baseline"] if keep else metric_value(metric["source"], assessment)
    roadmap.items, roadmap.metrics = items, parsed
    roadmap.version += 1
    roadmap.drafted = False
    roadmap.updated_by = actor
    roadmap.save()
    audit_record(actor=actor, action="maturity.roadmap.save", target="roadmap",
                 detail={"version": roadmap.version, "items": len(items), "metrics": parsed})
    return roadmap


def roadmap_redraft(*, actor) -> Roadmap:
    """Replace the roadmap with a fresh draft from today's assessment (metrics kept)."""
    require(actor, MANAGE)
    assessment = assessment_build(with_pains=True)
    with transaction.atomic():
        return _roadmap_redraft_store(actor, assessment)


def _roadmap_redraft_store(actor, assessment) -> Roadmap:
    roadmap, _ = Roadmap.objects.select_for_update().get_or_create(key="org")
    roadmap.items = drafted_items(assessment)
    if not roadmap.metrics:
        roadmap.metrics = default_metrics(assessment)
    roadmap.version += 1
    roadmap.drafted = True
    roadmap.updated_by = actor
    roadmap.save()
    audit_record(actor=actor, action="maturity.roadmap.redraft", target="roadmap", detail={"version": roadmap.version})
    return roadmap


def quarter_of(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def snapshot_take(*, actor=None, now: datetime | None = None) -> Snapshot:
    """Record this quarter's snapshot now (replacing an earlier one of the same quarter). `actor` None:
    the quarterly task; otherwise an admin on demand."""
    if actor is not None:
        require(actor, MANAGE)
    now = now or timezone.now()
    data, level = assessment_report_data()
    snapshot, _ = Snapshot.objects.update_or_create(quarter=quarter_of(now), defaults={
        "taken_at": now, "data": data, "overall_level": level,
        "taken_by_name": actor.get_username() if actor is not None else ""})
    audit_record(actor=actor, action="maturity.snapshot.take", target=snapshot.quarter,
                 actor_name="" if actor is not None else "quarterly task", detail={"level": level})
    return snapshot


def snapshot_take_due(*, now: datetime | None = None) -> Snapshot | None:
    """The beat task: take the quarter's snapshot unless it has one already (runs daily, idempotent)."""
    now = now or timezone.now()
    if Snapshot.objects.filter(quarter=quarter_of(now)).exists():
        return None
    return snapshot_take(now=now)
