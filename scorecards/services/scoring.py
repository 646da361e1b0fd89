"""Computing and storing scores: per scorecard, over every entity its appliesTo matches (full) or a
few refs (incremental, after a fact changed).

Bulk by design: one query for the entities, one streaming query for the facts the scorecard's
expressions read, one for the exemptions, one for the stored hashes; then only the scores whose
inputs changed are written (Score upserted, CheckOutcome replaced, ScoreWeek upserted), in
batches. An entity whose inputs_hash is unchanged costs no write at all.
"""

import logging
import time
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.selectors import entities_matching
from scorecards.lib import grading
from scorecards.models import CheckOutcome, Exemption, Fact, Score, Scorecard, ScoreWeek

logger = logging.getLogger(__name__)

BATCH = 1000


def score_line(score: Score) -> str:
    """The seed's line: `payment-service: A (92/100)`, then `  Missing: runbook, cost labels` when any."""
    name = score.entity_ref.rpartition("/")[2]
    line = f"{name}: {score.grade} ({grading.round_half_up(score.points)}/100)"
    if score.missing:
        line += f" Missing: {', '.join(score.missing)}"
    return line


def week_of(day: date) -> date:
    """Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


_COMPILED: dict[tuple[int, str], grading.Compiled] = {}


def _compiled(scorecard: Scorecard) -> grading.Compiled:
    key = (scorecard.pk, scorecard.content_hash)
    found = _COMPILED.get(key)
    if found is None:
        found = grading.Compiled(scorecard.definition)
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


def _uses_time(compiled: grading.Compiled) -> bool:
    return any("age(" in c["expr"] or "age(" in (c.get("partial") or "")
               for cat in compiled.definition["categories"] for c in cat["checks"])


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _facts_for(keys: list[str], refs: list[str] | None) -> dict[str, dict]:
    """{ref: {key: (value, source, observed_at iso)}}; streams every entity's facts on a full run."""
    out: dict[str, dict] = {}
    rows = Fact.objects.filter(key__in=keys)
    chunks = [None] if refs is None else list(_chunks(refs))
    for chunk in chunks:
        query = rows if chunk is None else rows.filter(entity_ref__in=chunk)
        for ref, key, value, source, observed in query.values_list(
                "entity_ref", "key", "value", "source", "observed_at").iterator(chunk_size=5000):
            out.setdefault(ref, {})[key] = (value, source, observed.isoformat() if observed else "")
    return out


def _exemptions(scorecard: Scorecard, refs: list[str] | None, now: datetime) -> dict[str, set[str]]:
    rows = Exemption.objects.filter(scorecard=scorecard, status=Exemption.Status.APPROVED, expires_at__gt=now)
    if refs is not None:
        rows = rows.filter(entity_ref__in=refs)
    out: dict[str, set[str]] = {}
    for ref, key in rows.values_list("entity_ref", "check_key"):
        out.setdefault(ref, set()).add(key)
    return out


def scorecard_compute(*, scorecard: Scorecard, entity_refs: list[str] | None = None,
                      now: datetime | None = None) -> dict:
    """Score the entities `scorecard` applies to (only those in `entity_refs` when given) and store
    what changed. Returns counts: {"entities", "written", "unchanged", "removed", "seconds"}."""
    started = time.perf_counter()
    now = now or timezone.now()
    if scorecard.status != Scorecard.Status.OK or not scorecard.enabled or not scorecard.definition:
        return {"entities": 0, "written": 0, "unchanged": 0, "removed": 0, "seconds": 0.0}
    compiled = _compiled(scorecard)
    refs = None if entity_refs is None else sorted({r.lower() for r in entity_refs})
    entities = list(entities_matching(filter_text=scorecard.applies_to, refs=refs)
                    .values_list("ref", "name", "title", "owner_ref"))
    matched = [e[0] for e in entities]
    facts = _facts_for(compiled.fact_keys, None if refs is None else matched)
    exempt = _exemptions(scorecard, None if refs is None else matched, now)
    stored = dict(Score.objects.filter(scorecard=scorecard, **({} if refs is None else {"entity_ref__in": matched}))
                  .values_list("entity_ref", "inputs_hash"))
    day = now.date().isoformat() if _uses_time(compiled) else ""
    rows, outcomes = [], {}
    for ref, name, title, owner in entities:
        entity_facts = facts.get(ref, {})
        exempted = exempt.get(ref, set())
        digest = grading.inputs_hash(definition_hash=scorecard.content_hash, facts=entity_facts, exempt=exempted,
                                     day=f"{day}|{owner}|{title or name}")
        if stored.get(ref) == digest:
            continue
        result = grading.score(compiled, entity_facts, exempt=exempted, now=now)
        rows.append(Score(scorecard=scorecard, entity_ref=ref, entity_name=(title or name)[:255],
                          owner_ref=owner or "", points=result["points"], grade=result["grade"],
                          level=result["level"], capped=result["capped"], results=result["results"],
                          missing=result["missing"], computed_at=now, inputs_hash=digest))
        outcomes[ref] = [(r["key"], r["state"]) for r in result["results"]]
    removed = 0
    with transaction.atomic():
        for chunk in _chunks(rows):
            _write(scorecard, chunk, outcomes, now)
        if refs is None:
            removed, _ = Score.objects.filter(scorecard=scorecard).exclude(
                entity_ref__in=entities_matching(filter_text=scorecard.applies_to).values("ref")).delete()
        else:
            gone = sorted(set(refs) - set(matched))
            if gone:
                removed, _ = Score.objects.filter(scorecard=scorecard, entity_ref__in=gone).delete()
        if refs is None:
            Scorecard.objects.filter(pk=scorecard.pk).update(computed_at=now)
    seconds = time.perf_counter() - started
    return {"entities": len(entities), "written": len(rows), "unchanged": len(entities) - len(rows),
            "removed": removed, "seconds": round(seconds, 3)}


def _write(scorecard: Scorecard, chunk: list[Score], outcomes: dict, now: datetime) -> None:
    Score.objects.bulk_create(chunk, update_conflicts=True, unique_fields=["scorecard", "entity_ref"],
                              update_fields=["entity_name", "owner_ref", "points", "grade", "level", "capped",
                                             "results", "missing", "computed_at", "inputs_hash"])
    ids = dict(Score.objects.filter(scorecard=scorecard, entity_ref__in=[s.entity_ref for s in chunk])
               .values_list("entity_ref", "id"))
    CheckOutcome.objects.filter(score_id__in=list(ids.values())).delete()
    CheckOutcome.objects.bulk_create(
        [CheckOutcome(score_id=ids[s.entity_ref], scorecard=scorecard, check_key=key, state=state)
         for s in chunk for key, state in outcomes[s.entity_ref]], batch_size=5000)
    week = week_of(timezone.localdate(now))
    ScoreWeek.objects.bulk_create(
        [ScoreWeek(scorecard=scorecard, entity_ref=s.entity_ref, owner_ref=s.owner_ref, week=week, points=s.points,
                   grade=s.grade, level=s.level) for s in chunk],
        update_conflicts=True, unique_fields=["scorecard", "entity_ref", "week"],
        update_fields=["owner_ref", "points", "grade", "level"])


def scorecards_active() -> list[Scorecard]:
    return list(Scorecard.objects.filter(enabled=True, status=Scorecard.Status.OK))


def scores_recompute_all(*, now: datetime | None = None) -> dict[str, dict]:
    """Full recompute of every loaded scorecard (the beat task)."""
    return {card.slug: scorecard_compute(scorecard=card, now=now) for card in scorecards_active()}


def entities_rescore(*, entity_refs: list[str], now: datetime | None = None) -> dict[str, dict]:
    """Incremental: rescore these entities on every scorecard (after their facts changed)."""
    refs = sorted({str(r).strip().lower() for r in entity_refs if str(r).strip()})
    if not refs:
        return {}
    return {card.slug: scorecard_compute(scorecard=card, entity_refs=refs, now=now) for card in scorecards_active()}


def scores_for_scorecard_removed(*, scorecard: Scorecard) -> int:
    """Drop the stored scores of a scorecard (its file was removed)."""
    deleted, _ = Score.objects.filter(Q(scorecard=scorecard)).delete()
    return deleted
