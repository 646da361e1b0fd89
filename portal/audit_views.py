"""The audit log in the portal: browse and filter, and export as JSON lines (platform admins)."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.access import require
from core.audit_query import AuditFilters, audit_export_lines, audit_list
from core.models import AuditEntry

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=100, help_text="Prefix, e.g. catalog.")
    target = forms.CharField(required=False, max_length=200)
    outcome = forms.ChoiceField(required=False, choices=[("", "any")] + AuditEntry.Outcome.choices)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters | None]:
    """The form and its filters; None when the filter is malformed (nothing is listed rather than
    everything, which would look like a filtered answer)."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, AuditFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, "paved.audit.read")
    form, filters = _filters(request)
    entries = audit_list(filters=filters) if filters is not None else []
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    require(request.user, "paved.audit.read")
    form, filters = _filters(request)
    if filters is None:
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponse(f"The filter is malformed ({problems}).\n", status=400, content_type="text/plain")
    response = StreamingHttpResponse(audit_export_lines(filters=filters), content_type="application/x-ndjson")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="paved-audit-{stamp}.jsonl"'
    response["Cache-Control"] = "no-store"
    return response
