"""A template's lineage page (the repositories made from it) and its "Upgrade" button.

After an upgrade is queued, the table polls itself (`watch` counts the polls left) until every
pending repository has its upgrade branch or the count runs out (a failed upgrade leaves no
branch, and the page must not poll for ever).

Everyone sees the lineage; the Upgrade button counts only the repositories the person may upgrade
(scaffolding.lineage.upgrade_allowed), the others are marked "not yours", and a POST by
someone who may upgrade none of them is the 403 page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.selectors import entity_url
from core.htmx import is_partial, render_page_or_fragment
from scaffolding import lineage, selectors

MAX_WATCH = 30  # polls every 2 s: a minute of waiting for the worker


def _template_or_404(namespace: str, name: str):
    template = selectors.template_get(namespace=namespace, name=name)
    if template is None:
        raise Http404("No such template")
    return template


def _watch(raw: str | None) -> int:
    try:
        return max(0, min(int(raw or 0), MAX_WATCH))
    except ValueError:
        return 0


def _render(request: HttpRequest, template, *, watch: int = 0, queued: int | None = None) -> HttpResponse:
    data = lineage.lineage_get(template=template, user=request.user)
    context = {
        "template": template, "lineage": data, "queued": queued,
        "watch": watch - 1 if watch > 0 and data.pending else 0,
        "template_url": entity_url(template.ref),
        "lineage_url": reverse("scaffolding:template_lineage", args=[template.namespace, template.name]),
        "upgrade_url": reverse("scaffolding:template_upgrade", args=[template.namespace, template.name]),
    }
    partial = "scaffolding/partials/lineage_table.html"
    return render_page_or_fragment(request, "scaffolding/template_lineage.html", partial, context)


@login_required
@require_GET
def template_lineage(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    template = _template_or_404(namespace, name)
    return _render(request, template, watch=_watch(request.GET.get("watch")))


@login_required
@require_POST
def template_upgrade(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    template = _template_or_404(namespace, name)
    queued = lineage.lineage_upgrade_start(template=template, actor=request.user)
    if is_partial(request):
        return _render(request, template, watch=MAX_WATCH + 1 if queued else 0, queued=queued)
    if queued:
        messages.success(request, f"Upgrading {queued} repositor{'y' if queued == 1 else 'ies'}: an upgrade "
                                  "branch appears on each as the worker makes it.")
    else:
        messages.info(request, "Every repository is up to date or already has its upgrade branch.")
    return redirect(reverse("scaffolding:template_lineage", args=[template.namespace, template.name]))
