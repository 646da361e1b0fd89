"""The Create pages: the template list and a template's multi-step form, rendered on the server.

A step is posted with every answer so far in a signed hidden field (`forms.state`); the server
reads the step's inputs (`forms.parse`), validates them (`forms.schema.validate_values`) and either
shows the step again with its errors or moves on. After the last step comes a review of every
answer, then Create or Dry run hands them to `services.run_create`, which validates them again.
Sign-in is enforced by `portal.auth.LoginRequiredMiddleware`; the decorators say it again.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Entity
from catalog.selectors import entity_url
from core.htmx import is_partial, render_page_or_fragment
from scaffolding import selectors, services
from scaffolding.forms import schema as form_schema
from scaffolding.forms import state as form_state
from scaffolding.forms.fields import build_step, review_rows, walk_fields
from scaffolding.forms.parse import parse_step
from scaffolding.forms.pickers import closed_picker_errors

FORM_PAGE = "scaffolding/template_form.html"
BROKEN_FRAGMENT = "scaffolding/partials/form_broken.html"

# The submit buttons' values; "goto:<step>" (the review's Edit buttons) moves to a step already reached.
ACTIONS = ("next", "back", "goto", "refresh", "create", "dry_run")


# --- The template list ----------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    tag = request.GET.get("tag", "").strip()[:100]
    templates = selectors.template_list(query=query, tag=tag)
    for template in templates:
        template.form_url = reverse("scaffolding:template_form", args=[template.namespace, template.name])
        template.owner_url = entity_url(template.owner_ref) if template.owner_ref else ""
        template.missing_actions = [item["action"] for item in _missing_actions(template)]
    context = {"templates": templates, "tags": selectors.template_tags(), "query": query, "tag": tag,
               "filtered": bool(query or tag)}
    return render_page_or_fragment(request, "scaffolding/template_list.html",
                           "scaffolding/partials/form_template_list.html", context)


# --- The form ---------------------------------------------------------------------------------------


@dataclass
class _Form:
    """One request's view of a template form: the template, its steps and the answers so far."""

    request: HttpRequest
    template: Entity
    steps: list[dict]
    state: form_state.FormState
    secrets: dict

    @property
    def review(self) -> int:
        return len(self.steps)

    def save_secrets(self) -> None:
        form_state.secrets_set(self.request.session, template_ref=self.template.ref, secrets=self.secrets)


@login_required
@require_http_methods(["GET", "POST"])
def template_form(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    template = selectors.template_get(namespace=namespace, name=name)
    if template is None:
        raise Http404("No such template in the catalog.")
    steps = selectors.template_parameter_steps(template=template, user=request.user)
    problems = [f"Step {i + 1} ({step['title']}): {problem}" for i, step in enumerate(steps)
                for problem in form_schema.schema_problems(step["schema"])]
    if problems:
        context = {"template": template, "problems": problems, "missing_actions": _missing_actions(template)}
        return render_page_or_fragment(request, FORM_PAGE, BROKEN_FRAGMENT, context)
    if request.method == "GET":
        # A fresh start: whatever secrets an abandoned attempt left in the session go.
        form = _Form(request, template, steps, form_state.FormState(), {})
        form.save_secrets()
        return _render(form, 0)
    try:
        state = form_state.state_load(request.POST.get("__state", ""), template_ref=template.ref, user=request.user)
    except form_state.StateError as exc:
        return render_page_or_fragment(request, FORM_PAGE, BROKEN_FRAGMENT,
                                       {"template": template, "problems": [str(exc)], "restart": True,
                                        "missing_actions": _missing_actions(template)}, status=400)
    secrets = form_state.secrets_get(request.session, template_ref=template.ref)
    return _post(_Form(request, template, steps, state, secrets))


def _int(raw, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _post(form: _Form) -> HttpResponse:
    data = form.request.POST
    action, _, target = data.get("__action", "next").partition(":")
    action = action if action in ACTIONS else "next"
    index = min(max(_int(data.get("__step"), 0), 0), form.state.reached, form.review)
    if action in ("create", "dry_run"):
        return _create(form, dry_run=action == "dry_run")
    errors: list[dict] = []
    if index < form.review:
        errors = _read_step(form, index)
    if action == "refresh":
        return _render(form, index)
    if action == "back":
        return _render(form, max(index - 1, 0))
    if action == "goto":
        return _render(form, min(max(_int(target, index), 0), form.state.reached, form.review))
    if index < form.review:
        errors += _step_errors(form, index, skip={e["field"] for e in errors})
        if errors:
            return _render(form, index, errors=errors)
    form.state.reached = max(form.state.reached, index + 1)
    return _render(form, min(index + 1, form.review))


def _read_step(form: _Form, index: int) -> list[dict]:
    """Fold the posted inputs of step `index` into the answers; returns inputs that could not be read."""
    schema = form.steps[index]["schema"]
    parsed = parse_step(schema, form.request.POST, context=form.state.values, kept_secrets=form.secrets)
    values = {k: v for k, v in form.state.values.items() if k not in parsed.step_names}
    form.state.values = {**values, **parsed.values}
    form.state.choices.update(parsed.choices)
    step_secrets = form_schema.secret_fields(schema)
    form.secrets = {k: v for k, v in form.secrets.items() if k not in step_secrets} | parsed.secrets
    form.save_secrets()
    return parsed.errors


def _step_errors(form: _Form, index: int, skip: set[str] = frozenset()) -> list[dict]:
    schema = form.steps[index]["schema"]
    errors = form_schema.validate_values(schema, form.state.values)
    errors += closed_picker_errors(schema, form.state.values, user=form.request.user)
    return [e for e in errors if e["field"] not in skip]


def _create(form: _Form, *, dry_run: bool) -> HttpResponse:
    for index in range(form.review):
        errors = _step_errors(form, index)
        if errors:
            return _render(form, index, errors=errors)
    try:
        run = services.run_create(template=form.template, values=form.state.values, secrets=form.secrets or None,
                                  actor=form.request.user, dry_run=dry_run)
    except services.ParameterErrors as exc:
        first = min((e.get("step", 0) for e in exc.errors), default=0)
        index = first if isinstance(first, int) and 0 <= first < form.review else 0
        step_errors = [e for e in exc.errors if e.get("step", 0) == index]
        return _render(form, index, errors=step_errors) if form.review else _render(form, 0, alert=str(exc))
    except services.TemplateError as exc:
        return _render(form, form.review, alert=f"This template cannot run: {exc}")
    form.secrets = {}
    form.save_secrets()
    url = reverse("scaffolding:run_detail", args=[run.id])
    if is_partial(form.request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- Rendering --------------------------------------------------------------------------------------


def _missing_actions(template: Entity) -> list[dict]:
    return selectors.template_missing_actions(spec=(template.body or {}).get("spec"))


def _stepper(form: _Form, index: int) -> list[dict]:
    titles = [step["title"] for step in form.steps] + ["Review"]
    return [{"title": title, "current": i == index, "done": i < index} for i, title in enumerate(titles)]


def _render(form: _Form, index: int, *, errors: list[dict] | None = None, alert: str = "") -> HttpResponse:
    template = form.template
    form_url = reverse("scaffolding:template_form", args=[template.namespace, template.name])
    context = {
        "template": template, "form_url": form_url, "index": index, "is_review": index >= form.review,
        "stepper": _stepper(form, index), "alert": alert, "missing_actions": _missing_actions(template),
        "state": form_state.state_dump(form.state, template_ref=template.ref, user=form.request.user),
    }
    if index < form.review:
        step = form.steps[index]
        built = build_step(step["schema"], form.state.values, errors=errors, choices=form.state.choices,
                           secrets=form.secrets)
        picker_url = reverse("scaffolding:picker_entities")
        for field in walk_fields(built.fields):
            if field.widget in ("entity", "multi"):
                field.picker_url = picker_url + "?" + urlencode(
                    {"template": template.ref, "step": index, "field": field.name})
        context.update(step=step, fields=built.fields, choices=built.choices, step_errors=built.errors,
                       has_conditions=any(f.controls for f in built.fields) or bool(built.choices))
    else:
        context["review"] = [
            {"index": i, "title": step["title"], "rows": review_rows(build_step(
                step["schema"], form.state.values, choices=form.state.choices, secrets=form.secrets,
                defaults=False).fields)}
            for i, step in enumerate(form.steps)
        ]
    return render_page_or_fragment(form.request, FORM_PAGE, "scaffolding/partials/form_body.html", context)
