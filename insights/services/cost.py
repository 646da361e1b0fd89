"""Cost imports (upload, stream, aggregate, replace per month and source), OpenCost fetches and the
monthly team reports.

An import is a row (CostImport) and a file under PAVED_COST_IMPORT_DIR; a Celery task streams the
file and aggregates it in memory by month and the seed's labels (a few thousand sums for a million
rows), then replaces the lines of that source for those months in one transaction: a file that
fails anywhere changes nothing.
"""

import io
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.selectors import component_owners, group_members
from core.access import require
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from insights.lib.cost.rows import CUR, FOCUS, Aggregate, CostFormatError, csv_rows, opencost_rows
from insights.lib.cost.teams import team_label, team_ref, team_slug
from insights.models.cost import CostImport, CostLine, CostReport
from insights.selectors import cost as cost_selectors

log = logging.getLogger(__name__)

PROGRESS_EVERY = 20_000  # rows between two progress writes (a million rows: 50 small UPDATEs)
RUN_TASK = "insights.tasks.cost_import_run"
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_EXTENSIONS = {CostImport.Format.OPENCOST: "json", CostImport.Format.FOCUS: "csv", CostImport.Format.CUR: "csv"}
_CURRENCY_COLUMNS = {CostImport.Format.OPENCOST: "currency", CostImport.Format.FOCUS: "BillingCurrency",
                     CostImport.Format.CUR: "lineItem/CurrencyCode"}
QUANTUM = Decimal("0.000001")


def _rates() -> dict[str, Decimal]:
    return {code: Decimal(rate) for code, rate in settings.PAVED_COST_RATES.items()}


def _import_dir() -> Path:
    folder = Path(settings.PAVED_COST_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- Creating an import -------------------------------------------------------------------------


def _clean_source(fmt: str, source: str) -> str:
    source = (source or "").strip().lower() or fmt
    if not _SOURCE.match(source):
        raise ValidationError({"source": "expected up to 100 lower-case letters, digits, '.', '_' or '-' "
                                         f"(e.g. aws-focus), got {source[:40]!r}"})
    return source


def cost_import_create(*, actor, fmt: str, upload, source: str = "") -> CostImport:
    """Store `upload` (a Django UploadedFile) under the var dir and queue its import.

    `source` names what the lines replace (default: the format): two exports of the same month from
    different clouds need two sources, or the second replaces the first."""
    require(actor, "insights.data.import")
    fmt = (fmt or "").strip().lower()
    if fmt not in CostImport.Format.values:
        raise ValidationError({"format": f"expected one of {', '.join(CostImport.Format.values)}, got {fmt[:40]!r}"})
    source = _clean_source(fmt, source)
    if upload is None:
        raise ValidationError({"file": "expected a file (multipart form field 'file')"})
    path = _import_dir() / f"{uuid.uuid4().hex}.{_EXTENSIONS[fmt]}"
    size = 0
    try:
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
                size += len(chunk)
        if size == 0:
            raise ValidationError({"file": f"{upload.name or 'the file'} is empty"})
        with transaction.atomic():
            job = CostImport.objects.create(format=fmt, source=source, file_name=str(upload.name or "")[:255],
                                            path=str(path), total_bytes=size, created_by=actor)
            audit_record(actor=actor, action="insights.cost.import", target=f"cost-import:{job.pk}",
                         detail={"format": fmt, "source": source, "file": job.file_name, "bytes": size})
            task_enqueue_on_commit(RUN_TASK, job.pk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


# --- Running an import --------------------------------------------------------------------------


def _rows(job: CostImport, raw):
    if job.format == CostImport.Format.OPENCOST:
        return opencost_rows(io.TextIOWrapper(raw, encoding="utf-8-sig"), currency=settings.PAVED_COST_CURRENCY)
    layout = FOCUS if job.format == CostImport.Format.FOCUS else CUR
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    return csv_rows(text, layout, default_currency=settings.PAVED_COST_CURRENCY)


def cost_file_aggregate(*, job: CostImport) -> Aggregate:
    """Stream the job's file into sums, writing progress every PROGRESS_EVERY rows."""
    aggregate = Aggregate(base=settings.PAVED_COST_CURRENCY, rates=_rates(),
                          currency_column=_CURRENCY_COLUMNS[job.format])
    with open(job.path, "rb") as raw:
        for count, row in enumerate(_rows(job, raw), 1):
            aggregate.add(row)
            if count % PROGRESS_EVERY == 0:
                CostImport.objects.filter(pk=job.pk).update(rows_read=count, bytes_read=raw.tell())
    return aggregate


def _attributed_lines(*, job: CostImport, aggregate: Aggregate) -> list[CostLine]:
    """Cost lines of the sums: a team label names the team; without one, the service's catalog
    owner does (service → component → owner); without either the line stays unallocated."""
    orphans = {key[2] for key in aggregate.sums if not key[1] and key[2]}
    owners = component_owners(names=orphans)
    teams: dict[str, str] = {}
    lines = []
    currency = settings.PAVED_COST_CURRENCY
    for (month, team, service, environment, cost_center, tier), amount in aggregate.sums.items():
        if team:
            ref = teams.get(team) or teams.setdefault(team, team_ref(team))
            how = CostLine.Attribution.LABEL
        else:
            ref = owners.get(service.lower(), "") if service else ""
            how = CostLine.Attribution.CATALOG if ref else CostLine.Attribution.NONE
        lines.append(CostLine(month=month, source=job.source, team=ref, service=service, environment=environment,
                              cost_center=cost_center, tier=tier, currency=currency,
                              amount=amount.quantize(QUANTUM), attribution=how, cost_import=job))
    return lines


def _fail(job_id: int, message: str) -> None:
    CostImport.objects.filter(pk=job_id).update(status=CostImport.Status.FAILED, message=message[:2000],
                                                finished_at=timezone.now())


def cost_import_run(*, import_id: int) -> CostImport | None:
    """Claim a queued import (one conditional UPDATE: a repeated message does nothing) and run it."""
    claimed = CostImport.objects.filter(pk=import_id, status=CostImport.Status.QUEUED).update(
        status=CostImport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    job = CostImport.objects.get(pk=import_id)
    try:
        aggregate = cost_file_aggregate(job=job)
        lines = _attributed_lines(job=job, aggregate=aggregate)
        months = aggregate.months
        with transaction.atomic():
            # Imports of one source take turns here: each waits for the other's rows to be locked, so
            # two re-imports of one month cannot both delete the old lines and both add theirs.
            list(CostImport.objects.select_for_update().filter(source=job.source).values_list("pk", flat=True))
            CostLine.objects.filter(source=job.source, month__in=months).delete()
            CostLine.objects.bulk_create(lines, batch_size=2000)
            CostImport.objects.filter(pk=job.pk).update(
                status=CostImport.Status.DONE, rows_read=aggregate.rows, bytes_read=job.total_bytes,
                lines_written=len(lines), months=[f"{m:%Y-%m}" for m in months], finished_at=timezone.now(),
                message="" if aggregate.rows else "The file has no cost rows: nothing was replaced.")
    except CostFormatError as exc:
        _fail(job.pk, f"{job.file_name or 'the file'}: {exc}. Nothing was imported.")
    except OSError as exc:
        _fail(job.pk, f"The stored upload cannot be read ({exc.strerror or exc}). Nothing was imported.")
    except Exception as exc:  # the database refused the lines: say so on the import, then let it be logged
        _fail(job.pk, f"The import stopped ({type(exc).__name__}). Nothing was imported.")
        raise
    finally:
        Path(job.path).unlink(missing_ok=True)
    job.refresh_from_db()
    log.info("cost import %s: %s, %s rows, %s lines", job.pk, job.status, job.rows_read, job.lines_written)
    return job


def cost_imports_sweep(*, now=None) -> int:
    """Re-send queued imports whose message was lost; fail running ones whose worker is gone."""
    now = now or timezone.now()
    resent = 0
    for pk in CostImport.objects.filter(status=CostImport.Status.QUEUED,
                                        created_at__lt=now - timedelta(minutes=5)).values_list("pk", flat=True):
        task_enqueue_on_commit(RUN_TASK, pk)
        resent += 1
    CostImport.objects.filter(status=CostImport.Status.RUNNING, started_at__lt=now - timedelta(hours=2)).update(
        status=CostImport.Status.FAILED, finished_at=now,
        message="The worker stopped during the import (no progress for two hours). Nothing was imported.")
    return resent


# --- OpenCost, fetched on a schedule --------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _download(url: str, path: Path) -> int:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "paved-insights"})
    limit = settings.PAVED_COST_JSON_MAX_BYTES
    size = 0
    with urllib.request.urlopen(request, timeout=settings.PAVED_OPENCOST_TIMEOUT) as response, \
            open(path, "wb") as out:
        while chunk := response.read(256 * 1024):
            size += len(chunk)
            if size > limit:
                raise ValueError(f"the answer is larger than {limit} bytes (PAVED_COST_JSON_MAX_BYTES)")
            out.write(chunk)
    return size


def cost_opencost_fetch(*, now: datetime | None = None) -> list[CostImport]:
    """Fetch last month's and this month's allocations from PAVED_OPENCOST_URL and import each (as
    source `opencost`, replacing those months). A failure is kept as a failed import saying why."""
    base = settings.PAVED_OPENCOST_URL
    if not base:
        return []
    now = now or timezone.now()
    this_month = _month_start(now.astimezone(UTC).date())
    previous = _month_start(this_month - timedelta(days=1))
    jobs = []
    for month in (previous, this_month):
        end = min(datetime.combine(_next_month(month), datetime.min.time(), tzinfo=UTC), now.astimezone(UTC))
        window = f"{month:%Y-%m-%d}T00:00:00Z,{end:%Y-%m-%dT%H:%M:%SZ}"
        url = f"{base}/allocation/compute?" + urllib.parse.urlencode({"window": window, "accumulate": "true"})
        path = _import_dir() / f"{uuid.uuid4().hex}.json"
        job = CostImport.objects.create(format=CostImport.Format.OPENCOST, source="opencost", file_name=url[:255],
                                        path=str(path))
        try:
            size = _download(url, path)
        except (OSError, ValueError, urllib.error.URLError) as exc:
            path.unlink(missing_ok=True)
            reason = getattr(exc, "reason", None) or exc
            _fail(job.pk, f"OpenCost at {base} could not be read for {month:%Y-%m}: {reason}. Nothing was imported.")
            jobs.append(CostImport.objects.get(pk=job.pk))
            continue
        CostImport.objects.filter(pk=job.pk).update(total_bytes=size)
        audit_record(actor=None, actor_name="paved", action="insights.cost.import", target=f"cost-import:{job.pk}",
                     detail={"format": "opencost", "source": "opencost", "url": url[:300], "bytes": size})
        jobs.append(cost_import_run(import_id=job.pk))
    return jobs


# --- Monthly reports ----------------------------------------------------------------------------------


def _report_text(report: cost_selectors.TeamReport, link: str) -> str:
    lines = [f"Cloud spend of {team_label(report.team)} in {report.month:%B %Y}: "
             f"{report.spend:,.2f} {report.currency}"]
    if report.previous is not None:
        change = f"{report.change:+.1%}" if report.change is not None else "n/a"
        lines.append(f"Previous month: {report.previous:,.2f} {report.currency} ({change}).")
    if report.per_developer is not None:
        lines.append(f"Per developer ({report.developers} people): {report.per_developer:,.2f} {report.currency}.")
    if report.top_services:
        lines.append("")
        lines.append("Top services:")
        lines += [f"  {service or '(no service label)'}: {amount:,.2f}" for service, amount in report.top_services]
    if report.flags:
        lines.append("")
        lines.append("Flagged for review:")
        lines += [f"  {flag.reason}" for flag in report.flags]
    lines += ["", link]
    return "\n".join(lines) + "\n"


def cost_reports_send(*, month: date | None = None, base_url: str = "") -> int:
    """E-mail each team with spend in `month` (default: the last complete month with data, from the 2nd
    of the month after) its report,
    to the members of its catalog Group that have an e-mail address. Once per team and month: the
    report row is claimed (a unique constraint) before any mail leaves. Returns reports sent."""
    if month is None:
        latest = cost_selectors.latest_cost_month()
        # A month is reported from the 2nd of the next one: the last fetch of its final hours has landed.
        current = _month_start(timezone.now().date() - timedelta(days=1))
        if latest is None:
            return 0
        month = latest if latest < current else _month_start(current - timedelta(days=1))
    month = _month_start(month)
    teams = cost_selectors.teams_with_spend(month=month)
    members = group_members(refs=teams)
    sent = 0
    for team in teams:
        report = cost_selectors.team_report(team_ref=team, month=month)
        addresses = sorted({email for _, email in members.get(team, []) if email})
        try:
            with transaction.atomic():
                CostReport.objects.create(team=team, month=month, recipients=len(addresses),
                                          summary={"spend": str(report.spend), "currency": report.currency,
                                                   "flags": len(report.flags)})
        except IntegrityError:
            continue  # already sent (or being sent by another run)
        if not addresses:
            continue
        link = f"{base_url or settings.PAVED_PUBLIC_URL}/insights/cost/teams/{team_slug(team)}/?month={month:%Y-%m}"
        try:
            send_mail(subject=f"Cloud spend of {team_label(team)}, {month:%B %Y}",
                      message=_report_text(report, link), from_email=settings.DEFAULT_FROM_EMAIL,
                      recipient_list=addresses)
        except Exception:
            CostReport.objects.filter(team=team, month=month).delete()  # the next run tries again
            raise
        audit_record(actor=None, actor_name="paved", action="insights.cost.report", target=team,
                     detail={"month": f"{month:%Y-%m}", "recipients": len(addresses)})
        sent += 1
    log.info("cost reports sent for %s: %d", month, sent)
    return sent
