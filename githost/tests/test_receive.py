"""The pieces behind push access: reading a push's ref updates, the rules, the hook, the backfill,
and the audit entries of the services' own writes."""

import gzip
import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from core.models import AuditEntry
from githost import services
from githost.access import OwnerRefError, owner_ref_normalize, repo_is_reserved
from githost.lib.receive import (
    ALLOW,
    DENY,
    FAST_FORWARD,
    PRE_RECEIVE,
    PushRequestError,
    RefCommand,
    hooks_dir,
    read_commands,
    ref_rule,
)
from githost.models import GitRepository

A, B, Z = "a" * 40, "b" * 40, "0" * 40


def pkt(text: str) -> bytes:
    data = text.encode()
    return f"{len(data) + 4:04x}".encode() + data


def test_commands_are_read_up_to_the_flush_and_the_pack_is_left_alone():
    body = pkt(f"{A} {B} refs/heads/main\0report-status side-band-64k\n") + pkt(f"shallow {A}\n") \
        + pkt(f"{Z} {B} refs/tags/v1\n") + b"0000PACK..."
    assert read_commands(io.BytesIO(body)) == [RefCommand(A, B, "refs/heads/main"), RefCommand(Z, B, "refs/tags/v1")]
    assert read_commands(io.BytesIO(gzip.compress(body)), content_encoding="gzip")[0].ref == "refs/heads/main"


@pytest.mark.parametrize("body,message", [
    (b"", "not a list of ref updates"),
    (b"zzzz", "not a list of ref updates"),
    (b"0003", "not a list of ref updates"),
    (b"00ff" + b"x" * 10, "ended inside its list"),
    (pkt("not a command\n") + b"0000", "is not a ref update"),
    (pkt(f"{A} {B}\n") + b"0000", "is not a ref update"),
    (pkt(f"{A[:-1]}g {B} refs/heads/x\n") + b"0000", "is not a ref update"),
])
def test_bad_push_requests_are_refused_with_a_reason(body, message):
    with pytest.raises(PushRequestError, match=message):
        read_commands(io.BytesIO(body))


def test_other_content_encodings_and_too_many_commands_are_refused():
    with pytest.raises(PushRequestError, match="Content-Encoding 'br'"):
        read_commands(io.BytesIO(b"0000"), content_encoding="br")
    many = b"".join(pkt(f"{Z} {B} refs/heads/b{i}\n") for i in range(1001)) + b"0000"
    with pytest.raises(PushRequestError, match="at most 1000 refs"):
        read_commands(io.BytesIO(many))


@pytest.mark.parametrize("old,new,ref,admin,rule", [
    (A, B, "refs/heads/main", False, FAST_FORWARD),
    (Z, B, "refs/heads/main", False, ALLOW),
    (A, Z, "refs/heads/main", False, DENY),
    (A, B, "refs/heads/feature", False, ALLOW),
    (A, Z, "refs/heads/feature", False, ALLOW),
    (Z, B, "refs/tags/v1", False, ALLOW),
    (A, B, "refs/tags/v1", False, DENY),
    (A, Z, "refs/tags/v1", False, DENY),
    (Z, B, "refs/notes/commits", False, DENY),
    (A, Z, "refs/heads/main", True, ALLOW),
    (A, B, "refs/tags/v1", True, ALLOW),
])
def test_ref_rules(old, new, ref, admin, rule):
    assert ref_rule(RefCommand(old, new, ref), default_branch="main", admin=admin)[0] == rule


def run_hook(tmp_path, lines: str, rules) -> tuple[int, str, dict]:
    report = tmp_path / "report.json"
    env = {"PATH": "/usr/bin:/bin", "PAVED_PUSH_REPORT": str(report)}
    if rules is not None:
        env["PAVED_PUSH_RULES"] = rules if isinstance(rules, str) else json.dumps(rules)
    result = subprocess.run([os.path.join(hooks_dir(), "pre-receive")], input=lines.encode(), capture_output=True,
                            env=env, timeout=60)
    return result.returncode, result.stderr.decode(), json.loads(report.read_text()) if report.exists() else {}


def test_the_hook_allows_only_what_the_rules_allow_and_fails_closed(tmp_path):
    rules = {"refs/heads/a": {"rule": "allow", "reason": ""},
             "refs/tags/v1": {"rule": "deny", "reason": "tag v1 exists"}}
    assert run_hook(tmp_path, f"{A} {B} refs/heads/a\n", rules)[0] == 0
    status, stderr, report = run_hook(tmp_path, f"{A} {B} refs/heads/a\n{A} {B} refs/tags/v1\n", rules)
    assert status == 1 and "Paved: tag v1 exists" in stderr and report == {"refs/tags/v1": "tag v1 exists"}
    status, stderr, _ = run_hook(tmp_path, f"{A} {B} refs/heads/sneaky\n", rules)
    assert status == 1 and "was not among the ref updates checked" in stderr
    for broken in (None, "not json", "[]"):
        status, stderr, _ = run_hook(tmp_path, f"{A} {B} refs/heads/a\n", broken)
        assert status == 1 and "was not checked" in stderr


def test_the_hook_is_rewritten_when_its_directory_disappears():
    first = hooks_dir()
    os.remove(os.path.join(first, "pre-receive"))
    again = hooks_dir()
    assert os.access(os.path.join(again, "pre-receive"), os.X_OK)
    assert Path(again, "pre-receive").read_text().startswith(f"#!/bin/sh\nexec {sys.executable}")
    assert PRE_RECEIVE.is_file()


@pytest.mark.parametrize("value,expected", [
    ("team-a", "group:default/team-a"), ("Group:Default/Team-A", "group:default/team-a"),
    ("group:team-a", "group:default/team-a"), ("user:default/jane.doe", "user:default/jane.doe"),
])
def test_owner_refs_are_normalised(value, expected):
    assert owner_ref_normalize(value) == expected


@pytest.mark.parametrize("value,message", [
    ("", "is not an owner"), ("group:default/a b", "is not an owner"), (["x"], "is not an owner"),
    ("component:default/orders", "is a component"),
])
def test_bad_owner_refs_name_the_field(value, message):
    with pytest.raises(OwnerRefError, match=message) as info:
        owner_ref_normalize(value, field="parameters.owner")
    assert str(info.value).startswith("parameters.owner:")


def test_reserved_repositories(settings):
    settings.PAVED_GITOPS_REPO = "ops/gitops"
    assert repo_is_reserved("platform", "anything") and repo_is_reserved("Platform", "x")
    assert repo_is_reserved("ops", "GitOps") and not repo_is_reserved("ops", "other")


# --- The backfill of existing repositories --------------------------------------------------------


@pytest.mark.django_db
def test_backfill_prefers_the_catalog_then_the_url_group_then_the_creator(org, owner, settings):
    from catalog.models import Entity

    settings.PAVED_GITOPS_REPO = "platform/gitops"
    Entity.objects.filter(ref="component:default/orders").update(
        source="url:http://127.0.0.1:8000/git/acme/orders/blob/main/catalog-info.yaml")
    made = {}
    for owner_name, name, creator in [("acme", "orders", owner), ("team-b", "tools", owner), ("acme", "mine", owner),
                                      ("acme", "nobody", None), ("platform", "gitops", owner)]:
        made[f"{owner_name}/{name}"] = GitRepository.objects.create(owner=owner_name, name=name, created_by=creator)
    importlib.import_module("githost.migrations.0002_gitrepository_owner_ref").backfill(apps, None)
    found = {f"{r.owner}/{r.name}": r.owner_ref for r in GitRepository.objects.all()}
    assert found == {"acme/orders": "group:default/team-a", "team-b/tools": "group:default/team-b",
                     "acme/mine": "user:default/owner", "acme/nobody": "", "platform/gitops": ""}


# --- The services' own writes are audited ---------------------------------------------------------


@pytest.mark.django_db
def test_service_writes_append_audit_entries(owner):
    services.repo_create(owner="acme", name="api", owner_ref="Group:Default/Team-A", actor=owner, via="test")
    repo = GitRepository.objects.get()
    assert repo.owner_ref == "group:default/team-a"
    services.repo_create(owner="acme", name="api", owner_ref="group:default/team-b", actor=None)  # no takeover
    repo.refresh_from_db()
    assert repo.owner_ref == "group:default/team-a"
    first = services.repo_commit_files(owner="acme", name="api", branch="main", files={"a": b"1"}, message="m",
                                       author_name="A", author_email="a@x.io", actor=owner, via="test")
    assert services.repo_branch_create(owner="acme", name="api", branch="topic", start_point="main")
    assert services.repo_branch_delete(owner="acme", name="api", branch="topic", expected=first, actor=owner)
    assert not services.repo_branch_delete(owner="acme", name="api", branch="topic", expected=first, actor=owner)
    rows = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_name", "target", "detail"))
    assert rows == [
        ("githost.repository.create", "owner", "acme/api",
         {"owner_ref": "group:default/team-a", "default_branch": "main", "via": "test"}),
        ("githost.repository.push", "owner", "acme/api",
         {"ref": "refs/heads/main", "old": Z, "new": first, "change": "create", "via": "test"}),
        ("githost.repository.push", "paved", "acme/api",
         {"ref": "refs/heads/topic", "old": Z, "new": first, "change": "create"}),
        ("githost.repository.push", "owner", "acme/api",
         {"ref": "refs/heads/topic", "old": first, "new": Z, "change": "delete"}),
    ]
