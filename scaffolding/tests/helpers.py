"""Plain helpers shared by the scaffolder tests: action contexts, API clients, a recording HTTP server, templates."""

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.test import Client

from scaffolding.actions.base import ActionContext, ActionUser

# A one-step template in the `default` namespace: `template:default/hello`.
HELLO_TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello
  title: Hello
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: Basics
      required: [name]
      properties:
        name:
          title: Name
          type: string
          pattern: '^[a-z][a-z0-9-]{2,30}$'
  steps:
    - id: log
      name: Say hello
      action: debug:log
      input:
        message: 'Hello ${{ parameters.name }}'
"""


def ada_ctx(workspace: Path, inputs: dict, *, step_id: str, checkpoint: dict | None = None,
            base: str = "") -> ActionContext:
    """A context for task "t1" run by ada (no email); the lines the action logs land in `ctx.logs`."""
    logs: list[str] = []
    ctx = ActionContext(workspace=workspace, input=inputs, task_id="t1", step_id=step_id,
                        user=ActionUser(username="ada"), template_base=base, log_sink=logs.append,
                        checkpoint=checkpoint if checkpoint is not None else {})
    ctx.logs = logs
    return ctx


def olive_ctx(workspace: Path, checkpoint: dict | None = None, *, task_id: str, step_id: str,
              **inputs) -> ActionContext:
    """A context run by Olive Owner <olive@example.com>, inputs as keywords; logged lines land in `ctx.lines`."""
    lines: list[str] = []
    ctx = ActionContext(workspace=workspace, input=inputs, task_id=task_id, step_id=step_id,
                        user=ActionUser(username="olive", email="olive@example.com", display_name="Olive Owner"),
                        checkpoint=checkpoint if checkpoint is not None else {}, log_sink=lines.append)
    ctx.lines = lines
    return ctx


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def template_load(tmp_path: Path, text: str, *, name: str):
    """Load `text` into the catalog as tmp_path/template.yaml; return the Template `default/<name>`."""
    from catalog.tests.factories import yaml_load
    from scaffolding.selectors import template_get

    yaml_load(tmp_path, text, name="template.yaml")
    return template_get(namespace="default", name=name)


class RecordingApi:
    """A local HTTP server: every call is kept in `calls`; `respond(method, path, body)` -> (status, json)."""

    def __init__(self, respond):
        self.calls: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {k.lower(): v for k, v in self.headers.items()}
                api.calls.append({"method": self.command, "path": self.path, "headers": headers, "body": body})
                status, answer = respond(self.command, self.path, body)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [f"{c['method']} {c['path']}" for c in self.calls]


def bare_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def bare_log(path: Path, ref: str) -> list[str]:
    out = subprocess.run(["git", "--git-dir", str(path), "log", "--format=%H|%an <%ae>|%s", ref], check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()


def fake_git_api(tmp_path: Path, make_state) -> RecordingApi:
    """A RecordingApi answering as `make_state(clone_url=...)`, whose clone url is a fresh local bare repository.

    `api.state` is the fake's state and `api.bare` the bare repository; the caller closes the server.
    """
    bare = bare_repo(tmp_path / "remote.git")
    state = make_state(clone_url=f"file://{bare}")
    api = RecordingApi(state)
    api.state, api.bare = state, bare
    return api
