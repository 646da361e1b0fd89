"""The Delivery pages: a component's four keys, recent deployments and incidents (its entity page's
Delivery tab), and the events no component matched. Thin: check access, read selectors, render."""

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from catalog.access import entity_readable
from catalog.selectors import entity_get, entity_url
from core.access import require
from core.api.errors import InputError
from core.charts import Series, line_chart
from core.htmx import render_page_or_fragment
from insights.api.events import period_from
from insights.selectors.dora import dora_summary, recent_deployments, recent_incidents, unmatched_events

BAND_CLASS = {"elite": "badge-ok", "high": "badge-ok", "medium": "badge-warn", "low": "badge-error", "": "badge-muted"}


def _period(request: HttpRequest):
    try:
        return period_from(request.GET)
    except InputError as exc:
        return None, None, str(exc)


def _figures(keys) -> list[dict]:
    def fmt_hours(hours):
        if hours is None:
            return "no data"
        return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"

    rate = keys.change_failure_rate
    rows = [
        ("deploy_frequency", "Deployment frequency",
         f"{keys.deploys_per_day:.2f} a day ({keys.deployments} deployments)"),
        ("lead_time", "Lead time for changes", fmt_hours(keys.lead_time_hours)),
        ("change_failure_rate", "Change failure rate", "no deployments" if rate is None else f"{rate:.0%}"),
        ("restore", "Time to restore service", fmt_hours(keys.restore_hours)),
    ]
    return [{"key": key, "label": label, "value": value, "band": keys.bands.get(key, ""),
             "band_class": BAND_CLASS[keys.bands.get(key, "")]} for key, label, value in rows]


def _charts(series, bucket: str) -> list:
    labels = [first.strftime("%-d %b") for first, _ in series]
    return [
        line_chart(labels=labels, series=[Series("Deployments", [k.deployments for _, k in series]),
                                          Series("Incidents", [k.incidents for _, k in series])],
                   title=f"Production deployments and incidents per {bucket}", y_min=0),
        line_chart(labels=labels, series=[Series("Lead time (h)", [k.lead_time_hours for _, k in series]),
                                          Series("Time to restore (h)", [k.restore_hours for _, k in series])],
                   title=f"Median lead time and time to restore per {bucket}, hours", y_min=0,
                   formatter=lambda v: f"{v:.1f}"),
    ]


@require_GET
def component_delivery(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    require(request.user, "insights.read")
    entity = entity_get(kind=kind, namespace=namespace, name=name)
    if entity is None or entity.kind.lower() != "component" or not entity_readable(request.user, entity):
        raise Http404("No such component.")
    start, end, bucket_or_error = _period(request)
    error = ""
    if start is None:
        error = bucket_or_error
        end = timezone.now().date()
        start, bucket = end - timedelta(days=89), "week"
    else:
        bucket = bucket_or_error
    refs = [entity.ref]
    keys, series = dora_summary(start=start, end=end, bucket=bucket, component_refs=refs)
    context = {
        "entity": entity, "entity_url": entity_url(entity.ref), "start": start, "end": end, "bucket": bucket,
        "error": error, "keys": keys, "figures": _figures(keys),
        "charts": _charts(series, bucket),
        "series": series,
        "deployments": recent_deployments(component_ref=entity.ref),
        "incidents": recent_incidents(component_ref=entity.ref),
    }
    return render_page_or_fragment(request, "insights/delivery/component.html",
                                   "insights/delivery/partials/component_body.html", context,
                                   status=400 if error else 200)


@require_GET
def unmatched(request: HttpRequest) -> HttpResponse:
    require(request.user, "insights.read")
    return render_page_or_fragment(request, "insights/delivery/unmatched.html",
                                   "insights/delivery/partials/unmatched_rows.html",
                                   {"items": unmatched_events(limit=200)})
