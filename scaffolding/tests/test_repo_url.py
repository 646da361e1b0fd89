"""One repoUrl parser: the RepoUrlPicker form, the parseRepoUrl filter and the publish actions agree.

Each row is a value a template or a person could hand over. The form (RepoUrlPicker validation),
the filter and the action's own check (`repo_url_for_host`, what publish:github / publish:gitlab
run first) must all accept it with the same parts, or all refuse it.
"""

from types import SimpleNamespace

import pytest

from scaffolding.actions.base import ActionInputError
from scaffolding.actions.publish_git import repo_url_for_host
from scaffolding.forms.schema import validate_values
from scaffolding.lib.expressions import ExpressionError, render_value
from scaffolding.lib.expressions.filters import FilterError, parse_repo_url
from scaffolding.lib.repo_url import MAX_LENGTH, repo_url_parse, repo_url_parts

GOOD = [
    ("github.com?owner=acme&repo=web", ("github.com", "acme", "web")),
    ("GitHub.com?owner=acme&repo=web", ("github.com", "acme", "web")),
    ("  github.com?repo=web&owner=acme&organization=org  ", ("github.com", "acme", "web")),
    ("github.com?owner=acme&repo=web.site_1-x", ("github.com", "acme", "web.site_1-x")),
    ("github.com?owner=acme&repo=web&unknown=ignored", ("github.com", "acme", "web")),
    ("github.com?owner=%61cme&repo=web", ("github.com", "acme", "web")),  # percent-decoded, as URLSearchParams does
    ("gitlab.com?owner=platform/backend&repo=api", ("gitlab.com", "platform/backend", "api")),
    ("gitlab.com?owner=platform%2Fbackend&repo=api", ("gitlab.com", "platform/backend", "api")),
]

HOSTILE = [
    # not a string, empty, or a URL
    None, 42, "", "   ", "https://github.com/acme/web", "git@github.com:acme/web.git",
    # missing host, repo or owner
    "?owner=acme&repo=web", "github.com", "github.com?", "github.com?owner=acme", "github.com?repo=web",
    "github.com?owner=&repo=web", "github.com?owner=acme&repo=",
    # hosts that are not a plain host[:port]
    "user@github.com?owner=acme&repo=web", "github.com/x?owner=acme&repo=web", "github.com:99999?owner=a&repo=b",
    "github.com:0?owner=a&repo=b", "git hub.com?owner=a&repo=b", "github.com#?owner=a&repo=b",
    "github.com%3Fowner%3Dacme%26repo%3Dweb",
    # path traversal, raw or encoded
    "github.com?owner=acme&repo=..", "github.com?owner=acme&repo=../etc", "github.com?owner=..&repo=web",
    "github.com?owner=acme&repo=%2e%2e", "github.com?owner=acme&repo=web%2F..%2Fx", "github.com?owner=acme&repo=a..b",
    "gitlab.com?owner=group/../x&repo=web", "gitlab.com?owner=group//sub&repo=web", "gitlab.com?owner=/group&repo=web",
    # spaces and control characters
    "github.com?owner=team a&repo=web", "github.com?owner=team+a&repo=web", "github.com?owner=team%20a&repo=web",
    "github.com?owner=acme&repo=web%00", "github.com?owner=acme&repo=web%0Aevil", "github.com?owner=acme&repo=%09web",
    # unicode
    "github.com?owner=acmé&repo=web", "github.com?owner=acme&repo=web%E2%80%8B", "gïthub.com?owner=a&repo=b",
    "ｇithub.com?owner=a&repo=b", "github.com?owner=acme&repo=%D0%B0pi",
    # very long
    "github.com?owner=acme&repo=" + "a" * 101, "github.com?owner=acme&repo=" + "a" * MAX_LENGTH,
    "a" * 300 + ".com?owner=acme&repo=web",
    # duplicate parameters
    "github.com?owner=a&owner=b&repo=web", "github.com?owner=acme&repo=web&repo=web",
    "github.com?owner=acme&repo=web&organization=x&organization=y",
    # URL-encoded and other tricks
    "github.com?owner=acme%26repo%3Dx&repo=web", "github.com?owner=acme&repo=web%23frag",
    "github.com?owner=acme&repo=web#frag",
    "github.com?owner=acme&&repo=web", "github.com?owner=acme;repo=web", "github.com?owner=acme/evil&repo=web",
    "github.com?owner=acme%2Fevil&repo=web", "github.com?owner=-acme&repo=web", "github.com?owner=acme&repo=web.git",
    "github.com?owner=acme&repo=web&" + "&".join(f"k{i}=v" for i in range(30)),
]


def _host(value) -> str:
    return "gitlab.com" if isinstance(value, str) and value.strip().lower().startswith("gitlab.com") else "github.com"


def form_accepts(value) -> bool:
    prop = {"title": "Repository", "type": "string", "ui:field": "RepoUrlPicker",
            "ui:options": {"allowedHosts": [_host(value)]}}
    return validate_values({"required": ["repoUrl"], "properties": {"repoUrl": prop}}, {"repoUrl": value}) == []


def action_parts(value):
    """What publish:github (or publish:gitlab, subgroups allowed) reads, or None when it refuses."""
    host = _host(value)
    ctx = SimpleNamespace(input={"repoUrl": value})
    try:
        parsed = repo_url_for_host(ctx, action_id="publish:x", host=host, setting="PAVED_X_HOST",
                                   allow_subgroups=host == "gitlab.com")
    except ActionInputError:
        return None
    return parsed.host, parsed.owner, parsed.repo


def filter_parts(value):
    try:
        parsed = parse_repo_url(value)
    except FilterError:
        return None
    return parsed["host"], parsed.get("owner", ""), parsed.get("repo", "")


@pytest.mark.parametrize(("value", "parts"), GOOD)
def test_form_filter_and_action_accept_the_same_good_values(value, parts, settings):
    settings.PAVED_GITLAB_HOST = "gitlab.com"
    assert action_parts(value) == parts
    assert filter_parts(value) == parts
    assert form_accepts(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_form_filter_and_action_refuse_the_same_hostile_values(value, settings):
    settings.PAVED_GITLAB_HOST = "gitlab.com"
    assert action_parts(value) is None
    assert filter_parts(value) is None
    if value != "":  # an empty answer is "not given" to the form, for every field (Backstage's form drops it)
        assert not form_accepts(value)


def test_the_filter_through_a_template_refuses_like_the_action():
    with pytest.raises(ExpressionError, match="owner"):
        render_value("${{ parameters.r | parseRepoUrl }}", {"parameters": {"r": "github.com?owner=a b&repo=web"}})
    with pytest.raises(ExpressionError, match="given 2 times"):
        render_value("${{ parameters.r | projectSlug }}", {"parameters": {"r": "github.com?owner=a&owner=b&repo=c"}})


def test_only_the_required_owner_differs_where_backstage_s_filter_does_not_need_one():
    # Backstage's parseRepoUrl takes a GitLab project id, or a Gitea repo, without an owner;
    # the form and the publishers need an owner to know where the repository goes.
    assert parse_repo_url("gitlab.com?project=42") == {"host": "gitlab.com", "project": "42"}
    assert parse_repo_url("gitea.acme.io?repo=r") == {"host": "gitea.acme.io", "repo": "r"}
    for value in ("gitlab.com?project=42", "gitea.acme.io?repo=r"):
        with pytest.raises(ActionInputError, match="is missing (repo|owner)"):
            repo_url_parse(value)
    with pytest.raises(FilterError, match="project"):
        parse_repo_url("gitlab.com?project=..")


def test_subgroups_only_on_gitlab_hosts_unless_the_action_says(settings):
    settings.PAVED_GITLAB_HOST = "code.acme.io"
    assert repo_url_parse("code.acme.io?owner=a/b&repo=c", allow_subgroups=None).owner == "a/b"
    with pytest.raises(ActionInputError, match="owner 'a/b'"):
        repo_url_parse("github.com?owner=a/b&repo=c", allow_subgroups=None)
    with pytest.raises(ActionInputError, match="owner 'a/b'"):
        repo_url_parse("code.acme.io?owner=a/b&repo=c")  # an action that publishes to a single-owner host


def test_form_messages_say_why_and_keep_the_picker_rules(settings):
    prop = {"title": "Repo", "type": "string", "ui:field": "RepoUrlPicker",
            "ui:options": {"allowedHosts": ["GitHub.com"], "allowedOwners": ["acme"]}}
    schema = {"properties": {"repoUrl": prop}}
    assert validate_values(schema, {"repoUrl": "github.com?owner=acme&repo=web"}) == []
    message = validate_values(schema, {"repoUrl": "github.com?owner=acme&repo=../x"})[0]["message"]
    assert message.startswith("Repo is not a repository location the scaffolder accepts: repo '../x' is not a valid")
    assert validate_values(schema, {"repoUrl": "gitlab.com?owner=acme&repo=web"})[0]["message"] == \
        "Repo must be on one of the allowed hosts: GitHub.com"


def test_parts_for_redisplay_never_raise():
    assert repo_url_parts("github.com?owner=team+a&repo=web&repo=x") == {"host": "github.com", "owner": "team a",
                                                                          "repo": "web"}
    assert repo_url_parts(None) == {"host": "", "owner": "", "repo": ""}
    assert repo_url_parts("x" * (MAX_LENGTH + 1)) == {"host": "", "owner": "", "repo": ""}
