"""Options of the pickers in template forms, as an htmx fragment of <option>s for a <datalist>.

The browser names the template, the step and the field; what to offer is read from that
template's schema on the server, so a client cannot widen a picker's `catalogFilter`.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from scaffolding import selectors
from scaffolding.forms.pickers import PICKERS, picker_options
from scaffolding.forms.schema import find_property, ui_field


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def entity_options(request: HttpRequest) -> HttpResponse:
    template = selectors.template_get_by_ref(ref=request.GET.get("template", "")[:400])
    if template is None:
        raise Http404("No such template in the catalog.")
    steps = selectors.template_parameter_steps(template=template, user=request.user)
    index = request.GET.get("step", "")
    if not index.isdigit() or int(index) >= len(steps):
        return _bad_request("step must be the index of one of the template's parameter steps")
    step = steps[int(index)]
    field = request.GET.get("field", "")[:300]
    prop = find_property(step["schema"], field) if field else None
    if prop is None or ui_field(prop) not in PICKERS:
        return _bad_request("field must name a picker field of that step")
    # htmx sends the input's own value under its name; `q` is accepted as well.
    query = request.GET.get("q") or request.GET.get(field) or request.GET.get(f"{field}__add") or ""
    options = picker_options(prop, query=query, user=request.user)
    response = render(request, "scaffolding/partials/picker_options.html", {"options": options})
    patch_vary_headers(response, ("HX-Request",))
    return response
