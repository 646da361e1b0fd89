"""Results as JSON-ready dicts and CSV rows (the API and the CSV downloads share these)."""

from collections.abc import Iterator

from surveys.lib.stats import OTHER, Tally, visible_groups
from surveys.models import Answer, Campaign, CampaignTally, Question
from surveys.results import CampaignResults, GroupRate, Trend, display
from surveys.selectors import campaign_items, min_group_size, results_held


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _tally(t: Tally | None, kind: str) -> dict | None:
    if t is None:
        return None
    out = {"n": t.n, "mean": _r(t.mean), "distribution": {str(v): c for v, c in sorted(t.hist.items())}}
    if kind == Question.Kind.LIKERT:
        out["favourable"] = _r(t.favourable)
    if kind == Question.Kind.NPS:
        out["nps"] = t.nps
    return out


def _rate(g: GroupRate) -> dict:
    return {"group": g.label, "responses": g.responses, "audience": g.audience, "answered": g.answered,
            "rate": _r(g.rate), "previous_rate": _r(g.previous_rate), "change": _r(g.rate_change)}


def _trend(t: Trend) -> dict:
    return {"title": t.title, "points": [{"quarter": q, "value": _r(v)} for q, v in t.points]}


def campaign_summary(campaign: Campaign, day) -> dict:
    return {"id": campaign.pk, "title": campaign.title, "quarter": campaign.quarter,
            "opens_on": campaign.opens_on.isoformat(), "closes_on": campaign.closes_on.isoformat(),
            "status": campaign.status_on(day)}


def results_dict(result: CampaignResults, day) -> dict:
    body = {"campaign": campaign_summary(result.campaign, day),
            "previous": result.previous.quarter if result.previous else None,
            "min_group_size": result.k, "batch": result.batch, "held": result.held,
            "responses": None if result.held else result.responses, "shown": result.shown,
            "response_rate": _rate(result.rate) if result.rate else None}
    if result.rate_baseline is not None:  # an open campaign is compared at the same point of the previous window
        baseline = result.rate_baseline
        body["response_rate_compared_with"] = {"quarter": baseline.quarter, "final": baseline.final,
                                               "day": baseline.day, "days": baseline.days or None}
    if result.held:
        body["message"] = "Results of this survey are shown once it has closed."
        return body
    if not result.shown:
        body["message"] = f"Fewer than {result.k} published answers: no figures are shown."
        return body
    body["response_rate_by_group"] = [_rate(g) for g in result.rates]
    questions = []
    for item in result.items:
        q = item.question
        entry = {"key": q.key, "text": q.text, "kind": q.kind, "section": item.item.section}
        if item.tally is not None:
            entry.update(current=_tally(item.tally, q.kind), previous=_tally(item.previous, q.kind),
                         change={"mean": _r(item.mean_change()), "favourable": _r(item.favourable_change()),
                                 "nps": _r(item.nps_change(), 1)},
                         groups=[{"group": g.label, "current": _tally(g.tally, q.kind),
                                  "previous": _tally(g.previous, q.kind), "change": {"mean": _r(g.mean_change)}}
                                 for g in item.groups])
        else:
            entry["answers"] = item.text_count
        questions.append(entry)
    body["questions"] = questions
    body["trends"] = {"nps": _trend(result.nps_trend) if result.nps_trend else None,
                      "sections": [_trend(t) for t in result.section_trends],
                      "questions": [_trend(t) for t in result.question_trends]}
    return body


AGGREGATE_HEADER = ["quarter", "section", "question_key", "question", "kind", "group", "answers", "mean",
                    "favourable", "nps", "previous_mean", "mean_change", "favourable_change", "nps_change"]


def aggregate_rows(result: CampaignResults) -> Iterator[list]:
    yield AGGREGATE_HEADER
    if not result.shown:
        return
    for item in result.items:
        if item.tally is None:
            continue
        q = item.question
        for name, t, p in [("All", item.tally, item.previous), *[(g.label, g.tally, g.previous) for g in item.groups]]:
            yield [result.campaign.quarter, item.item.section, q.key, q.text, q.kind, name, t.n, _r(t.mean),
                   _r(t.favourable) if q.kind == Question.Kind.LIKERT else "",
                   t.nps if q.kind == Question.Kind.NPS else "", _r(p.mean) if p else "",
                   _r(t.mean - p.mean) if p and t.n and p.n else "",
                   _r(t.favourable - p.favourable) if p and t.n and p.n and q.kind == Question.Kind.LIKERT else "",
                   _r(t.nps - p.nps, 1) if p and t.n and p.n and q.kind == Question.Kind.NPS else ""]


def anonymous_rows(*, campaign: Campaign) -> Iterator[list]:
    """One row per published response, in random (id) order, undated; the team only where it has
    >= k answers. The same snapshot as the results page (nothing while the campaign is held)."""
    items = campaign_items(campaign=campaign)
    yield ["response", "team", *[item.question.key for item in items]]
    if results_held(campaign=campaign):
        return
    counts = dict(CampaignTally.objects.filter(campaign=campaign, question__isnull=True).values_list("team_ref", "n"))
    labels = visible_groups(counts, min_group_size())
    if labels is None:
        return
    column = {item.question_id: i for i, item in enumerate(items)}
    choices = {item.question_id: item.question.choices for item in items}
    current, row, number = None, [], 0
    rows = Answer.objects.filter(campaign=campaign, response__published=True).order_by("response_id").values_list(
        "response_id", "team_ref", "question_id", "value", "text")
    for response_id, team, question_id, value, text in rows.iterator(chunk_size=5000):
        if response_id != current:
            if current is not None:
                yield row
            number += 1
            # A batch published since `counts` was read is labelled by team or pooled; either way it
            # has at least k answers, so the k rule holds.
            current, row = response_id, [number, display(labels.get(team, OTHER)), *[""] * len(items)]
        if choices[question_id] and value is not None:
            value = choices[question_id][value]
        row[2 + column[question_id]] = text if value is None else value
    if current is not None:
        yield row
