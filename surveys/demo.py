"""Synthetic survey history for the demo organisation: four past quarters and the current one."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from surveys import selectors, services
from surveys.models import Answer, Campaign, Participation, Question, Response

# Synthetic respondents per team and quarter: the demo catalog has few people, so the answers
# stand for a larger organisation. team-notifications stays below k and is pooled.
TEAM_SIZES = {"team-checkout": 9, "team-payments": 8, "team-search": 6, "team-web": 10, "team-platform": 7,
              "team-identity": 6, "team-notifications": 3, "team-data": 6}
# Mean drift per quarter: most things improve, CI gets slower (a trend worth seeing).
DRIFT = {"ci-fast": -0.25, "find-docs": 0.3, "create-service-easily": 0.25, "know-owners": 0.2}
FRICTION = ["Waiting for CI on every small change.", "Finding who owns an API.", "Flaky integration tests.",
            "Environment set-up takes a day.", "Too many tickets for DNS and certificates.",
            "Docs are spread over three wikis.", "Local Kubernetes is slow on laptops."]
CHANGES = ["Faster pipelines.", "One place for docs.", "Self-service databases.", "Preview environments per PR.",
           "Better alert routing.", "A template for event consumers."]


def _quarter(day: datetime.date, back: int) -> tuple[str, datetime.date]:
    index = day.year * 4 + (day.month - 1) // 3 - back
    year, q = divmod(index, 4)
    return f"{year}-Q{q + 1}", datetime.date(year, 3 * q + 1, 1)


def _demo_people() -> dict[str, list]:
    """Sign-in-less accounts standing for the teams' developers, so response rates add up."""
    users = get_user_model().objects
    people = {}
    for team, size in TEAM_SIZES.items():
        people[team] = []
        for i in range(1, size + 3):
            user, created = users.get_or_create(username=f"demo-{team}-{i:02d}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            people[team].append(user)
    return people


def _value(question: Question, age: int, rng: random.Random) -> int | str:
    if question.kind == Question.Kind.NPS:
        return max(0, min(10, round(rng.gauss(7.6 - 0.3 * age, 1.8))))
    if question.kind == Question.Kind.TEXT:
        return rng.choice(FRICTION if question.key == "biggest-friction" else CHANGES) if rng.random() < 0.6 else ""
    mean = 3.4 - DRIFT.get(question.key, 0.1) * age
    return max(1, min(5, round(rng.gauss(mean, 0.9))))


@transaction.atomic
def demo_surveys_load(*, seed: int = 7) -> list[Campaign]:
    """Idempotent: campaigns that already exist are left as they are."""
    rng = random.Random(seed)
    day = selectors.today()
    people = _demo_people()
    created = []
    for back in range(4, -1, -1):
        quarter, start = _quarter(day, back)
        if Campaign.objects.filter(quarter=quarter).exists():
            continue
        opens = start + datetime.timedelta(days=14) if back else day - datetime.timedelta(days=3)
        closes = opens + datetime.timedelta(days=27)
        campaign = services.campaign_create_default(title=f"Developer survey {quarter}", quarter=quarter,
                                                    opens_on=opens, closes_on=closes)
        created.append(campaign)
        if back == 0:
            continue  # the open campaign waits for the demo users' own answers
        items = selectors.campaign_items(campaign=campaign)
        answers, participations = [], []
        for team, size in TEAM_SIZES.items():
            ref = f"group:default/{team}"
            stored_team = ref if size >= selectors.min_group_size() else ""
            answering = min(size + rng.randint(-1, 2), size + 2)
            for i, user in enumerate(people[team]):
                participations.append(Participation(campaign=campaign, user=user, team_ref=ref,
                                                    answered=i < answering))
            for _ in range(answering):
                response = Response.objects.create(campaign=campaign, team_ref=stored_team,
                                                   submitted_on=opens + datetime.timedelta(days=rng.randint(0, 20)))
                for item in items:
                    value = _value(item.question, back - 1, rng)
                    if value == "":
                        continue
                    answers.append(Answer(response=response, campaign=campaign, question=item.question,
                                          team_ref=stored_team, value=None if isinstance(value, str) else value,
                                          text=value if isinstance(value, str) else ""))
        Participation.objects.filter(campaign=campaign, user__in=[u for us in people.values() for u in us]).delete()
        Participation.objects.bulk_create(participations)
        Answer.objects.bulk_create(answers)
        services.results_publish(campaign=campaign)
    return created
