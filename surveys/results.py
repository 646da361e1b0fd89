"""Results selectors: every figure comes from the published snapshot's stored counts
(`CampaignTally`, written by services.publish), then the minimum-group-size rule is applied.

Reads only: nothing here writes, and nothing reads an answer that is not published, so the page,
the CSVs and the API show the same snapshot, which moves only by whole batches of each team.
Nothing here loops over answers in Python: the largest input is campaigns x questions x teams x
11 histogram rows.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from surveys.defaults import LIKERT_LABELS
from surveys.lib.charts import Chart, line_chart
from surveys.lib.stats import OTHER, Tally, change, visible_groups
from surveys.models import Answer, Campaign, CampaignQuestion, CampaignTally, Participation, Question, Response
from surveys.selectors import (
    campaign_items,
    min_group_size,
    results_batch,
    results_closed_only,
    results_held,
    today,
)

TEXT_PREVIEW = 5  # free-text answers per team on the results page; the team's own list pages the rest
TEXT_PAGE_SIZE = 25  # answers per page of one team's list


def display(label: str) -> str:
    """group:default/team-web -> team-web; OTHER stays as it is."""
    return label.rsplit("/", 1)[-1] if label != OTHER else label


@dataclass
class GroupTally:
    label: str
    tally: Tally
    previous: Tally | None

    @property
    def mean_change(self) -> float | None:
        return change(self.tally.mean, self.previous and self.previous.mean)

    @property
    def favourable_change(self) -> float | None:
        return change(self.tally.favourable, self.previous and self.previous.favourable)

    @property
    def nps_change(self) -> float | None:
        return change(self.tally.nps, self.previous and self.previous.nps)


@dataclass
class TextGroup:
    """One reported group's free-text answers to a question: how many, and the first few."""
    key: str  # the reported group (a group ref, or OTHER): what the group's list is asked for by
    count: int
    texts: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return display(self.key)

    @property
    def more(self) -> bool:
        return self.count > len(self.texts)


@dataclass
class ItemResult:
    item: CampaignQuestion
    tally: Tally | None = None
    previous: Tally | None = None
    groups: list[GroupTally] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (group, text): every group's preview
    text_count: int = 0
    text_groups: list[TextGroup] = field(default_factory=list)

    @property
    def question(self) -> Question:
        return self.item.question

    def distribution(self) -> list[dict]:
        if self.tally is None or self.question.value_range is None:
            return []
        low, high = self.question.value_range
        n = self.tally.n or 1
        labels = LIKERT_LABELS if self.question.kind == Question.Kind.LIKERT else {}
        if self.question.kind == Question.Kind.CHOICE:
            labels = dict(enumerate(self.question.choices))
        return [{"value": v, "label": labels.get(v, str(v)), "count": self.tally.hist.get(v, 0),
                 "share": self.tally.hist.get(v, 0) / n} for v in range(low, high + 1)]

    def mean_change(self) -> float | None:
        return change(self.tally and self.tally.mean, self.previous and self.previous.mean)

    def favourable_change(self) -> float | None:
        return change(self.tally and self.tally.favourable, self.previous and self.previous.favourable)

    def nps_change(self) -> float | None:
        return change(self.tally and self.tally.nps, self.previous and self.previous.nps)


@dataclass
class GroupRate:
    label: str
    responses: int
    audience: int
    answered: int
    previous_rate: float | None

    @property
    def rate(self) -> float | None:
        return self.answered / self.audience if self.audience else None

    @property
    def rate_change(self) -> float | None:
        return change(self.rate, self.previous_rate)


@dataclass
class RateBaseline:
    """What a response rate is compared with: the previous campaign's final rate, or, while this
    campaign is still open, the previous one's rate at the same point of its window (an open
    campaign's rate only grows; set against a final figure it would always look like a fall)."""
    quarter: str
    day: int | None = None  # the day of the previous window compared with; None: its final rate
    days: int = 0

    @property
    def final(self) -> bool:
        return self.day is None

    def __str__(self) -> str:
        if self.final:
            return f"{self.quarter} (final)"
        return f"{self.quarter} on day {self.day} of {self.days}"


@dataclass
class Trend:
    title: str
    kind: str  # "mean" (1-5) or "nps" (-100..100)
    points: list[tuple[str, float | None]]

    @property
    def chart(self) -> Chart:
        if self.kind == "nps":
            return line_chart(self.points, y_min=-100, y_max=100, fmt="{:.0f}")
        return line_chart(self.points, y_min=1, y_max=5)


@dataclass
class CampaignResults:
    campaign: Campaign
    previous: Campaign | None
    k: int
    responses: int  # published responses: a whole number of batches per team while open
    shown: bool  # False below k published answers, or while held: nothing may be shown
    batch: int = 0
    held: bool = False  # closed-only mode and not closed yet: not even counts are shown
    batched: bool = True  # open campaigns' results move in batches (else: shown only once closed)
    rate: GroupRate | None = None
    rate_baseline: RateBaseline | None = None
    open: bool = False  # still taking answers: its figures are not final
    items: list[ItemResult] = field(default_factory=list)
    rates: list[GroupRate] = field(default_factory=list)
    question_trends: list[Trend] = field(default_factory=list)
    section_trends: list[Trend] = field(default_factory=list)
    nps_trend: Trend | None = None

    @property
    def nps_item(self) -> ItemResult | None:
        return next((r for r in self.items if r.question.kind == Question.Kind.NPS), None)


def _team_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Published responses per campaign and team."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = CampaignTally.objects.filter(campaign_id__in=campaign_ids, question__isnull=True).values_list(
        "campaign_id", "team_ref", "n")
    for campaign_id, team, n in rows:
        counts[campaign_id][team] = n
    return counts


def _histograms(campaign_ids: list[int], *, by_team: bool) -> list[dict]:
    """(campaign, question[, team], value) -> n over published answers. Rows with value None count a
    free-text question's answers (empty texts are never stored)."""
    fields = ["campaign_id", "question_id", "value", *(["team_ref"] if by_team else [])]
    if not campaign_ids:
        return []
    return list(CampaignTally.objects.filter(campaign_id__in=campaign_ids, question__isnull=False)
                .values(*fields).annotate(n=Sum("n")).order_by())


def _group_tallies(rows: list[dict], campaign_id: int, labels: dict[str, str]):
    overall: dict[int, Tally] = defaultdict(Tally)
    groups: dict[tuple[int, str], Tally] = defaultdict(Tally)
    for row in rows:
        if row["campaign_id"] != campaign_id or row["value"] is None:
            continue
        overall[row["question_id"]].add(row["value"], row["n"])
        groups[(row["question_id"], labels.get(row["team_ref"], OTHER))].add(row["value"], row["n"])
    return overall, groups


def _group_order(labels: dict[str, str]) -> list[str]:
    names = sorted({label for label in labels.values() if label != OTHER})
    return names + ([OTHER] if OTHER in labels.values() else [])


def _rates(campaign_ids: list[int], labels_by_campaign: dict[int, dict[str, str] | None],
           team_counts: dict[int, dict[str, int]]) -> dict[int, dict[str, list[int]]]:
    """[audience, answered] per campaign and reported group ("" for all). The audience comes from
    Participation; answered is the published responses, because Participation's flags tick by
    one with every answer and the snapshot moves only by batches."""
    out: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    rows = Participation.objects.filter(campaign_id__in=campaign_ids).values_list("campaign_id", "team_ref").annotate(
        total=Count("id")).order_by()
    for campaign_id, team, total in rows:
        labels = labels_by_campaign.get(campaign_id) or {}
        for key in ("", labels.get(team, OTHER)):
            out[campaign_id][key][0] += total
    for campaign_id, teams in team_counts.items():
        labels = labels_by_campaign.get(campaign_id) or {}
        for team, n in teams.items():
            for key in ("", labels.get(team, OTHER)):
                out[campaign_id][key][1] += n
    return out


def _teams_by_group(labels: dict[str, str]) -> dict[str, list[str]]:
    """Reported group -> the teams reported under it (small teams are pooled into OTHER)."""
    teams: dict[str, list[str]] = defaultdict(list)
    for team, label in labels.items():
        teams[label].append(team)
    return teams


def _published_texts(campaign: Campaign, question_id: int) -> QuerySet:
    """Published, non-empty free-text answers in the order of their random ids: fixed from one view
    to the next (so pages do not overlap), and saying nothing about when anyone answered."""
    return (Answer.objects.filter(campaign=campaign, question_id=question_id, response__published=True)
            .exclude(text="").order_by("id"))


def _free_text(campaign: Campaign, items: list[ItemResult], labels: dict[str, str],
               counts: dict[int, dict[str, int]]) -> None:
    """Per free-text question: the answers grouped by reported team, each group's first
    TEXT_PREVIEW (one windowed query per question, however many answers there are)."""
    for item in items:
        per_group: dict[str, int] = defaultdict(int)
        for team, n in counts.get(item.item.question_id, {}).items():
            per_group[labels.get(team, OTHER)] += n
        item.text_count = sum(per_group.values())
        rows = (_published_texts(campaign, item.item.question_id)
                .annotate(rank=Window(RowNumber(), partition_by=[F("team_ref")], order_by=F("id").asc()))
                .filter(rank__lte=TEXT_PREVIEW).values_list("team_ref", "id", "text"))
        previews: dict[str, list[tuple]] = defaultdict(list)
        for team, answer_id, text in rows:
            previews[labels.get(team, OTHER)].append((str(answer_id), text))
        item.text_groups = [
            TextGroup(key=name, count=per_group[name], texts=[t for _, t in sorted(previews[name])[:TEXT_PREVIEW]])
            for name in _group_order(labels) if per_group.get(name)]
        item.texts = [(group.label, text) for group in item.text_groups for text in group.texts]


@dataclass
class TextAnswers:
    """One page of one reported group's answers to a free-text question."""
    campaign: Campaign
    item: CampaignQuestion
    group: TextGroup
    groups: list[TextGroup]
    page: Page


def campaign_text_answers(*, campaign: Campaign, question_id: int, group: str, page: str | int = 1
                          ) -> TextAnswers | None:
    """A reported group's answers to a free-text question, TEXT_PAGE_SIZE at a time; None when there is
    nothing to show (held, under k answers, not a free-text question of the campaign, unknown group)."""
    if results_held(campaign=campaign):
        return None
    item = (CampaignQuestion.objects.select_related("question")
            .filter(campaign=campaign, question_id=question_id, question__kind=Question.Kind.TEXT).first())
    labels = visible_groups(_team_counts([campaign.pk]).get(campaign.pk, {}), min_group_size())
    if item is None or labels is None:
        return None
    counts: dict[str, int] = defaultdict(int)
    for team, n in CampaignTally.objects.filter(campaign=campaign, question_id=question_id, value__isnull=True
                                                ).values_list("team_ref", "n"):
        counts[labels.get(team, OTHER)] += n
    groups = [TextGroup(key=name, count=counts[name]) for name in _group_order(labels) if counts.get(name)]
    chosen = next((g for g in groups if g.key == group), None)
    if chosen is None:
        return None
    teams = _teams_by_group(labels)[group]
    texts = _published_texts(campaign, question_id).filter(team_ref__in=teams).values_list("text", flat=True)
    # get_page: a page number that is not one, or past the end, gives the first or the last page.
    return TextAnswers(campaign=campaign, item=item, group=chosen, groups=groups,
                       page=Paginator(texts, TEXT_PAGE_SIZE).get_page(page))


def _window_days(campaign: Campaign) -> int:
    return (campaign.closes_on - campaign.opens_on).days + 1


def _same_point_counts(*, campaign: Campaign, previous: Campaign, day: date) -> tuple[dict[str, int], RateBaseline]:
    """The previous campaign's published responses per team up to the same share of its window as
    `campaign` has run on `day`, each team's count rounded down to whole batches, as an open
    campaign's own counts are (so neither side moves by one person's answer)."""
    elapsed = min(max((day - campaign.opens_on).days + 1, 1), _window_days(campaign))
    days = _window_days(previous)
    same_day = min(days, max(1, math.ceil(elapsed * days / _window_days(campaign))))
    cutoff = previous.opens_on + timedelta(days=same_day - 1)
    batch = results_batch()
    rows = (Response.objects.filter(campaign=previous, published=True, submitted_on__lte=cutoff)
            .values_list("team_ref").annotate(n=Count("id")).order_by())
    counts = {team: n - n % batch for team, n in rows if n >= batch}
    return counts, RateBaseline(previous.quarter, same_day, days)


def _trends(campaigns: list[Campaign], k: int, known: dict) -> tuple[list[Trend], list[Trend], Trend | None]:
    """`known` holds the team counts and histogram rows already read for the latest campaigns."""
    ids = [c.pk for c in campaigns]
    team_counts = {**_team_counts([i for i in ids if i not in known["teams"]]), **known["teams"]}
    shown = [c for c in campaigns if sum(team_counts.get(c.pk, {}).values()) >= k]
    rows = [r for r in known["rows"] if r["campaign_id"] in {c.pk for c in shown}]
    rows += _histograms([c.pk for c in shown if c.pk not in known["teams"]], by_team=False)
    tallies: dict[tuple[int, int], Tally] = defaultdict(Tally)
    for row in rows:
        if row["value"] is not None:
            tallies[(row["campaign_id"], row["question_id"])].add(row["value"], row["n"])
    items = list(CampaignQuestion.objects.filter(campaign_id__in=ids).select_related("question")
                 .order_by("campaign__opens_on", "order"))
    questions: dict[int, Question] = {}
    sections: dict[str, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for it in items:
        if it.question.kind == Question.Kind.LIKERT:
            questions.setdefault(it.question_id, it.question)
            sections[it.section][it.campaign_id].merge(tallies.get((it.campaign_id, it.question_id), Tally()))
        elif it.question.kind == Question.Kind.NPS:
            questions.setdefault(it.question_id, it.question)

    def series(get) -> list[tuple[str, float | None]]:
        return [(c.quarter, get(c.pk)) for c in shown]

    question_trends, nps_trend = [], None
    for qid, question in questions.items():
        if question.kind == Question.Kind.NPS:
            nps_trend = Trend("Developer NPS", "nps", series(lambda cid, q=qid: tallies.get((cid, q), Tally()).nps))
        else:
            question_trends.append(Trend(question.text, "mean",
                                         series(lambda cid, q=qid: tallies.get((cid, q), Tally()).mean)))
    section_trends = [Trend(name, "mean", series(lambda cid, s=by_campaign: s[cid].mean if cid in s else None))
                      for name, by_campaign in sections.items()]
    return question_trends, section_trends, nps_trend


def campaign_results(*, campaign: Campaign, with_trends: bool = True, with_text: bool = True) -> CampaignResults:
    """Every figure of one campaign with its change against the previous one, under the k rule,
    from the published snapshots only. A held campaign (closed-only mode, still open) shows nothing."""
    k = min_group_size()
    result = CampaignResults(campaign=campaign, previous=None, k=k, responses=0, shown=False, batch=results_batch(),
                             held=results_held(campaign=campaign), batched=not results_closed_only())
    history = [c for c in Campaign.objects.filter(opens_on__lte=campaign.opens_on).exclude(pk=campaign.pk)
               .order_by("opens_on") if not results_held(campaign=c)]
    previous = result.previous = history[-1] if history else None
    if result.held:
        return result
    history.append(campaign)
    ids = [campaign.pk] + ([previous.pk] if previous else [])
    team_counts = _team_counts(ids)
    labels = visible_groups(team_counts.get(campaign.pk, {}), k)
    prev_labels = visible_groups(team_counts.get(previous.pk, {}), k) if previous else None
    result.responses, result.shown = sum(team_counts.get(campaign.pk, {}).values()), labels is not None
    day = today()
    result.open = campaign.status_on(day) == Campaign.Status.OPEN
    rate_counts = team_counts
    if previous and prev_labels is not None:
        result.rate_baseline = RateBaseline(previous.quarter)
        if result.open:
            same_point, result.rate_baseline = _same_point_counts(campaign=campaign, previous=previous, day=day)
            rate_counts = {**team_counts, previous.pk: same_point}
    rates = _rates(ids, {campaign.pk: labels, **({previous.pk: prev_labels} if previous else {})}, rate_counts)

    def rate(cid: int, key: str) -> float | None:
        total, answered = rates.get(cid, {}).get(key, (0, 0))
        return answered / total if total else None

    cur = rates.get(campaign.pk, {})
    result.rate = GroupRate("All", result.responses, *cur.get("", (0, 0)),
                            previous_rate=rate(previous.pk, "") if previous and prev_labels else None)
    if labels is None:
        return result
    group_names = _group_order(labels)
    group_responses: dict[str, int] = defaultdict(int)
    for team, n in team_counts[campaign.pk].items():
        group_responses[labels[team]] += n
    result.rates = [GroupRate(display(name), group_responses[name], *cur.get(name, (0, 0)),
                              previous_rate=rate(previous.pk, name) if prev_labels and name in prev_labels.values()
                              else None) for name in group_names]
    rows = _histograms(ids, by_team=True)
    overall, groups = _group_tallies(rows, campaign.pk, labels)
    prev_overall, prev_groups = _group_tallies(rows, previous.pk, prev_labels) if prev_labels else ({}, {})
    for item in campaign_items(campaign=campaign):
        res = ItemResult(item=item)
        if item.question.value_range is not None:
            res.tally = overall.get(item.question_id, Tally())
            res.previous = prev_overall.get(item.question_id)
            res.groups = [GroupTally(display(name), groups[(item.question_id, name)],
                                     prev_groups.get((item.question_id, name)))
                          for name in group_names if (item.question_id, name) in groups]
        result.items.append(res)
    if with_text:
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            if row["campaign_id"] == campaign.pk and row["value"] is None:
                counts[row["question_id"]][row["team_ref"]] += row["n"]
        _free_text(campaign, [r for r in result.items if r.tally is None], labels, counts)
    if with_trends:
        known = {"teams": {cid: team_counts.get(cid, {}) for cid in ids}, "rows": rows}
        result.question_trends, result.section_trends, result.nps_trend = _trends(history, k, known)
    return result
