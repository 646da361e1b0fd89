"""A year of delivery, incident, cost and platform data for the demo organisation (demo/catalog).

The generator is seeded and writes the tools' own payloads: GitHub `push` and `deployment_status`
webhooks (signed with X-Hub-Signature-256), GitHub issues labelled `incident` (with a "Root cause:
<sha>" line) and PagerDuty V3 `incident.triggered`/`incident.resolved` webhooks (signed with
X-PagerDuty-Signature), and a FOCUS 1.x CSV of monthly costs. They go through the same doors real
data uses: `insights.services.events.webhook_receive` (signature check, idempotent storage) and
`delivery_process`, and the cost importer (`cost_import_create` + `cost_import_run`). Ticket counts,
headcount and platform checks go through this app's importers.

The teams differ on purpose: team-platform is elite (several deploys a day, lead time in hours,
few failures, quick restores), team-checkout struggles (a deploy every two weeks, lead times of
weeks, many failures, long incidents), team-data's cloud bill grows every month.

What has no importer is written directly, and says so: the scaffolder runs and lineage rows that
stand for services made from templates (scaffolding has no "record a past run" service), and the
accounts whose `date_joined` stands for people's first sign-in (onboarding time).

Idempotent: delivery ids are derived from the content, so a second run is answered "duplicate";
cost and ticket imports replace their months; rows that exist are left alone.
"""

import csv
import hashlib
import hmac
import io
import json
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from catalog.selectors.teams import component_annotations, people, team_component_refs

DAYS = 365
SEED = 14
CHUNK = 500
GITHUB_SOURCE, PAGERDUTY_SOURCE = "demo-github", "demo-pagerduty"
COST_SOURCE = "demo-focus"
PLATFORM_COMPONENTS = {"argocd": 0.9996, "vault": 0.9999, "ci-runners": 0.9993}


@dataclass(frozen=True)
class Profile:
    deploys_per_day: float  # per component
    lead_hours: float  # mean commit-to-deploy
    failure_rate: float  # share of deployments that fail
    incidents_per_month: float  # per component
    restore_hours: float  # mean
    cost: float  # monthly, per component
    cost_growth: float = 0.0  # month over month


PROFILES = {
    "group:default/team-platform": Profile(1.5, 3, 0.03, 0.6, 0.4, 5200),  # elite
    "group:default/team-checkout": Profile(0.06, 400, 0.35, 2.5, 70, 4100),  # struggling
    "group:default/team-data": Profile(0.45, 40, 0.12, 0.8, 6, 3800, 0.14),  # cost growing
}
DEFAULT_PROFILE = Profile(0.25, 30, 0.12, 0.7, 5, 2600)
# Components made from templates (lineage), with how long the template-to-production took.
# (template, days ago it was run, hours from the run to the first production deployment).
TEMPLATE_MADE = {"component:default/recommendations-service": ("template:default/python-service", 300, 60),
                 "component:default/merchant-portal": ("template:default/frontend-app", 220, 30),
                 "component:default/email-renderer": ("template:default/go-microservice", 150, 12),
                 "component:default/search-indexer": ("template:default/python-service", 75, 4),
                 "component:default/acme-cli": ("template:default/go-microservice", 30, 0.5)}


@dataclass
class Send:
    kind: str  # "github" or "pagerduty"
    event: str
    payload: dict
    at: datetime

    def body(self) -> bytes:
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":")).encode()

    def delivery_id(self) -> str:
        return str(uuid.UUID(hashlib.sha256(self.body()).hexdigest()[:32]))


@dataclass
class Plan:
    sends: list[Send] = field(default_factory=list)
    focus_csv: str = ""
    starts: dict[str, date] = field(default_factory=dict)  # catalog user name -> first day
    created: dict[str, datetime] = field(default_factory=dict)  # component ref -> template run start
    first_commits: set[str] = field(default_factory=set)  # people whose first commit is planned
    days: int = DAYS


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _repository(slug: str) -> dict:
    owner, name = slug.split("/", 1)
    return {"full_name": slug, "name": name, "owner": {"login": owner}, "default_branch": "main",
            "html_url": f"https://github.com/{slug}"}


def _push(slug: str, commits: list[tuple[str, datetime, str]]) -> dict:
    return {"ref": "refs/heads/main", "before": "0" * 39 + "1", "after": commits[-1][0],
            "repository": _repository(slug), "pusher": {"name": commits[-1][2].split("@")[0]},
            "commits": [{"id": sha, "message": "Change", "timestamp": _iso(at), "distinct": True,
                         "author": {"name": who.split("@")[0], "email": who, "username": who.split("@")[0]}}
                        for sha, at, who in commits]}


def _deployment_status(slug: str, deployment_id: int, sha: str, state: str, at: datetime) -> dict:
    deployment = {"id": deployment_id, "sha": sha, "ref": "main", "environment": "production", "task": "deploy",
                  "created_at": _iso(at - timedelta(minutes=6)), "updated_at": _iso(at)}
    return {"action": "created", "deployment_status": {"id": deployment_id * 10, "state": state,
                                                       "environment": "production", "created_at": _iso(at),
                                                       "updated_at": _iso(at)},
            "deployment": deployment, "repository": _repository(slug)}


def _pagerduty(service_id: str, name: str, incident_id: str, kind: str, opened: datetime, at: datetime,
               rng: random.Random) -> dict:
    return {"event": {"id": f"01{rng.getrandbits(96):024X}", "event_type": kind, "resource_type": "incident",
                      "occurred_at": _iso(at), "agent": None, "client": None,
                      "data": {"id": incident_id, "type": "incident", "self": f"https://api.pagerduty.com/incidents/"
                                                                                f"{incident_id}",
                               "number": int(incident_id[-4:]), "status": kind.split(".")[1],
                               "title": f"{name}: elevated error rate", "created_at": _iso(opened),
                               "urgency": "high", "priority": {"summary": "P2"},
                               "service": {"id": service_id, "type": "service_reference", "summary": name}}}}


def _issue(slug: str, number: int, opened: datetime, closed: datetime, cause: str) -> dict:
    return {"action": "closed", "repository": _repository(slug),
            "issue": {"number": number, "title": "Errors after a deploy", "state": "closed",
                      "labels": [{"name": "incident"}], "created_at": _iso(opened), "closed_at": _iso(closed),
                      "body": f"Customers saw 500s.\n\nRoot cause: {cause}"}}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _months_back(today: date, count: int) -> list[date]:
    first, out = _month_start(today), []
    for i in range(count - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - i
        out.append(date(index // 12, index % 12 + 1, 1))
    return out


def plan(*, now: datetime | None = None, seed: int = SEED, days: int = DAYS) -> Plan:
    """Everything the demo sends, computed from the catalog and the seed (no writes)."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    rng = random.Random(seed)
    year_ago = now - timedelta(days=days)
    out_days = days
    owners = team_component_refs()
    teams = sorted(o for o in owners if o.startswith("group:"))
    annotations = component_annotations(refs=[r for t in teams for r in owners[t]])
    out = Plan(days=days)
    seen_slugs: set[str] = set()
    deployment_id = 1000
    members = {team: [p for p in people(team_ref=team) if p.email] for team in teams}
    # Each team's first member was there all year; the others join one after another through the year,
    # and onboarding gets shorter as the platform matures (about three weeks down to under two days).
    joiners = sorted((p.name, p.email) for team in teams for p in members[team][1:])
    first_days = {p.email: year_ago.date() for team in teams for p in members[team][:1]}
    for k, (_name, email) in enumerate(joiners):
        first_days[email] = year_ago.date() + timedelta(days=30 + round(k * (out_days - 50) / max(len(joiners) - 1, 1)))
    for team in teams:
        profile = PROFILES.get(team, DEFAULT_PROFILE)
        joins = {}  # e-mail -> the first moment they commit: their first day plus their onboarding
        for person in members[team]:
            joined = first_days[person.email]
            out.starts[person.name] = joined
            months_in = (joined - year_ago.date()).days / 30
            onboarding = max(1.2, 21 - 1.9 * months_in) * rng.uniform(0.8, 1.2)
            joins[person.email] = datetime.combine(joined, datetime.min.time(), tzinfo=UTC) + timedelta(
                days=onboarding, hours=rng.randint(9, 16))
        for ref in owners[team]:
            slug = annotations.get(ref, {}).get("github.com/project-slug", "").lower()
            if not slug or slug in seen_slugs:
                continue
            seen_slugs.add(slug)
            began = year_ago
            if ref in TEMPLATE_MADE:
                _template, days_ago, hours = TEMPLATE_MADE[ref]
                if days_ago >= days:
                    continue
                created = now - timedelta(days=days_ago, hours=rng.randint(1, 6))
                out.created[ref] = created
                began = created + timedelta(hours=hours)
            deployment_id = _component_sends(out, rng, ref=ref, slug=slug, profile=profile, began=began, now=now,
                                             joins=joins, service_id=annotations[ref].get("pagerduty.com/service-id",
                                                                                          ""),
                                             deployment_id=deployment_id)
    out.sends.sort(key=lambda s: s.at)
    out.focus_csv = _focus_csv(rng, owners=owners, teams=teams, today=now.date(), months=min(12, days // 30))
    return out


def _author(rng: random.Random, joins: dict[str, datetime], at: datetime) -> str | None:
    """Someone who could commit at `at` (past their onboarding), or None."""
    ready = [who for who, moment in joins.items() if moment <= at]
    return rng.choice(ready) if ready else None


def _component_sends(out: Plan, rng: random.Random, *, ref: str, slug: str, profile: Profile, began: datetime,
                     now: datetime, joins: dict[str, datetime], service_id: str, deployment_id: int) -> int:
    name = ref.split("/")[-1]
    day = began
    incident_n = 0
    first_commit_done = out.first_commits
    while day < now:
        # Deployments that day: a Poisson draw around the team's rate.
        count = _poisson(rng, profile.deploys_per_day)
        if day == began:
            count = max(count, 1)  # a new service's first production deployment
        for _ in range(count):
            at = day + timedelta(minutes=rng.randint(8 * 60, 18 * 60)) if day != began else day
            if at >= now:
                continue
            commits = []
            for _c in range(rng.randint(1, 3)):
                lead = min(rng.expovariate(1 / profile.lead_hours), (at - began).total_seconds() / 3600)
                authored = at - timedelta(hours=lead, minutes=1)
                who = _author(rng, joins, authored)
                if who is None:
                    continue
                if who not in first_commit_done:
                    # A newcomer's first commit: soon after they are ready, if that is before this deploy.
                    first_commit_done.add(who)
                    authored = max(authored, min(joins[who] + timedelta(hours=rng.randint(1, 20)),
                                                 at - timedelta(minutes=5)))
                commits.append((_sha(rng), authored, who))
            if not commits:
                continue
            commits.sort(key=lambda c: c[1])
            out.sends.append(Send("github", "push", _push(slug, commits), commits[-1][1]))
            deployment_id += 1
            out.sends.append(Send("github", "deployment_status",
                                  _deployment_status(slug, deployment_id, commits[-1][0], "success", at), at))
            if rng.random() < profile.failure_rate:
                # This change broke production: an incident issue names it as the root cause (that is
                # how the change failure rate learns which deployment failed).
                incident_n += 1
                opened = at + timedelta(minutes=rng.randint(10, 90))
                resolved = opened + timedelta(hours=rng.expovariate(1 / profile.restore_hours))
                if resolved < now:
                    out.sends.append(Send("github", "issues", _issue(slug, incident_n, opened, resolved,
                                                                     commits[-1][0]), resolved))
        # Other incidents (load, a provider, a certificate) on some days, from PagerDuty when the service
        # is on call there; one may still be open at the end.
        if service_id and rng.random() < profile.incidents_per_month / 30:
            incident_n += 1
            opened = day + timedelta(hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            resolved = opened + timedelta(hours=rng.expovariate(1 / profile.restore_hours))
            incident_id = f"Q{hashlib.sha256(name.encode()).hexdigest()[:6].upper()}{incident_n:04d}"
            if opened < now:
                out.sends.append(Send("pagerduty", "incident.triggered",
                                      _pagerduty(service_id, name, incident_id, "incident.triggered", opened, opened,
                                                 rng), opened))
            if resolved < now:
                out.sends.append(Send("pagerduty", "incident.resolved",
                                      _pagerduty(service_id, name, incident_id, "incident.resolved", opened,
                                                 resolved, rng), resolved))
        day += timedelta(days=1)
    return deployment_id


def _poisson(rng: random.Random, rate: float) -> int:
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


FOCUS_HEADER = ["BillingAccountId", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
                "BilledCost", "EffectiveCost", "BillingCurrency", "ProviderName", "ServiceName", "ServiceCategory",
                "ChargeCategory", "RegionId", "ResourceId", "Tags"]
CLOUD_SERVICES = (("Amazon Elastic Kubernetes Service", "Compute", 0.55), ("Amazon RDS", "Databases", 0.3),
                  ("Amazon S3", "Storage", 0.15))


def _focus_csv(rng: random.Random, *, owners: dict[str, list[str]], teams: list[str], today: date,
               months: int = 12) -> str:
    """Twelve closed months of a FOCUS 1.0 export, labelled with the seed's cost labels; a share of
    shared spend carries no labels (it shows as unallocated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FOCUS_HEADER)
    for n, month in enumerate(_months_back(today, months + 1)[:-1]):
        end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        period = [f"{month}T00:00:00Z", f"{end}T00:00:00Z"]
        for team in teams:
            profile = PROFILES.get(team, DEFAULT_PROFILE)
            for i, ref in enumerate(owners[team]):
                service = ref.split("/")[-1]
                base = profile.cost * (1 + profile.cost_growth) ** n * rng.uniform(0.93, 1.07) / (1 + 0.3 * i)
                for cloud, category, share in CLOUD_SERVICES:
                    amount = round(base * share, 2)
                    tags = {"team": team.split("/")[-1], "service": service, "environment": "production",
                            "cost-center": f"CC-{100 + teams.index(team)}", "tier": "1" if i == 0 else "2"}
                    writer.writerow(["acme-prod", *period, *period, f"{amount:.2f}", f"{amount:.2f}", "USD", "AWS",
                                     cloud, category, "Usage", "eu-west-1", f"arn:aws:{service}:{category.lower()}",
                                     json.dumps(tags, sort_keys=True)])
        shared = round(3000 * rng.uniform(0.9, 1.1), 2)
        writer.writerow(["acme-prod", *period, *period, f"{shared:.2f}", f"{shared:.2f}", "USD", "AWS",
                         "AWS Support (Business)", "Management and Governance", "Usage", "global", "support", "{}"])
    return buffer.getvalue()


# --- Loading: through the real doors --------------------------------------------------------------


def _signed_headers(send: Send, secret: str) -> dict[str, str]:
    body = send.body()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if send.kind == "github":
        return {"X-GitHub-Event": send.event, "X-GitHub-Delivery": send.delivery_id(),
                "X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json",
                "User-Agent": "GitHub-Hookshot/demo"}
    return {"X-PagerDuty-Signature": f"v1={digest}", "Content-Type": "application/json"}


@dataclass
class Loaded:
    deliveries: int = 0
    duplicates: int = 0
    processed: int = 0
    cost_lines: int = 0
    ticket_rows: int = 0
    headcount_rows: int = 0
    uptime_days: int = 0
    template_runs: int = 0
    accounts: int = 0
    notes: list[str] = field(default_factory=list)


def load(*, actor, now: datetime | None = None, seed: int = SEED, days: int = DAYS, log=print) -> Loaded:
    """Generate and send the demo year; returns what happened."""
    now = now or timezone.now()
    result = Loaded()
    the_plan = plan(now=now, seed=seed, days=days)
    log(f"insights demo: {len(the_plan.sends)} webhook deliveries, {len(the_plan.focus_csv.splitlines()) - 1} "
        "FOCUS cost rows")
    _deliver(the_plan, actor=actor, result=result, log=log)
    _cost(the_plan, actor=actor, result=result)
    _platform(the_plan, actor=actor, now=now, rng=random.Random(seed + 1), result=result)
    return result


def _deliver(the_plan: Plan, *, actor, result: Loaded, log) -> None:
    from insights.models import Delivery
    from insights.services.events import delivery_process, webhook_receive, webhook_source_save

    sources = {"github": GITHUB_SOURCE, "pagerduty": PAGERDUTY_SOURCE}
    if Delivery.objects.filter(source__in=list(sources.values())).exists():
        # Payload times follow the day the demo runs, so a later run would send a second year: once is enough.
        log("insights demo: deliveries already sent; leaving them as they are")
        return
    secrets = {kind: hashlib.sha256(f"paved-demo-{kind}-{uuid.uuid4()}".encode()).hexdigest()
               for kind in ("github", "pagerduty")}
    webhook_source_save(actor=actor, name=GITHUB_SOURCE, kind="github", secret=secrets["github"])
    webhook_source_save(actor=actor, name=PAGERDUTY_SOURCE, kind="pagerduty", secret=secrets["pagerduty"])
    for start in range(0, len(the_plan.sends), CHUNK):
        with transaction.atomic():  # one commit per chunk: the demo is not a thousand separate requests
            for send in the_plan.sends[start:start + CHUNK]:
                received = webhook_receive(source_name=sources[send.kind],
                                           headers=_signed_headers(send, secrets[send.kind]), body=send.body())
                result.duplicates += int(received.duplicate)
                result.deliveries += int(not received.duplicate)
        log(f"insights demo: sent {min(start + CHUNK, len(the_plan.sends))} of {len(the_plan.sends)}")
    # The worker would process these from the queue; the demo does it now so the pages have data at once
    # (the queued messages then find them processed and do nothing).
    pending = list(Delivery.objects.filter(source__in=list(sources.values()), status=Delivery.Status.PENDING)
                   .order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pending), CHUNK):
        with transaction.atomic():
            for pk in pending[start:start + CHUNK]:
                delivery_process(delivery_id=pk)
                result.processed += 1


def _cost(the_plan: Plan, *, actor, result: Loaded) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from insights.services.cost import cost_import_create, cost_import_run

    upload = SimpleUploadedFile("acme-focus-12-months.csv", the_plan.focus_csv.encode(), content_type="text/csv")
    job = cost_import_create(actor=actor, fmt="focus", upload=upload, source=COST_SOURCE)
    job = cost_import_run(import_id=job.pk) or job
    if getattr(job, "status", "") != "done":
        result.notes.append(f"cost import {job.pk}: {getattr(job, 'status', '?')} {getattr(job, 'message', '')}")
    result.cost_lines = getattr(job, "lines_written", 0) or 0


def _platform(the_plan: Plan, *, actor, now: datetime, rng: random.Random, result: Loaded) -> None:
    from insights.models import UptimeDay
    from insights.services.health import headcount_import, tickets_import

    today = timezone.localdate(now)
    months = _months_back(today, min(13, the_plan.days // 30 + 1))
    teams = sorted(t for t in team_component_refs() if t.startswith("group:"))
    # Tickets fall as self-service grows; a year of monthly counts per team and category.
    ticket_rows = []
    for n, month in enumerate(months):
        for team in teams:
            for category, base in (("access", 2.5), ("database", 1.5), ("dns-certificates", 1.2), ("ci", 0.8)):
                count = max(0, round(base * (1 - n / 15) * rng.uniform(0.6, 1.4)))
                ticket_rows.append({"month": f"{month:%Y-%m}", "team": team, "category": category, "count": count})
    result.ticket_rows = tickets_import(actor=actor, items=ticket_rows, source="demo-servicedesk").rows
    head_rows = []
    for month in months:
        for team in teams:
            size = len(people(team_ref=team)) * 6 + 4  # the catalog lists a few people; the HR export all of them
            head_rows.append({"month": f"{month:%Y-%m}", "team": team, "headcount": size,
                              "leavers": 1 if rng.random() < 0.12 else 0})
    result.headcount_rows = headcount_import(actor=actor, items=head_rows).rows
    # Availability: Paved's minutes (a few lost on bad days) and three components' five-minute checks.
    midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    for back in range(the_plan.days, -1, -1):
        day = today - timedelta(days=back)
        start = midnight - timedelta(days=back)
        minutes = 1440 if back else max(int((now - midnight).total_seconds() // 60), 1)
        lost = 0 if rng.random() < 0.95 else rng.randint(1, 20)
        _, created = UptimeDay.objects.get_or_create(component=UptimeDay.PAVED, day=day, defaults={
            "ok": max(minutes - lost, 0), "failed": 0, "first_at": start, "last_at": start + timedelta(minutes=minutes),
            "last_detail": "demo history"})
        result.uptime_days += int(created)
        for component, availability in PLATFORM_COMPONENTS.items():
            checks = 288 if back else max(minutes // 5, 1)
            failed = sum(1 for _ in range(checks) if rng.random() > availability)
            UptimeDay.objects.get_or_create(component=component, day=day, defaults={
                "ok": checks - failed, "failed": failed, "first_at": start,
                "last_at": start + timedelta(minutes=minutes), "last_ok": True, "last_detail": "demo history"})
    result.template_runs, result.accounts = _scaffolder_and_people(the_plan, now=now, rng=rng)


def _scaffolder_and_people(the_plan: Plan, *, now: datetime, rng: random.Random) -> tuple[int, int]:
    """Written directly (no importer exists for the past): template runs with their lineage, and the
    accounts whose first sign-in stands for people's first day."""
    from scaffolding.models import ScaffoldedRepository, ScaffoldRun

    made = 0
    if not ScaffoldRun.objects.filter(template_title="Insights demo").exists():
        members = [p for team in team_component_refs() if team.startswith("group:") for p in people(team_ref=team)]
        for ref, started in the_plan.created.items():
            template = TEMPLATE_MADE[ref][0]
            run = ScaffoldRun.objects.create(template_ref=template, template_title="Insights demo", status="completed",
                                             started_at=started, finished_at=started + timedelta(minutes=3))
            ScaffoldRun.objects.filter(pk=run.pk).update(created_at=started)
            name = ref.split("/")[-1]
            ScaffoldedRepository.objects.get_or_create(provider="github", owner="acme-retail", name=name, defaults={
                "run": run, "template_ref": template, "remote_url": f"https://github.com/acme-retail/{name}",
                "entity_ref": ref})
            made += 1
        # Self-service tasks month by month: more every month as the templates spread.
        for back in range(the_plan.days // 30, -1, -1):
            for _ in range(max(1, round((13 - back) * 2.2 * rng.uniform(0.8, 1.2)))):
                at = now - timedelta(days=back * 30 + rng.randint(0, 29), hours=rng.randint(0, 8))
                if at > now:
                    continue
                who = rng.choice(members) if members else None
                run = ScaffoldRun.objects.create(
                    template_ref=rng.choice(["template:default/database", "template:default/environment",
                                             "template:default/python-service"]),
                    template_title="Insights demo", status="completed", started_at=at,
                    finished_at=at + timedelta(minutes=2), created_by_ref=who.ref if who else "")
                ScaffoldRun.objects.filter(pk=run.pk).update(created_at=at)
                made += 1
    accounts = 0
    users = get_user_model().objects
    for name, first_day in the_plan.starts.items():
        joined = timezone.make_aware(datetime.combine(first_day, datetime.min.time()) + timedelta(hours=9))
        user, created = users.get_or_create(username=name, defaults={"date_joined": joined})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            accounts += 1
    return made, accounts
