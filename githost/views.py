"""Browse pages of the git host: repository list, file tree with README, file view, raw file, history.

Sign-in is enforced for every page by `portal.auth.LoginRequiredMiddleware`; the decorators say it
again so a view moved elsewhere stays protected. Reading needs githost.repository.read (granted to
everyone by default); a refusal is the 403 page.
"""

from urllib.parse import urlencode

import markdown
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.htmx import render_page_or_fragment
from core.sanitize import sanitize
from githost import selectors
from githost.access import repo_may_read, repo_read_filter
from githost.lib.git import GitHostError, repo_path
from githost.lib.highlight import highlight_lines, lexer_name
from githost.lib.readme_links import rewrite_readme_links
from githost.models import GitRepository
from githost.services import remote_url

PAGE_SIZE = 25
SHOW_MAX_BYTES = 512 * 1024  # the file view shows this much and links to the raw file for the rest
RAW_MAX_BYTES = 50 * 1024 * 1024
README_MAX_BYTES = 1024 * 1024
README_NAMES = ("readme.md", "readme.markdown", "readme.txt", "readme")


class NotFound(Exception):
    """Shown as the git host's 404 page, with its message."""


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "githost/not_found.html", {"message": message}, status=404)


def _repo(request: HttpRequest, owner: str, name: str) -> GitRepository:
    repo = selectors.repo_get(owner=owner, name=name)
    if repo is None or not (repo_path(owner, name) / "HEAD").is_file():
        raise NotFound(f"There is no repository {owner}/{name}.")
    if not repo_may_read(user=request.user, repo=repo):
        raise PermissionDenied(f"You may not read {repo.full_name} (githost.repository.read).")
    return repo


def _handles_missing(view):
    """Turn NotFound and GitHostError (bad ref, bad path) into the 404 page, never a 500."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (NotFound, GitHostError) as exc:
            return _not_found(request, str(exc))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _crumbs(repo: GitRepository, ref: str, path: str) -> list[tuple[str, str]]:
    crumbs, parts = [], [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        crumbs.append((part, reverse("githost:tree", args=[repo.owner, repo.name, ref, "/".join(parts[: i + 1])])))
    return crumbs


def _readme(repo: GitRepository, ref: str, entries: list[dict]) -> dict | None:
    entry = next((e for e in entries if e["type"] == "blob" and e["name"].lower() in README_NAMES), None)
    if entry is None:
        return None
    try:
        data = selectors.repo_read_file(owner=repo.owner, name=repo.name, ref=ref, path=entry["path"],
                                        max_bytes=README_MAX_BYTES)
    except GitHostError as exc:
        return {"name": entry["name"], "error": str(exc)}
    text = data.decode("utf-8", "replace")
    if entry["name"].lower().endswith((".md", ".markdown")):
        # Raw HTML in Markdown passes through; the sanitiser removes scripts, handlers and javascript: URLs.
        html = sanitize(markdown.markdown(text, extensions=["fenced_code", "tables"], output_format="html"))
        html = rewrite_readme_links(html, owner=repo.owner, name=repo.name, ref=ref, readme_path=entry["path"])
        return {"name": entry["name"], "html": html}
    return {"name": entry["name"], "text": text}


def _repo_context(repo: GitRepository, ref: str, tab: str) -> dict:
    return {"repo": repo, "ref": ref, "tab": tab, "clone_url": remote_url(repo.owner, repo.name),
            "branches": selectors.repo_branches(owner=repo.owner, name=repo.name)}


@login_required
@require_GET
def repo_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    repos = selectors.repo_list(query=query)
    readable = repo_read_filter(user=request.user)
    if readable is not None:
        repos = repos.filter(readable)
    page = Paginator(repos, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "repos": page.object_list, "query_text": query,
               "page_suffix": "&" + urlencode({"q": query}) if query else ""}
    return render_page_or_fragment(request, "githost/repo_list.html", "githost/partials/repo_table.html", context)


@login_required
@require_GET
@_handles_missing
def clone_url_page(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """/git/<owner>/<name>.git in a browser goes to the repository page, as GitHub's clone URLs do."""
    repo = _repo(request, owner, name)
    return redirect("githost:repo_detail", owner=repo.owner, name=repo.name)


@login_required
@require_GET
@_handles_missing
def repo_detail(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    repo = _repo(request, owner, name)
    if selectors.repo_head(owner=owner, name=name, branch=repo.default_branch) is None:
        return render(request, "githost/repo_empty.html", _repo_context(repo, repo.default_branch, "code"))
    return _tree_page(request, repo, repo.default_branch, "")


@login_required
@require_GET
@_handles_missing
def tree(request: HttpRequest, owner: str, name: str, ref: str, path: str = "") -> HttpResponse:
    return _tree_page(request, _repo(request, owner, name), ref, path)


def _tree_page(request: HttpRequest, repo: GitRepository, ref: str, path: str) -> HttpResponse:
    entries = selectors.repo_tree(owner=repo.owner, name=repo.name, ref=ref, path=path)
    for entry in entries:
        view = "githost:tree" if entry["type"] == "tree" else "githost:blob"
        entry["url"] = reverse(view, args=[repo.owner, repo.name, ref, entry["path"]])
    last = selectors.repo_log(owner=repo.owner, name=repo.name, ref=ref, limit=1)
    context = {**_repo_context(repo, ref, "code"), "path": path.strip("/"), "entries": entries,
               "crumbs": _crumbs(repo, ref, path), "last_commit": last[0] if last else None,
               "readme": _readme(repo, ref, entries)}
    return render(request, "githost/repo_tree.html", context)


@login_required
@require_GET
@_handles_missing
def blob(request: HttpRequest, owner: str, name: str, ref: str, path: str) -> HttpResponse:
    repo = _repo(request, owner, name)
    data, size = selectors.repo_read_head(owner=owner, name=name, ref=ref, path=path, max_bytes=SHOW_MAX_BYTES)
    binary = b"\0" in data[:8000]
    lines, highlighted = ([], False) if binary else highlight_lines(data.decode("utf-8", "replace"), path)
    context = {**_repo_context(repo, ref, "code"), "path": path, "crumbs": _crumbs(repo, ref, path), "size": size,
               "binary": binary, "lines": lines, "truncated": size > len(data), "highlighted": highlighted,
               "language": lexer_name(path) if highlighted else "",
               "raw_url": reverse("githost:raw", args=[owner, name, ref, path])}
    return render(request, "githost/blob.html", context)


@login_required
@require_GET
@_handles_missing
def raw(request: HttpRequest, owner: str, name: str, ref: str, path: str) -> HttpResponse:
    _repo(request, owner, name)
    data = selectors.repo_read_file(owner=owner, name=name, ref=ref, path=path, max_bytes=RAW_MAX_BYTES)
    # Never text/html: a repository's HTML file must not run as a page of the portal.
    text = b"\0" not in data[:8000]
    response = HttpResponse(data, content_type="text/plain; charset=utf-8" if text else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
@require_GET
@_handles_missing
def commit_list(request: HttpRequest, owner: str, name: str, ref: str) -> HttpResponse:
    repo = _repo(request, owner, name)
    commits = selectors.repo_log(owner=owner, name=name, ref=ref, limit=100)
    if not commits and ref != repo.default_branch:
        raise NotFound(f"There is no branch, tag or commit {ref!r} in {owner}/{name}.")
    return render(request, "githost/commit_list.html", {**_repo_context(repo, ref, "commits"), "commits": commits})
