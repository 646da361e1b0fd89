"""An entity's Scorecard tab (every scorecard's checks, the facts behind them, the Missing line, the level,
the weekly trend, exemptions) and the exemption actions: request (owners), approve/reject/revoke (admins)."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from catalog.access import entity_resource
from catalog.selectors import entity_url
from core.access import authorize
from core.charts import Series, line_chart
from core.htmx import render_page_or_fragment
from scorecards.models import Exemption
from scorecards.selectors import scores as selectors
from scorecards.services import exemptions as exemption_services
from scorecards.views.common import entity_or_404, entity_path, owner_path, read_require, week_labels

STATE_LABELS = {"pass": "pass", "fail": "fail", "exempt": "exempt", "error": "error", "unknown": "unknown"}


class ExemptionForm(forms.Form):
    scorecard = forms.SlugField(max_length=100)
    check_key = forms.CharField(max_length=100)
    reason = forms.CharField(max_length=exemption_services.MAX_REASON, widget=forms.Textarea)
    expires_at = forms.DateField()


def _value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _check_rows(score) -> list[dict]:
    categories = {key: category for key, (_title, category) in selectors.check_meta(score.scorecard).items()}
    rows = []
    for item in score.results if isinstance(score.results, list) else []:
        if not isinstance(item, dict):
            continue
        fix = item.get("fix") if isinstance(item.get("fix"), dict) else {}
        observed = parse_datetime(str(item.get("observed_at") or "")) if item.get("observed_at") else None
        state = str(item.get("state") or "unknown")
        rows.append({"key": str(item.get("key") or ""), "title": str(item.get("title") or item.get("key") or ""),
                     "category": str(item.get("category_title") or categories.get(str(item.get("key")))
                                     or item.get("category") or ""),
                     "state": STATE_LABELS.get(state, "unknown"),
                     "required": bool(item.get("required")), "value": _value(item.get("value")),
                     "fact": str(item.get("fact") or ""), "source": str(item.get("source") or ""),
                     "observed_at": observed, "message": str(item.get("message") or ""),
                     "missing": str(item.get("missing") or ""),
                     "fix_text": str(fix.get("text") or ""), "fix_url": _safe_url(fix.get("url"))})
    return rows


def _safe_url(url) -> str:
    text = str(url or "").strip()
    return text if text.startswith(("https://", "http://", "/")) and not text.startswith("//") else ""


def _missing_items(score, checks: list[dict]) -> list[dict]:
    """The Missing line in the engine's words, each item with the fix of the check it stands for: the check
    that names it, else (same number of items as failing checks) the failing checks in order."""
    words = [str(m.get("text") if isinstance(m, dict) else m) for m in (score.missing or [])]
    failing = [c for c in checks if c["state"] == "fail"]
    by_word: dict[str, dict] = {}
    for check in failing + checks:  # the first failing check that names the word, else any that does
        if check["missing"]:
            by_word.setdefault(check["missing"], check)
    items = []
    for i, word in enumerate(words):
        check = by_word.get(word) or (failing[i] if len(failing) == len(words) else None)
        raw = score.missing[i] if isinstance(score.missing[i], dict) else {}
        url = _safe_url(raw.get("url")) or (check["fix_url"] if check else "")
        items.append({"text": word, "url": url, "fix_text": check["fix_text"] if check else ""})
    return items


def _ladder(card, reached: str) -> list[dict]:
    names = selectors.ladder(card)
    top = names.index(reached) if reached in names else -1
    return [{"name": n, "reached": i <= top, "current": i == top} for i, n in enumerate(names)]


def entity_context(request: HttpRequest, entity) -> dict:
    """Everything the tab shows, in a constant number of queries (scores, weeks, exemptions)."""
    resource = entity_resource(entity)
    scores = selectors.scores_for_entity(entity_ref=entity.ref)
    weeks = selectors.trend_weeks()
    trends = selectors.entity_weeks(entity_ref=entity.ref, weeks=weeks,
                                     scorecard_ids=[s.scorecard_id for s in scores]) if scores else {}
    exemptions = selectors.exemptions_for_entity(entity_ref=entity.ref) if scores else []
    can_request = authorize(request.user, "scorecards.exemption.request", resource)
    can_approve = authorize(request.user, "scorecards.exemption.approve", resource)
    labels = week_labels(weeks)
    today = timezone.localdate()
    cards = []
    for score in scores:
        checks = _check_rows(score)
        card = score.scorecard
        cards.append({
            "score": score, "card": card, "checks": checks, "missing": _missing_items(score, checks),
            "ladder": _ladder(card, score.level),
            "trend": line_chart(labels=labels, series=[Series(entity.name, trends.get(card.pk, [None] * len(weeks)))],
                                title=f"{entity.name} on {card.title}: score per week", height=180,
                                y_min=0, y_max=100),
            "exemptions": [e for e in exemptions if e.scorecard_id == card.pk],
            "requestable": [c for c in checks if c["state"] in ("fail", "error", "unknown")],
        })
    return {
        "entity": entity, "cards": cards, "can_request": can_request, "can_approve": can_approve,
        "owner_url": owner_path(entity.owner_ref or ""),
        "default_expiry": today + datetime.timedelta(days=30),
        "max_expiry": today + datetime.timedelta(days=exemption_services.max_days()),
        "tab_url": entity_path(entity.ref), "catalog_url": entity_url(entity.ref),
    }


@login_required
@require_GET
def entity_scorecards(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    read_require(request)
    entity = entity_or_404(request, namespace, kind, name)
    return render_page_or_fragment(request, "scorecards/entity.html", "scorecards/partials/entity_cards.html",
                                   entity_context(request, entity))


def _back(request: HttpRequest, entity, status: int = 200, error: str = "") -> HttpResponse:
    if error:
        messages.error(request, error)
    if request.htmx:
        context = entity_context(request, entity)
        context["error"] = error
        return render_page_or_fragment(request, "scorecards/entity.html", "scorecards/partials/entity_cards.html",
                                       context, status=status)
    return HttpResponseRedirect(entity_path(entity.ref))


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


@login_required
@require_POST
def exemption_request(request: HttpRequest, namespace: str, kind: str, name: str) -> HttpResponse:
    read_require(request)
    entity = entity_or_404(request, namespace, kind, name)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())
        return _back(request, entity, status=400, error=f"The exemption was not requested. {problems}")
    card = selectors.scorecard_get(slug=form.cleaned_data["scorecard"])
    if card is None:
        return _back(request, entity, status=400, error="The exemption was not requested. scorecard: no such scorecard")
    try:
        exemption_services.exemption_request(
            user=request.user, scorecard=card, entity=entity, check_key=form.cleaned_data["check_key"],
            reason=form.cleaned_data["reason"], expires_at=form.cleaned_data["expires_at"])
    except ValidationError as exc:
        return _back(request, entity, status=400, error=f"The exemption was not requested. {_errors(exc)}")
    messages.success(request, "Exemption requested: a platform admin will approve or reject it.")
    return _back(request, entity)


DECISIONS = ("approve", "reject", "revoke")


@login_required
@require_POST
def exemption_decide(request: HttpRequest, exemption_id: int, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404("No such action.")
    exemption = Exemption.objects.select_related("scorecard", "requested_by").filter(pk=exemption_id).first()
    if exemption is None:
        raise Http404("No such exemption.")
    kind, _, rest = exemption.entity_ref.partition(":")
    namespace, _, name = rest.partition("/")
    entity = entity_or_404(request, namespace, kind, name)
    note = str(request.POST.get("note", ""))[:exemption_services.MAX_NOTE]
    try:
        if decision == "revoke":
            exemption_services.exemption_revoke(user=request.user, exemption=exemption, entity=entity)
        else:
            exemption_services.exemption_decide(user=request.user, exemption=exemption, entity=entity,
                                                approve=decision == "approve", note=note)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        return _back(request, entity, status=409, error=f"Nothing changed. {_errors(exc)}")
    past = {"approve": "approved", "reject": "rejected", "revoke": "revoked"}[decision]
    messages.success(request, f"Exemption {past}; the score is being recomputed.")
    return _back(request, entity)


@login_required
@require_GET
def exemption_list(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision (platform admins decide them on each entity's tab) and the latest
    decisions; everyone with read access sees the list, only approvers get the links to act."""
    read_require(request)
    pending = selectors.exemptions_pending()
    for exemption in pending:
        exemption.url = entity_path(exemption.entity_ref)
    return render_page_or_fragment(request, "scorecards/exemptions.html", "scorecards/exemptions.html",
                                   {"pending": pending,
                                    "can_approve": authorize(request.user, "scorecards.exemption.approve")})
