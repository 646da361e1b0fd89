"""The notifications page, the header's bell and Backstage's notifications API (/api/notifications/).

People see and change only their own notifications: every query is filtered by the signed-in
recipient, so another person's id is simply not found. Reads never write; marking read is a POST
(CSRF-checked) and audited by core.notifications.mark.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.api.errors import InputError, api_view, json_body
from core.htmx import is_partial
from core.models import Notification
from core.notifications import counts_of, mark, notifications_of, unread_count

PAGE_SIZE = 50
MAX_IDS = 500


class MarkForm(forms.Form):
    ids = forms.CharField(required=False, max_length=10_000)
    read = forms.TypedChoiceField(choices=[("1", "read"), ("0", "unread")], coerce=lambda v: v == "1",
                                  required=False, empty_value=True)

    def clean_ids(self) -> list[int] | None:
        raw = self.cleaned_data["ids"].strip()
        if not raw:
            return None
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not all(part.isdigit() and len(part) < 19 for part in parts):
            raise forms.ValidationError("ids: expected notification numbers separated by commas")
        ids = [int(part) for part in parts]
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(f"ids: at most {MAX_IDS} at once")
        return ids


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = notifications_of(request.user, read=False if unread_only else None)
    page = Paginator(rows.only(
        "id", "title", "description", "link", "severity", "origin", "created", "read_at"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "portal/notifications.html", {
        "page": page, "unread_only": unread_only, "counts": counts_of(request.user)})


@login_required
@require_POST
def notification_mark(request: HttpRequest) -> HttpResponse:
    form = MarkForm(request.POST)
    if not form.is_valid():
        return render(request, "errors/400.html", {"message": "; ".join(
            str(m) for messages in form.errors.values() for m in messages)}, status=400)
    mark(request.user, ids=form.cleaned_data["ids"], read=form.cleaned_data["read"])
    if is_partial(request):
        return notification_bell(request)
    return redirect(request.POST.get("next") if request.POST.get("next") == "/notifications/?unread=1"
                    else "/notifications/")


@login_required
@require_GET
@never_cache
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count, loaded by the header after the page (the page itself runs no query)."""
    return render(request, "portal/partials/bell.html", {"unread": unread_count(request.user)})


# --- Backstage's notifications API ---------------------------------------------------------------


def _backstage_shape(row: Notification) -> dict:
    return {"id": str(row.pk), "user": f"user:default/{row.recipient.get_username().lower()}",
            "created": row.created.isoformat(), "read": row.read_at.isoformat() if row.read_at else None,
            "origin": row.origin, "payload": {"title": row.title, "description": row.description,
                                              "link": row.link, "severity": row.severity, "topic": row.topic}}


def _int_param(request, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise InputError(f"{name}: expected a whole number from 0 to {maximum}")
    return int(raw)


@api_view("GET")
def api_notifications(request: HttpRequest) -> JsonResponse:
    read = request.GET.get("read")
    if read not in (None, "", "true", "false"):
        raise InputError("read: expected true or false")
    limit, offset = _int_param(request, "limit", 10, 200), _int_param(request, "offset", 0, 1_000_000)
    rows = notifications_of(request.user, read={"true": True, "false": False}.get(read)).select_related("recipient")
    return JsonResponse({"totalCount": rows.count(),
                         "notifications": [_backstage_shape(r) for r in rows[offset:offset + limit]]})


@api_view("GET")
def api_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(counts_of(request.user))


@api_view("POST")
def api_update(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    ids, read = body.get("ids"), body.get("read")
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(isinstance(i, str | int) and str(i).isdigit()
                                                                  for i in ids):
        raise InputError(f"ids: expected a list of at most {MAX_IDS} notification ids")
    if read is not None and not isinstance(read, bool):
        raise InputError("read: expected true or false")
    if read is not None:
        mark(request.user, ids=[int(i) for i in ids], read=read)
    rows = notifications_of(request.user).filter(pk__in=[int(i) for i in ids]).select_related("recipient")
    return JsonResponse([_backstage_shape(r) for r in rows], safe=False)

