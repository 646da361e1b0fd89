"""Publishing results: which responses the pages may show, and the counts they read.

An open campaign's figures must not move by one person's answer: whoever looked before and after
a colleague answered would read the colleague's answer as the difference. So results change only
here, in whole batches, and are stored (`Response.published`, `CampaignTally`); every page, CSV
and API response reads that snapshot and writes nothing.

Batches are per team, not overall: a batch of k answers overall can hold one answer of a team,
and that team's breakdown, response count and free text would then move by exactly that answer.
With whole batches per team, every team's published count is a multiple of k and every change
between two views is at least k answers of each team that changed.
"""

from django.db import transaction
from django.db.models import Count

from surveys import selectors
from surveys.models import Answer, Campaign, CampaignTally, Response
from surveys.selectors import results_batch, results_closed_only, results_held

_UPDATE_CHUNK = 500  # ids per UPDATE ... WHERE id IN (...): below SQLite's bound-parameter limit


def _to_publish(campaign: Campaign) -> list:
    """Ids of the waiting responses that join the snapshot now, chosen by their random ids."""
    if results_held(campaign=campaign):
        return []
    # In closed-only mode a closed campaign is shown once, whole: there is no earlier view to subtract.
    everything = results_closed_only()
    batch = results_batch()
    waiting = Response.objects.filter(campaign=campaign, published=False)
    chosen: list = []
    for team, n in waiting.values_list("team_ref").annotate(n=Count("id")).order_by():
        take = n if everything else n - n % batch
        if take:
            chosen += waiting.filter(team_ref=team).order_by("id").values_list("id", flat=True)[:take]
    return chosen


def _tallies_store(campaign: Campaign) -> None:
    answers = Answer.objects.filter(campaign=campaign, response__published=True)
    counts = [
        *answers.filter(value__isnull=False).values("question_id", "team_ref", "value").annotate(n=Count("id"))
        .order_by(),
        *answers.filter(value__isnull=True).exclude(text="").values("question_id", "team_ref")
        .annotate(n=Count("id")).order_by(),
        *Response.objects.filter(campaign=campaign, published=True).values("team_ref").annotate(n=Count("id"))
        .order_by(),
    ]
    CampaignTally.objects.filter(campaign=campaign).delete()
    CampaignTally.objects.bulk_create([CampaignTally(campaign=campaign, **row) for row in counts], batch_size=1000)


def results_publish(*, campaign: Campaign) -> int:
    """Publish whole batches of each team's waiting responses (in closed-only mode: nothing until the
    campaign closes, then everything) and store the published counts. Returns how many responses
    joined. Idempotent; concurrent runs (a submit's task and beat) queue on the campaign's row lock."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if locked is None:
            return 0
        chosen = _to_publish(locked)
        if not chosen:
            return 0
        for start in range(0, len(chosen), _UPDATE_CHUNK):
            Response.objects.filter(pk__in=chosen[start:start + _UPDATE_CHUNK]).update(published=True)
        _tallies_store(locked)
    return len(chosen)


def results_publish_due() -> int:
    """Beat: the campaigns with something to publish (an enqueue lost with the broker, a closed-only
    campaign that has just closed). Teams left short of a batch are not revisited every run.
    Returns how many responses joined a snapshot."""
    waiting = Response.objects.filter(published=False)
    if results_closed_only():
        due = waiting.filter(campaign__closes_on__lt=selectors.today()).values_list("campaign_id", flat=True)
    else:
        due = (waiting.values("campaign_id", "team_ref").annotate(n=Count("id")).filter(n__gte=results_batch())
               .values_list("campaign_id", flat=True))
    return sum(results_publish(campaign=campaign) for campaign in Campaign.objects.filter(pk__in=set(due)))
