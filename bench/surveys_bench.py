#!/usr/bin/env python3
"""Benchmark: the survey results page and answer submission, on PostgreSQL.

    .venv/bin/python bench/surveys_bench.py [--responses 5000] [--quarters 8] [--runs 60] [--submits 300]

Creates a fresh database (default paved_surveys_bench on postgres://postgres@127.0.0.1:5432),
migrates it, and fills `quarters` campaigns of the default 13 questions with `responses`
answers each, spread over 12 teams (two below k). Then, in this process through Django's test
client (the full middleware stack, session auth, template rendering; no network or WSGI server):

* results: GET /surveys/<id>/results/ (all figures, team breakdowns, free text, trends over every
  quarter) for the latest campaign, still open (aggregated live from its 65,000 answers, earlier
  quarters from their stored tallies), and for the one before it, closed. The first read after
  the quarters close stores their tallies; it is reported on its own.
* submit:  the final-section POST of /surveys/<open>/answer/ with all 13 answers, one person each

Prints one JSON object with p50/p95/max in milliseconds.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def summary(samples: list[float]) -> dict:
    return {"n": len(samples), "p50_ms": pct(samples, 0.5), "p95_ms": pct(samples, 0.95),
            "max_ms": round(max(samples), 1), "mean_ms": round(statistics.mean(samples), 1)}


def fill(quarters: int, responses: int, rng: random.Random):
    from surveys import services
    from surveys.models import Answer, Response
    from surveys.selectors import campaign_items

    teams = [f"group:default/team-{i:02d}" for i in range(10)] + [""]
    weights = [10] * 10 + [1]
    day = datetime.date.today()
    campaigns = []
    for back in range(quarters, 0, -1):
        year, q = divmod(day.year * 4 + (day.month - 1) // 3 - back, 4)
        opens = datetime.date(year, 3 * q + 1, 10)
        closes = opens + datetime.timedelta(days=20)
        if back == 1:  # the latest one is still open: its figures are aggregated live, not from tallies
            opens, closes = day - datetime.timedelta(days=5), day + datetime.timedelta(days=10)
        campaign = services.campaign_create_default(title=f"Survey {year}-Q{q + 1}", quarter=f"{year}-Q{q + 1}",
                                                    opens_on=opens, closes_on=closes)
        items = campaign_items(campaign=campaign)
        rows, answers = [], []
        for _ in range(responses):
            team = rng.choices(teams, weights)[0]
            response = Response(campaign=campaign, team_ref=team, submitted_on=opens)
            rows.append(response)
            for item in items:
                kind = item.question.kind
                if kind == "text":
                    answers.append(Answer(response=response, campaign=campaign, question=item.question,
                                          team_ref=team, text=f"friction {rng.randint(1, 50)}"))
                else:
                    value = rng.randint(0, 10) if kind == "nps" else rng.randint(1, 5)
                    answers.append(Answer(response=response, campaign=campaign, question=item.question,
                                          team_ref=team, value=value))
        Response.objects.bulk_create(rows, batch_size=2000)
        Answer.objects.bulk_create(answers, batch_size=5000)
        # Results show published batches only (issue 9): publish them, as the submit task would.
        from surveys.services.publish import results_publish

        results_publish(campaign=campaign)
        campaigns.append(campaign)
    return campaigns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="paved_surveys_bench")
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--submits", type=int, default=300)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("PAVED_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from surveys import selectors
    from surveys.forms import field_name
    from surveys.models import Participation
    from surveys.services import campaign_create_default

    call_command("migrate", verbosity=0)
    rng = random.Random(42)
    started = time.perf_counter()
    campaigns = fill(args.quarters, args.responses, rng)
    users = get_user_model().objects
    admin = users.create_superuser("bench-admin", "admin@example.com", "x")
    people = users.bulk_create([get_user_model()(username=f"dev{i:05d}", email=f"dev{i}@example.com")
                                for i in range(args.responses)])
    Participation.objects.bulk_create([
        Participation(campaign=campaigns[-1], user=u, team_ref="", answered=i < args.responses * 0.8)
        for i, u in enumerate(people)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    fill_seconds = round(time.perf_counter() - started, 1)

    client = Client()
    client.force_login(admin)

    def timed_get(url: str) -> list[float]:
        samples = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        return samples

    t0 = time.perf_counter()
    assert client.get(f"/surveys/{campaigns[-2].pk}/results/").status_code == 200
    first_read_ms = round((time.perf_counter() - t0) * 1000, 1)  # stores the closed quarters' tallies
    results_open = timed_get(f"/surveys/{campaigns[-1].pk}/results/")
    results_closed = timed_get(f"/surveys/{campaigns[-2].pk}/results/")

    today = datetime.date.today()
    open_campaign = campaign_create_default(title="Open", quarter=f"{today.year + 5}-Q1",
                                            opens_on=today - datetime.timedelta(days=1),
                                            closes_on=today + datetime.timedelta(days=10))
    items = selectors.campaign_items(campaign=open_campaign)
    sections = selectors.campaign_sections(items=items)
    data = {field_name(i.question_id): ("9" if i.question.kind == "nps" else "text" if i.question.kind == "text"
                                        else "4") for i in items}
    data |= {"step": str(len(sections) - 1), "nav": "submit"}
    submits = []
    client = Client()  # one client: a new one would load the middleware (and scan static files) again
    for user in people[: args.submits]:
        client.force_login(user)
        t0 = time.perf_counter()
        response = client.post(f"/surveys/{open_campaign.pk}/answer/", data)
        submits.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 302, response.status_code
    assert open_campaign.responses.count() == args.submits

    print(json.dumps({
        "database": connection.vendor, "server": connection.cursor().connection.info.server_version,
        "quarters": args.quarters, "responses_per_quarter": args.responses,
        "answers_total": args.quarters * args.responses * 13, "fill_seconds": fill_seconds,
        "first_read_after_close_ms": first_read_ms,
        "results_page_open_campaign": summary(results_open),
        "results_page_closed_campaign": summary(results_closed),
        "submit": summary(submits),
        "method": "Django test client in one process (full middleware + templates), PostgreSQL on 127.0.0.1",
    }, indent=2))


if __name__ == "__main__":
    main()
