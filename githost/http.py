"""Git's smart HTTP protocol (clone, fetch, push) through `git http-backend` run as a CGI program.

Authentication happens before this view: portal.auth accepts a session, `Authorization: Bearer`
or HTTP Basic with an API token as the password, and answers 401 with a Basic challenge so
`git` asks for credentials.

Access (githost.access): cloning needs githost.repository.read; pushing, githost.repository.push
(the members of the repository's owner), checked on the ref advertisement and again on the push
itself, refused with a 403 whose text git prints as "remote: ...". The ref updates of a push are
read before git sees it and the protected-ref rules (githost.lib.receive) are applied by a
pre-receive hook; every ref update is audited with how it ended.
"""

import json
import logging
import os
import subprocess
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from githost.access import repo_is_admin, repo_may_read, repo_push_require
from githost.lib.git import base_env, repo_path, run
from githost.lib.receive import PushRequestError, hooks_dir, push_rules, read_commands
from githost.models import GitRepository
from githost.selectors import repo_get
from githost.services import audit_ref_update, web_url
from githost.signals import repository_pushed

logger = logging.getLogger(__name__)

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"
# The smart protocol only; the "dumb" file-by-file protocol (objects/..., HEAD) is not served.
SMART_PATHS = {"info/refs", "git-upload-pack", "git-receive-pack"}
SERVICES = {"git-upload-pack", "git-receive-pack"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-authenticate", "te", "trailer"}


def _text(status: int, message: str) -> HttpResponse:
    # git shows the body of an error response to the person running it.
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _spool_body(request: HttpRequest, limit: int):
    """Copy the request body to a temporary file (the backend's stdin); None when it is over `limit`.

    A body without Content-Length (git sends big pushes chunked) is read to its end only when the
    server says the stream is terminated there (`wsgi.input_terminated`, set by gunicorn).
    """
    # A real file, not a pipe: http-backend can read it at its own pace while we read its output.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
    if request.META.get("CONTENT_LENGTH"):
        stream = request
    else:
        stream = request.META["wsgi.input"] if request.META.get("wsgi.input_terminated") else None
    total = 0
    while stream is not None and (chunk := stream.read(64 * 1024)):
        total += len(chunk)
        if total > limit:
            spool.close()
            return None
        spool.write(chunk)
    spool.seek(0)
    return spool


def _cgi_env(request: HttpRequest, owner: str, name: str, rest: str) -> dict[str, str]:
    limit = str(settings.PAVED_GIT_MAX_PUSH_BYTES)
    env = base_env(extra={
        "GIT_PROJECT_ROOT": str(settings.PAVED_GIT_ROOT),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_HTTP_MAX_REQUEST_BUFFER": limit,
        # The pack itself is capped too: a small gzip body could inflate to a huge one.
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "receive.maxInputSize",
        "GIT_CONFIG_VALUE_0": limit,
        # Only our hooks run, whatever a repository's own hooks directory holds.
        "GIT_CONFIG_KEY_1": "core.hooksPath",
        "GIT_CONFIG_VALUE_1": hooks_dir(),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "PATH_INFO": f"/{owner}/{name}.git/{rest}",
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": request.META.get("QUERY_STRING", ""),
        "CONTENT_TYPE": request.META.get("CONTENT_TYPE", ""),
        "REMOTE_USER": request.user.get_username(),
        "REMOTE_ADDR": request.META.get("REMOTE_ADDR", ""),
    })
    if request.META.get("HTTP_CONTENT_ENCODING"):
        env["HTTP_CONTENT_ENCODING"] = request.META["HTTP_CONTENT_ENCODING"]
    if request.META.get("HTTP_GIT_PROTOCOL"):
        env["GIT_PROTOCOL"] = request.META["HTTP_GIT_PROTOCOL"]
    return env


def _read_cgi_headers(stdout) -> tuple[int, list[tuple[str, str]]]:
    status, headers = 200, []
    for _ in range(100):
        line = stdout.readline(8192).decode("latin-1").rstrip("\r\n")
        if not line:
            break
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key.lower() == "status":
            status = int(value.split()[0]) if value[:3].isdigit() else 500
        elif key.lower() not in HOP_BY_HOP:
            headers.append((key, value))
    return status, headers


def _stream(process: subprocess.Popen, stderr, *, owner: str, name: str):
    """Clones and fetches (and ref advertisements) stream: a pack can be large."""
    try:
        while chunk := process.stdout.read1(64 * 1024):
            yield chunk
        process.wait()
        if process.returncode != 0:
            stderr.seek(0)
            logger.warning("git http-backend for %s/%s exited %s: %s", owner, name, process.returncode,
                           stderr.read(4000).decode("utf-8", "replace"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        stderr.close()


def _ref_value(owner: str, name: str, ref: str) -> str | None:
    result = run(repo_path(owner, name), "rev-parse", "--verify", "--quiet", ref, check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def _audit_push(request: HttpRequest, repo: GitRepository, commands, refused: dict) -> list[tuple[str, str, str]]:
    """One audit entry per ref update, with how it ended; the (ref, old, new) of the refs that moved."""
    moved = []
    for command in commands:
        now = _ref_value(repo.owner, repo.name, command.ref)
        done = now is None if command.is_delete else now == command.new
        if done:
            moved.append((command.ref, command.old, command.new))
        forced = done and not command.is_create and not command.is_delete and run(
            repo_path(repo.owner, repo.name), "merge-base", "--is-ancestor", command.old, command.new,
            check=False).returncode != 0
        outcome = "success" if done else "denied" if command.ref in refused else "failed"
        audit_ref_update(actor=request.user, owner=repo.owner, name=repo.name, ref=command.ref,
                         old=command.old, new=command.new, outcome=outcome, via="git push over HTTP",
                         reason="force-push" if forced else refused.get(command.ref, ""))
    return moved


def _file_chunks(handle):
    try:
        while chunk := handle.read(64 * 1024):
            yield chunk
    finally:
        handle.close()


def _receive_pack(request: HttpRequest, repo: GitRepository, body, env: dict[str, str]) -> HttpResponse:
    """Run the push to its end (its answer is small: ref statuses and progress), then audit it with
    the request's id and source and answer; cloning streams instead (see `_stream`)."""
    try:
        commands = read_commands(body, content_encoding=request.META.get("HTTP_CONTENT_ENCODING", ""))
    except PushRequestError as exc:
        return _text(400, f"Paved: {exc}")
    # The backend reads the file descriptor itself: rewind it, not only Python's read buffer (a seek
    # inside the buffer leaves the descriptor at the end, and http-backend would spin there).
    body.seek(0)
    os.lseek(body.fileno(), 0, os.SEEK_SET)
    rules = push_rules(commands, default_branch=repo.default_branch,
                       admin=repo_is_admin(user=request.user, repo=repo))
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
    with tempfile.NamedTemporaryFile(prefix="paved-push-", suffix=".json") as report, \
            tempfile.TemporaryFile() as stderr:
        env = {**env, "PAVED_PUSH_RULES": json.dumps(rules), "PAVED_PUSH_REPORT": report.name}
        timeout = settings.PAVED_GIT_TIMEOUT_SECONDS
        try:
            process = subprocess.run([HTTP_BACKEND], stdin=body, stdout=output, stderr=stderr, env=env, cwd="/",
                                     timeout=timeout)
        except subprocess.TimeoutExpired:
            output.close()
            return _text(504, f"The push did not finish within {timeout} seconds.")
        if process.returncode != 0:
            stderr.seek(0)
            logger.warning("git http-backend for %s exited %s: %s", repo.full_name, process.returncode,
                           stderr.read(4000).decode("utf-8", "replace"))
        report.seek(0)
        try:
            refused = json.loads(report.read() or b"{}")
        except ValueError:
            refused = {}
    moved = _audit_push(request, repo, commands, refused if isinstance(refused, dict) else {})
    if moved:
        # The apps above react (the catalog re-reads the locations in this repository). The push itself
        # succeeded: a failing receiver is logged, and a missed refresh is caught by the periodic one.
        results = repository_pushed.send_robust(
            sender=GitRepository, owner=repo.owner, name=repo.name, web_url=web_url(repo.owner, repo.name),
            ref_updates=moved, actor=request.user)
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error("%s after a push to %s failed", getattr(receiver, "__qualname__", receiver),
                             repo.full_name, exc_info=result)
    output.seek(0)
    status, headers = _read_cgi_headers(output)
    response = StreamingHttpResponse(_file_chunks(output), status=status)
    for key, value in headers:
        response[key] = value
    return response


def _access_refusal(request: HttpRequest, repo: GitRepository, push: bool) -> HttpResponse | None:
    if push:
        try:
            repo_push_require(user=request.user, repo=repo)
        except PermissionDenied as exc:
            return _text(403, f"Paved: {exc}")
        return None
    if not repo_may_read(user=request.user, repo=repo):
        return _text(403, f"Paved: you may not read {repo.full_name} (githost.repository.read).")
    return None


@csrf_exempt
def smart_http(request: HttpRequest, owner: str, name: str, rest: str) -> HttpResponse:
    if not request.user.is_authenticated:  # portal.auth answers first; this keeps a moved view safe
        response = _text(401, "Authentication required: use an API token as the password.")
        response["WWW-Authenticate"] = 'Basic realm="Paved git"'
        return response
    if request.method not in ("GET", "POST"):
        return _text(405, f"{request.method} is not supported here")
    service = rest if rest in SERVICES else request.GET.get("service", "")
    if rest not in SMART_PATHS or (rest == "info/refs" and service not in SERVICES):
        return _text(404, "Only git's smart HTTP protocol is served; use git 1.6.6 or newer.")
    # Only registered repositories are served, and pushing never creates one.
    repo = repo_get(owner=owner, name=name)
    if repo is None or not (repo_path(owner, name) / "HEAD").is_file():
        return _text(404, f"Repository {owner}/{name} not found.")
    push = service == "git-receive-pack"
    refusal = _access_refusal(request, repo, push)
    if refusal is not None:
        return refusal
    limit = settings.PAVED_GIT_MAX_PUSH_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return _text(413, f"The request is larger than the limit of {limit} bytes.")
    if request.method == "POST" and not request.META.get("CONTENT_LENGTH") \
            and not request.META.get("wsgi.input_terminated"):
        return _text(411, "This server needs a Content-Length: run `git config http.postBuffer 524288000`.")
    body = _spool_body(request, limit)
    if body is None:
        return _text(413, f"The request is larger than the limit of {limit} bytes.")
    with body:
        env = _cgi_env(request, owner, name, rest)
        if request.method == "POST":
            env["CONTENT_LENGTH"] = str(body.seek(0, 2))
            body.seek(0)
        if push and rest == service:
            return _receive_pack(request, repo, body, env)
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the response stream ends)
        process = subprocess.Popen([HTTP_BACKEND], stdin=body, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                   cwd="/")
    status, headers = _read_cgi_headers(process.stdout)
    response = StreamingHttpResponse(_stream(process, stderr, owner=owner, name=name), status=status)
    for key, value in headers:
        response[key] = value
    return response
