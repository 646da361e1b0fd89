"""Pushes over smart HTTP: read the ref updates a push asks for, and decide the rules for each.

A push (POST .../git-receive-pack) starts with pkt-lines "<old> <new> <ref>", one per ref update,
then a flush ("0000") and the pack. Deleting a ref or moving a tag can be judged from those lines
alone; whether an update is a fast-forward cannot, because the new commits are in the pack that
`git receive-pack` has not unpacked yet. So the rules are decided here, up front, and applied by
a pre-receive hook (githost/lib/pre_receive.py) that git runs once the objects are received and
before any ref moves; `receive.denyNonFastForwards`/`denyDeletes` would apply to every branch,
not only the protected default one, and know nothing of tags.

Rules for a person without githost.repository.admin: the default branch may be created and
fast-forwarded, never deleted or rewritten; other branches are theirs to create, rewrite and
delete; a new tag is a push, moving or deleting an existing one is not; nothing outside
refs/heads/ and refs/tags/ (refs/notes, refs/pull...) may be written.
"""

import gzip
import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ZERO_SHA = "0" * 40
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
MAX_COMMANDS = 1000
ALLOW, FAST_FORWARD, DENY = "allow", "fast-forward", "deny"
PRE_RECEIVE = Path(__file__).with_name("pre_receive.py")


class PushRequestError(Exception):
    """A push request that is not what git sends; the message is shown to the person pushing."""


@dataclass(frozen=True)
class RefCommand:
    old: str
    new: str
    ref: str

    @property
    def is_create(self) -> bool:
        return self.old == ZERO_SHA

    @property
    def is_delete(self) -> bool:
        return self.new == ZERO_SHA


def _pkt_lines(stream):
    """The payloads of the pkt-lines before the first flush packet."""
    while True:
        head = stream.read(4)
        if head == b"0000":
            return
        try:
            size = int(head, 16) if len(head) == 4 else -1
        except ValueError:
            size = -1
        if size < 5 or size > 65520:
            raise PushRequestError("the push request is not a list of ref updates in git's pkt-line format")
        payload = stream.read(size - 4)
        if len(payload) != size - 4:
            raise PushRequestError("the push request ended inside its list of ref updates")
        yield payload


def read_commands(stream, *, content_encoding: str = "") -> list[RefCommand]:
    """The ref updates at the start of a receive-pack request body (gzip-encoded when git says so)."""
    if content_encoding.lower() in ("gzip", "x-gzip"):
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    elif content_encoding:
        raise PushRequestError(f"Content-Encoding {content_encoding!r} is not supported for pushes")
    commands = []
    try:
        for payload in _pkt_lines(stream):
            line = payload.split(b"\0", 1)[0].rstrip(b"\n").decode("utf-8")
            if line.startswith("shallow "):
                continue
            parts = line.split(" ")
            if len(parts) != 3 or not SHA_RE.match(parts[0]) or not SHA_RE.match(parts[1]) or not parts[2]:
                raise PushRequestError(f"{line[:200]!r} is not a ref update (\"<old> <new> <ref>\")")
            commands.append(RefCommand(*parts))
            if len(commands) > MAX_COMMANDS:
                raise PushRequestError(f"a push may update at most {MAX_COMMANDS} refs")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise PushRequestError(f"the push request could not be read: {exc}") from None
    return commands


def ref_rule(command: RefCommand, *, default_branch: str, admin: bool) -> tuple[str, str]:
    """(ALLOW | FAST_FORWARD | DENY, the reason shown to the person when it is not allowed)."""
    if admin:
        return ALLOW, ""
    ref = command.ref
    if ref == f"refs/heads/{default_branch}":
        if command.is_delete:
            return DENY, (f"{default_branch} is the protected default branch: only platform admins may delete it "
                          "(githost.repository.admin)")
        if command.is_create:
            return ALLOW, ""
        return FAST_FORWARD, (f"{default_branch} is the protected default branch: this push is not a fast-forward "
                              "and only platform admins may force-push it (githost.repository.admin); pull, merge "
                              "or rebase, then push again")
    if ref.startswith("refs/heads/"):
        return ALLOW, ""
    if ref.startswith("refs/tags/"):
        if command.is_create:
            return ALLOW, ""
        what = "delete" if command.is_delete else "move"
        return DENY, (f"tag {ref.removeprefix('refs/tags/')} exists: only platform admins may {what} a tag "
                      "(githost.repository.admin); push a new tag instead")
    return DENY, f"{ref}: only branches (refs/heads/) and tags (refs/tags/) may be pushed"


def push_rules(commands: list[RefCommand], *, default_branch: str, admin: bool) -> dict[str, dict]:
    """{ref: {"rule", "reason"}}: what the pre-receive hook is handed (as JSON in its environment)."""
    rules = {}
    for command in commands:
        rule, reason = ref_rule(command, default_branch=default_branch, admin=admin)
        rules[command.ref] = {"rule": rule, "reason": reason}
    return rules


_hooks_dir: str | None = None


def hooks_dir() -> str:
    """A private directory holding the pre-receive hook, made once per process (core.hooksPath).

    git silently skips a missing hook, so this is checked before every push: an unprotected push
    must not go ahead because a temporary directory was cleaned away.
    """
    global _hooks_dir
    if _hooks_dir is not None and os.access(os.path.join(_hooks_dir, "pre-receive"), os.X_OK):
        return _hooks_dir
    directory = tempfile.mkdtemp(prefix="paved-git-hooks-")
    hook = os.path.join(directory, "pre-receive")
    # -I: isolated (no PYTHON* variables, no user site): the hook uses the standard library only.
    with open(hook, "w", encoding="utf-8") as handle:
        handle.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -I {shlex.quote(str(PRE_RECEIVE))}\n")
    os.chmod(hook, 0o700)
    _hooks_dir = directory
    return directory
