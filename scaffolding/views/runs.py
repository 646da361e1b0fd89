"""Task pages: the list of runs, one run with its live log, cancel and retry, and the actions.

The run page polls `run_status` with htmx; each poll sends the id of the last log line it
has (`after`), and the answer appends the newer lines to the log out of band. Once the run
has finished the fragment comes back without its trigger, so the polling stops.
"""

import base64
import binascii
import json
from urllib.parse import urlencode, urlsplit

import markdown
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.lib.refs import RefError, parse_ref
from catalog.selectors import entity_url
from core.htmx import is_partial, render_page_or_fragment
from core.sanitize import sanitize
from githost.services import canonical_url, parse_host_url, remote_url, web_url
from scaffolding import selectors, services
from scaffolding.access import run_readable
from scaffolding.actions import action_registry
from scaffolding.forms import schema as form_schema
from scaffolding.models import ScaffoldRun, ScaffoldStep

PAGE_SIZE = 25
STATUSES = [choice.value for choice in ScaffoldRun.Status]
DONE_STEPS = (ScaffoldStep.Status.COMPLETED, ScaffoldStep.Status.SKIPPED)
SAFE_SCHEMES = ("http", "https", "mailto")
MAX_TEXT_CHARS = 100_000
MAX_PREVIEW_BYTES = 64 * 1024
MAX_FILES = 500
SCHEMA_DEPTH = 4


def _int(raw: str | None, default: int | None = None, minimum: int = 0) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if minimum <= value < 2**63 else default


# --- The list ---------------------------------------------------------------------------------


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    scope = "all" if request.GET.get("scope") == "all" else "mine"
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    page = _int(request.GET.get("page"), default=1, minimum=1)
    runs, total = selectors.run_list(created_by_user=request.user if scope == "mine" else None,
                                     statuses=[status] if status else None, limit=PAGE_SIZE,
                                     offset=(page - 1) * PAGE_SIZE, visible_to=request.user)
    pages = max(1, -(-total // PAGE_SIZE))
    params = {"scope": scope if scope == "all" else "", "status": status}

    def url(**changes) -> str:
        query = urlencode({k: v for k, v in {**params, **changes}.items() if v})
        return reverse("scaffolding:run_list") + (f"?{query}" if query else "")

    context = {
        "runs": runs, "total": total, "scope": scope, "status": status, "statuses": STATUSES,
        "page": page, "pages": pages, "mine_url": url(scope="", page=""), "all_url": url(scope="all", page=""),
        "first_url": url(page=""),
        "prev_url": url(page=page - 1) if page > 1 else "", "next_url": url(page=page + 1) if page < pages else "",
    }
    return render_page_or_fragment(request, "scaffolding/run_list.html", "scaffolding/partials/run_table.html", context)


# --- One run ----------------------------------------------------------------------------------


def _run_or_404(run_id, user) -> ScaffoldRun:
    """The run, if the person may read it (scaffolder.task.read: its creator and admins by default)."""
    run = selectors.run_get(run_id=run_id)
    if run is None:
        raise Http404("No such task.")
    if not run_readable(run=run, user=user):
        raise PermissionDenied("Only the person who started this task, and platform admins, may see it.")
    return run


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _steps(run: ScaffoldRun) -> list[ScaffoldStep]:
    steps = selectors.run_steps(run=run)
    now = timezone.now()
    for step in steps:
        end = step.ended_at or (now if step.status == ScaffoldStep.Status.PROCESSING else None)
        step.duration = _duration((end - step.started_at).total_seconds()) if step.started_at and end else ""
    return steps


def _safe_url(raw: object) -> str:
    """An http(s)/mailto URL or a path on this site; anything else (javascript:, data:) is dropped."""
    if not isinstance(raw, str) or not raw.strip():
        return ""
    url = raw.strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in SAFE_SCHEMES else ""


def _ref_url(raw: object) -> str:
    try:
        return entity_url(parse_ref(raw).key)
    except RefError:
        return ""


def _hosted_link(url: str) -> tuple[str, str]:
    """(where the link goes, the clone URL to offer beside it) for a link to the built-in git host.

    Templates link "Repository" to publish:git's remoteUrl, the clone URL (as Backstage's templates do
    with publish:github's): in a browser that should be the repository's page, with the clone URL
    shown to copy. Any name of the host (`paved`, an old address) becomes the public URL. Other
    links are left as they are, with no clone URL.
    """
    hosted = parse_host_url(url)
    if hosted is None:
        return url, ""
    canonical = canonical_url(url)
    page = web_url(hosted.owner, hosted.name)
    if canonical.rstrip("/").removesuffix(".git") == page:
        return page, remote_url(hosted.owner, hosted.name)
    return canonical, ""


def _output_links(output: dict) -> list[dict]:
    links, items = [], output.get("links")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = _safe_url(item.get("url")) or (_ref_url(item["entityRef"]) if item.get("entityRef") else "")
        url, clone_url = _hosted_link(url) if url and not url.startswith("/") else (url, "")
        title = str(item.get("title") or item.get("entityRef") or item.get("url") or "Link")
        links.append({"title": title[:300], "url": url, "clone_url": clone_url, "icon": str(item.get("icon") or "")})
    return links


def _output_texts(output: dict) -> list[dict]:
    texts, items = [], output.get("text")
    if isinstance(items, str):  # one Markdown block (the demo templates' summary), not Backstage's list
        items = [{"content": items, "default": True}]
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("content") is None:
            continue
        html = markdown.markdown(str(item["content"])[:MAX_TEXT_CHARS], extensions=["fenced_code", "tables"])
        texts.append({"title": str(item.get("title") or "")[:300], "html": sanitize(html),
                      "default": bool(item.get("default"))})
    return texts


def _dry_run_files(files: list) -> list[dict]:
    shown = []
    for item in (files or [])[:MAX_FILES]:
        if not isinstance(item, dict):
            continue
        try:
            content = base64.b64decode(str(item.get("base64Content") or ""), validate=True)
        except (binascii.Error, ValueError):
            content = None
        preview = None
        if content is not None and b"\x00" not in content[:MAX_PREVIEW_BYTES]:
            try:
                preview = content[:MAX_PREVIEW_BYTES].decode("utf-8")
            except UnicodeDecodeError:
                preview = None
        shown.append({"path": str(item.get("path") or ""), "executable": bool(item.get("executable")),
                      "size": len(content) if content is not None else None, "preview": preview,
                      "truncated": content is not None and len(content) > MAX_PREVIEW_BYTES})
    return shown


LONG_POLL_AGE = 30  # seconds: runs younger than this are long-polled
LONG_POLL_WAIT = 1.0
LONG_POLL_STEP = 0.05


def _young(run: ScaffoldRun) -> bool:
    return bool(run.created_at) and (timezone.now() - run.created_at).total_seconds() < LONG_POLL_AGE


def _poll_interval(run: ScaffoldRun) -> str:
    """How the status fragment asks again. A young run is long-polled: the request waits (at most
    LONG_POLL_WAIT) for a new log line and the swapped-in fragment asks again at once, so lines show
    within ~50 ms of being written (most golden paths finish in seconds). Older runs poll each second."""
    return "load delay:20ms" if _young(run) else "every 1s"


def _status_context(request: HttpRequest, batch: selectors.RunEvents, *, after: int | None) -> dict:
    # One read, the run before its events: if it says finished, these events include the last one.
    run, events = batch.run, batch.events
    steps = _steps(run)
    done = sum(1 for step in steps if step.status in DONE_STEPS)
    context = {
        "run": run, "steps": steps, "events": events, "after": events[-1].pk if events else (after or 0),
        "done": done, "total": len(steps), "percent": round(100 * done / len(steps)) if steps else 0,
        "can_manage": selectors.run_can_manage(run=run, user=request.user),
        "poll_every": _poll_interval(run),
    }
    if run.is_finished:
        output = run.output if isinstance(run.output, dict) else {}
        context.update(links=_output_links(output), texts=_output_texts(output),
                       created=[{**item, "url": _hosted_link(_safe_url(item.get("url")))[0]}
                                for item in run.created_resources or [] if isinstance(item, dict)],
                       files=_dry_run_files(run.dry_run_files) if run.dry_run else [])
    return context


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id) -> HttpResponse:
    run = _run_or_404(run_id, request.user)
    context = _status_context(request, _events(run, after=None), after=None)
    run = context["run"]
    context["values_json"] = json.dumps(run.values, indent=2, sort_keys=True, default=str)
    context["creator_url"] = _ref_url(run.created_by_ref) if run.created_by_ref else ""
    return render(request, "scaffolding/run_detail.html", context)


def _events(run: ScaffoldRun, *, after: int | None, long_poll: bool = False) -> selectors.RunEvents:
    """The run, read again, and its log lines after `after`. With `long_poll`, a young run that has not
    finished is long-polled: the read is repeated (at most LONG_POLL_WAIT) until a line is written or the run ends."""
    wait = LONG_POLL_WAIT if long_poll and _young(run) and not run.is_finished else 0.0
    batch = selectors.run_events_wait(run_id=run.pk, after=after, timeout=wait, interval=LONG_POLL_STEP)
    if batch.run is None:  # deleted since the permission check
        raise Http404("No such task.")
    return batch


def _status_fragment(request: HttpRequest, run: ScaffoldRun, *, after: int | None,
                     long_poll: bool = False) -> HttpResponse:
    batch = _events(run, after=after, long_poll=long_poll)
    response = render(request, "scaffolding/partials/run_status.html",
                      {**_status_context(request, batch, after=after), "oob_log": True})
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def run_status(request: HttpRequest, run_id) -> HttpResponse:
    run = _run_or_404(run_id, request.user)
    if not is_partial(request):
        return redirect("scaffolding:run_detail", run_id=run.pk)
    return _status_fragment(request, run, after=_int(request.GET.get("after")), long_poll=True)


def _managed(request: HttpRequest, run_id) -> ScaffoldRun:
    run = _run_or_404(run_id, request.user)
    if not selectors.run_can_manage(run=run, user=request.user):
        raise PermissionDenied("Only the person who started this task, and platform admins, may change it.")
    return run


def _after_change(request: HttpRequest, run: ScaffoldRun, note: str, level: int) -> HttpResponse:
    if is_partial(request):
        response = _status_fragment(request, run, after=_int(request.POST.get("after")))
        response["HX-Trigger"] = json.dumps({"runNotice": note})
        return response
    messages.add_message(request, level, note)
    return redirect("scaffolding:run_detail", run_id=run.pk)


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id) -> HttpResponse:
    run = _managed(request, run_id)
    if run.is_finished:
        return _after_change(request, run, f"This task has already {run.status}; nothing to cancel.", messages.INFO)
    run = services.run_cancel(run=run, actor=request.user)
    note = "Task cancelled." if run.is_finished else "Cancelling: the task stops at its next step boundary."
    return _after_change(request, run, note, messages.SUCCESS)


def _retry_secret_fields(run: ScaffoldRun) -> list[dict]:
    """The template's secret fields, and any other secret the run was started with (the API may send
    secrets no field asks for); those it was started with are required again."""
    titles: dict[str, str] = {}
    for step in selectors.parameter_steps(run.spec or {}):
        for name in sorted(form_schema.secret_fields(step["schema"])):
            prop = form_schema.find_property(step["schema"], name) or {}
            titles.setdefault(name, str(prop.get("title") or name))
    needed = run.secret_names or []
    return [{"name": name, "title": titles.get(name, name), "input": f"secret:{name}", "required": name in needed}
            for name in [*titles, *(n for n in needed if n not in titles)]]


@login_required
@require_http_methods(["GET", "POST"])
def run_retry(request: HttpRequest, run_id) -> HttpResponse:
    """GET: the retry page, asking again for the secrets (they were wiped when the run ended).
    POST: reopen the run; the run page's Retry button lands on the page when secrets are needed."""
    run = _managed(request, run_id)
    fields = _retry_secret_fields(run)
    if request.method == "GET":
        return render(request, "scaffolding/run_retry.html", {"run": run, "fields": fields})
    secrets = {field["name"]: request.POST.get(field["input"], "") for field in fields}
    try:
        run = services.run_retry(run=run, actor=request.user, secrets={k: v for k, v in secrets.items() if v})
    except services.RunStateError as exc:
        return _after_change(request, run, str(exc), messages.ERROR)
    except services.SecretsRequired as exc:
        if request.POST.get("from_retry_page"):
            return render(request, "scaffolding/run_retry.html",
                          {"run": run, "fields": fields, "error": str(exc), "missing": exc.names}, status=400)
        page = reverse("scaffolding:run_retry", args=[run.pk])
        if is_partial(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = page
            return response
        messages.info(request, str(exc))
        return redirect(page)
    return _after_change(request, run, "Task queued again; it resumes from the step that did not finish.",
                         messages.SUCCESS)


# --- Installed actions ------------------------------------------------------------------------


def _type_label(prop: dict) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array" and isinstance(prop.get("items"), dict) and prop["items"].get("type"):
        return f"array<{_type_label(prop['items'])}>"
    if kind:
        return str(kind)
    for combinator in ("oneOf", "anyOf"):
        if isinstance(prop.get(combinator), list):
            return " | ".join(_type_label(p) for p in prop[combinator] if isinstance(p, dict)) or "any"
    return "enum" if "enum" in prop else "any"


def schema_rows(schema: object, *, prefix: str = "", depth: int = 0) -> list[dict]:
    """Properties of a JSON Schema object as table rows; nested objects as `parent.child`."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict) or depth > SCHEMA_DEPTH:
        return []
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    rows = []
    for name, prop in schema["properties"].items():
        prop = prop if isinstance(prop, dict) else {}
        full = f"{prefix}{name}"
        rows.append({"name": full, "type": _type_label(prop), "required": name in required,
                     "description": str(prop.get("description") or prop.get("title") or "")})
        rows += schema_rows(prop, prefix=f"{full}.", depth=depth + 1)
        if isinstance(prop.get("items"), dict):
            rows += schema_rows(prop["items"], prefix=f"{full}[].", depth=depth + 1)
    return rows


def _examples(action) -> list[dict]:
    shown = []
    for example in action.examples or []:
        if isinstance(example, dict):
            shown.append({"description": str(example.get("description") or ""),
                          "example": str(example.get("example") or "")})
    return shown


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    words = query.lower().split()
    actions = []
    for action in action_registry().values():
        text = f"{action.id} {action.description}".lower()
        if all(word in text for word in words):
            actions.append({"id": action.id, "description": action.description,
                            "inputs": schema_rows(action.input_schema), "outputs": schema_rows(action.output_schema),
                            "examples": _examples(action), "dry_run": getattr(action, "supports_dry_run", False)})
    context = {"actions": actions, "query": query, "installed": len(action_registry())}
    return render_page_or_fragment(request, "scaffolding/action_list.html", "scaffolding/partials/action_table.html",
                           context)
