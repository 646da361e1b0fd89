"""Computing and storing scores: per scorecard, over every entity its appliesTo matches (full) or a
few refs (incremental, after a fact changed).

Bulk by design: one query for the entities, one streaming query for the facts the scorecard's
expressions read, one for the exemptions, one for the stored hashes; then only the scores whose
inputs changed are written (Score upserted, CheckOutcome replaced, ScoreWeek upserted), in
batches. An entity whose inputs_hash is unchanged costs no write at all.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.selectors import entities_matching
from scorecards.lib import grading
from scorecards.models import CheckOutcome, Exemption, Fact, Score, Scorecard, ScoreWeek

logger = logging.getLogger(__name__)

BATCH = 1000
INCREMENTAL_MAX = 2000


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


def _decode(raw, cache: dict):
    """JSON column values arrive as text on PostgreSQL (Django's loader) and decoded on SQLite; most
    repeat (true, 0, []), so decoded text is cached for the sweep."""
    if not isinstance(raw, str):
        return raw
    found = cache.get(raw, cache)
    if found is cache:
        found = json.loads(raw)
        if len(raw) < 64:
            cache[raw] = found
    return found


def _facts_for(keys: list[str], refs: list[str]) -> dict[str, dict]:
    """{ref: {key: (value, source, observed_at iso)}} for these refs and keys: raw SQL in chunks
    (a full sweep reads hundreds of thousands of rows; the ORM's per-row cost dominated). Times
    come as text and are converted once per distinct value (facts are written in batches)."""
    out: dict[str, dict] = {}
    if not keys or not refs:
        return out
    table = connection.ops.quote_name(Fact._meta.db_table)
    cache: dict = {}
    times: dict = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(refs, 5000):
            cursor.execute(
                f"SELECT entity_ref, key, value, source, CAST(observed_at AS TEXT) FROM {table} "
                f"WHERE entity_ref IN ({', '.join(['%s'] * len(chunk))}) AND key IN ({', '.join(['%s'] * len(keys))})",
                [*chunk, *keys])
            for ref, key, value, source, observed in cursor.fetchall():
                when = times.get(observed)
                if when is None:
                    when = times[observed] = _iso_text(observed)
                out.setdefault(ref, {})[key] = (_decode(value, cache), source, when)
    return out


def _facts_cached(cache: dict | None, keys: list[str], refs: list[str]) -> dict[str, dict]:
    """Facts for a full recompute of several scorecards: entities shared between them are read
    once (`cache` holds {"keys": set, "facts": {...}, "refs": set} across the calls)."""
    if cache is None:
        return _facts_for(keys, refs)
    known_keys, known_refs = cache.setdefault("keys", set()), cache.setdefault("refs", set())
    facts = cache.setdefault("facts", {})
    missing_keys = sorted(set(keys) - known_keys)
    if missing_keys and known_refs:
        for ref, values in _facts_for(missing_keys, sorted(known_refs)).items():
            facts.setdefault(ref, {}).update(values)
    all_keys = sorted(known_keys | set(keys))
    new_refs = sorted(set(refs) - known_refs)
    for ref, values in _facts_for(all_keys, new_refs).items():
        facts.setdefault(ref, {}).update(values)
    known_keys.update(keys)
    known_refs.update(refs)
    wanted = set(keys)
    return {ref: {k: v for k, v in facts[ref].items() if k in wanted} for ref in refs if ref in facts}


def _iso_text(text) -> str:
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _exemptions(scorecard: Scorecard, refs: list[str] | None, now: datetime) -> dict[str, set[str]]:
    rows = Exemption.objects.filter(scorecard=scorecard, status=Exemption.Status.APPROVED, expires_at__gt=now)
    if refs is not None:
        rows = rows.filter(entity_ref__in=refs)
    out: dict[str, set[str]] = {}
    for ref, key in rows.values_list("entity_ref", "check_key"):
        out.setdefault(ref, set()).add(key)
    return out


def scorecard_compute(*, scorecard: Scorecard, entity_refs: list[str] | None = None,
                      now: datetime | None = None, facts_cache: dict | None = None) -> dict:
    """Score the entities `scorecard` applies to (only those in `entity_refs` when given) and store
    what changed. Returns counts: {"entities", "written", "unchanged", "removed", "seconds"}."""
    started = time.perf_counter()
    now = now or timezone.now()
    if scorecard.status != Scorecard.Status.OK or not scorecard.enabled or not scorecard.definition:
        return {"entities": 0, "written": 0, "unchanged": 0, "removed": 0, "seconds": 0.0, "phases": {}}
    compiled = _compiled(scorecard)
    refs = None if entity_refs is None else sorted({r.lower() for r in entity_refs})
    entities = list(entities_matching(filter_text=scorecard.applies_to, refs=refs)
                    .values_list("ref", "name", "title", "owner_ref"))
    matched = [e[0] for e in entities]
    facts = _facts_cached(facts_cache, compiled.fact_keys, matched)
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
        rows.append(_Row(ref, (title or name)[:255], owner or "", result["points"], result["grade"], result["level"],
                         result["capped"], result["results"], result["missing"], now, digest))
        outcomes[ref] = [(r["key"], r["state"]) for r in result["results"]]
    scored = time.perf_counter()
    removed = 0
    # Scores of entities the scorecard no longer applies to (or that left the catalog).
    gone = sorted((set(stored) if refs is None else set(refs)) - set(matched))
    with transaction.atomic():
        for chunk in _chunks(rows):
            _write(scorecard, chunk, outcomes, now)
        for chunk in _chunks(gone):
            removed += Score.objects.filter(scorecard=scorecard, entity_ref__in=chunk).delete()[1].get(
                Score._meta.label, 0)
        if refs is None:
            Scorecard.objects.filter(pk=scorecard.pk).update(computed_at=now)
    seconds = time.perf_counter() - started
    return {"entities": len(entities), "written": len(rows), "unchanged": len(entities) - len(rows),
            "removed": removed, "seconds": round(seconds, 3),
            "phases": {"read_and_score": round(scored - started, 3), "write": round(time.perf_counter() - scored, 3)}}


SCORE_UPDATE = ["entity_name", "owner_ref", "points", "grade", "level", "capped", "results", "missing",
                "computed_at", "inputs_hash"]


@dataclass(slots=True)
class _Row:
    """A computed score on its way to the database (model instances cost more than the scoring)."""

    entity_ref: str
    entity_name: str
    owner_ref: str
    points: float
    grade: str
    level: str
    capped: bool
    results: list
    missing: list
    computed_at: datetime
    inputs_hash: str


def _write(scorecard: Scorecard, chunk: list[_Row], outcomes: dict, now: datetime) -> None:
    """Upsert the scores, replace their check outcomes, upsert this week's history row."""
    week = week_of(timezone.localdate(now))
    if connection.vendor == "postgresql":
        _write_copy(scorecard, chunk, outcomes, week)
        return
    Score.objects.bulk_create([Score(scorecard=scorecard, **{f: getattr(r, f) for f in _Row.__slots__})
                               for r in chunk], update_conflicts=True, unique_fields=["scorecard", "entity_ref"],
                              update_fields=SCORE_UPDATE)
    ids = dict(Score.objects.filter(scorecard=scorecard, entity_ref__in=[s.entity_ref for s in chunk])
               .values_list("entity_ref", "id"))
    CheckOutcome.objects.filter(score_id__in=list(ids.values())).delete()
    CheckOutcome.objects.bulk_create(
        [CheckOutcome(score_id=ids[s.entity_ref], scorecard=scorecard, check_key=key, state=state)
         for s in chunk for key, state in outcomes[s.entity_ref]], batch_size=5000)
    ScoreWeek.objects.bulk_create(
        [ScoreWeek(scorecard=scorecard, entity_ref=s.entity_ref, owner_ref=s.owner_ref, week=week, points=s.points,
                   grade=s.grade, level=s.level) for s in chunk],
        update_conflicts=True, unique_fields=["scorecard", "entity_ref", "week"],
        update_fields=["owner_ref", "points", "grade", "level"])


def _json(value) -> str:
    """orjson is several times faster; facts posted by CI may hold what it refuses (integers past
    64 bits), which the standard library writes."""
    try:
        return orjson.dumps(value, default=str).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, default=str)


def _write_copy(scorecard: Scorecard, chunk: list[_Row], outcomes: dict, week: date) -> None:
    """PostgreSQL: COPY into temporary tables, then one INSERT ... ON CONFLICT each. bulk_create's
    array parameters spent most of a full recompute escaping the results JSON."""
    score_t, outcome_t, week_t = (Score._meta.db_table, CheckOutcome._meta.db_table, ScoreWeek._meta.db_table)
    columns = ["scorecard_id", "entity_ref", *SCORE_UPDATE]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("DROP TABLE IF EXISTS scorecards_tmp_score")
        cursor.execute(f"CREATE TEMP TABLE scorecards_tmp_score AS SELECT {', '.join(columns)} FROM {score_t} "
                       f"WITH NO DATA")
        with cursor.copy(f"COPY scorecards_tmp_score ({', '.join(columns)}) FROM STDIN") as copy:
            for s in chunk:
                copy.write_row([scorecard.pk, s.entity_ref, s.entity_name, s.owner_ref, s.points, s.grade, s.level,
                                s.capped, _json(s.results), _json(s.missing), s.computed_at, s.inputs_hash])
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_UPDATE)
        cursor.execute(f"INSERT INTO {score_t} ({', '.join(columns)}) SELECT {', '.join(columns)} "
                       f"FROM scorecards_tmp_score ON CONFLICT (scorecard_id, entity_ref) DO UPDATE SET {updates} "
                       f"RETURNING entity_ref, id")
        ids = dict(cursor.fetchall())
        cursor.execute(f"DELETE FROM {outcome_t} WHERE score_id = ANY(%s)", [list(ids.values())])
        # Check keys are [a-z0-9_-] (the definition's rule) and states are words: nothing for COPY's
        # text format to escape, so the rows go as one buffer (write_row per row cost a second).
        lines = [f"{ids[s.entity_ref]}\t{scorecard.pk}\t{key}\t{state}\n"
                 for s in chunk for key, state in outcomes[s.entity_ref]]
        with cursor.copy(f"COPY {outcome_t} (score_id, scorecard_id, check_key, state) FROM STDIN") as copy:
            copy.write("".join(lines))
        week_columns = ["scorecard_id", "entity_ref", "owner_ref", "week", "points", "grade", "level"]
        cursor.execute(f"INSERT INTO {week_t} ({', '.join(week_columns)}) "
                       f"SELECT scorecard_id, entity_ref, owner_ref, %s, points, grade, level "
                       f"FROM scorecards_tmp_score "
                       f"ON CONFLICT (scorecard_id, entity_ref, week) DO UPDATE SET owner_ref = EXCLUDED.owner_ref, "
                       f"points = EXCLUDED.points, grade = EXCLUDED.grade, level = EXCLUDED.level", [week])
        cursor.execute("DROP TABLE scorecards_tmp_score")


def scorecards_active() -> list[Scorecard]:
    return list(Scorecard.objects.filter(enabled=True, status=Scorecard.Status.OK))


def scores_recompute_all(*, now: datetime | None = None) -> dict[str, dict]:
    """Full recompute of every loaded scorecard (the beat task)."""
    cache: dict = {}
    return {card.slug: scorecard_compute(scorecard=card, now=now, facts_cache=cache) for card in scorecards_active()}


def entities_rescore(*, entity_refs: list[str], now: datetime | None = None) -> dict[str, dict]:
    """Incremental: rescore these entities on every scorecard (after their facts changed)."""
    refs = sorted({str(r).strip().lower() for r in entity_refs if str(r).strip()})
    if not refs:
        return {}
    if len(refs) > INCREMENTAL_MAX:  # a catalog-wide change: one full sweep reads less than many lists of refs
        return scores_recompute_all(now=now)
    return {card.slug: scorecard_compute(scorecard=card, entity_refs=refs, now=now) for card in scorecards_active()}


def scores_for_scorecard_removed(*, scorecard: Scorecard) -> int:
    """Drop the stored scores of a scorecard (its file was removed)."""
    deleted, _ = Score.objects.filter(Q(scorecard=scorecard)).delete()
    return deleted
