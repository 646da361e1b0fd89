"""Issue 12: a relative fetch url of a template read from a repository resolves as Backstage resolves it.

Backstage (plugins/scaffolder-node/src/actions/fetch.ts): for a `file:` template location,
`resolveSafeChildPath(dirname(templatePath), url)` (nothing outside the template's directory); for a
URL location, `integration.resolveUrl({url, base})` = `new URL(url, base)`, or "<repository root><url>"
when url starts with "/" (packages/integration/src/helpers.ts, defaultScmResolveUrl). So
`../skeleton` and `../../shared/skeleton` work from a repository. Paved adds the fence Backstage's
readers give implicitly: never above the repository root, never another repository.
"""

import socket
import subprocess
from functools import partial
from pathlib import Path

import pytest

from catalog.models import Location
from catalog.services import location_refresh
from githost import services as githost
from githost.lib.git import GIT, base_env
from scaffolding import runner, selectors, services
from scaffolding.actions import fetch as fetch_actions
from scaffolding.actions.base import ActionError, ActionInputError, ActionUser
from scaffolding.lib.fetch_base import repository_of, resolve_in_repository
from scaffolding.lib.fetch_source import fetch_file, fetch_into, resolve_source
from scaffolding.tests.helpers import ada_ctx

AUTHOR = {"author_name": "Ada", "author_email": "ada@example.com"}
BASE = "http://paved/git/acme/templates/blob/main/templates/svc/"
ROOT = "http://paved/git/acme/templates/blob/main/"
SECRET = b"the other repository's secret\n"

make_ctx = partial(ada_ctx, step_id="fetch")


def run_action(action_id: str, ctx):
    {a.id: a for a in fetch_actions.ACTIONS}[action_id].run(ctx)
    return ctx


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


# --- Resolving against a repository URL (no git needed) -------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("./skeleton", BASE + "skeleton"),
    ("skeleton/", BASE + "skeleton"),
    ("../skeleton", ROOT + "templates/skeleton"),
    ("../../shared/skeleton", ROOT + "shared/skeleton"),
    ("./a/../../../shared/x", ROOT + "shared/x"),
    ("../..", ROOT),  # the repository root itself is inside the repository
    ("/shared/skeleton", ROOT + "shared/skeleton"),  # Backstage: "/" is the repository root
    ("./${{ values.x }}/a b", BASE + "$%7B%7B%20values.x%20%7D%7D/a%20b"),
    ("./%C3%A9t%C3%A9", BASE + "%C3%A9t%C3%A9"),
])
def test_relative_urls_resolve_anywhere_inside_the_built_in_repository(db, url, expected):
    assert resolve_in_repository(base_url=BASE, url=url) == expected
    assert resolve_source(base=f"url:{BASE}", url=url).location == expected


@pytest.mark.parametrize("url", [
    "../../..", "../../../", "../../../templates-copy/blob/main/x", "../../../../other/blob/main/secret.txt",
    "./skeleton/../../../../..", "/..", "/../other",
])
def test_climbing_above_the_repository_root_is_refused_naming_the_url_and_repository(db, url):
    with pytest.raises(ActionInputError) as refused:
        resolve_source(base=f"url:{BASE}", url=url)
    message = str(refused.value)
    assert message.startswith(f"url: {url!r} climbs above the root of the repository acme/templates on the "
                              "built-in git host")
    assert "nothing outside it" in message


@pytest.mark.parametrize("url", [
    "..%2f..%2f..%2fother", "..%2F..%2F..%2Fother", "%2e%2e/%2e%2e/%2e%2e/other", ".%2e/x", "%2E%2E",
    "%252e%252e/%252e%252e/x", "skeleton%2f..%2f..%2f..", "a%5c..%5c..", "..%00/x",
])
def test_percent_encoded_traversal_is_refused(db, url):
    with pytest.raises(ActionInputError, match=r"^url: .* spells '\.', '\.\.' or a separator with percent-enc"):
        resolve_source(base=f"url:{BASE}", url=url)


@pytest.mark.parametrize("url, message", [
    ("//evil.example.com/x", "a URL without a scheme"),
    ("..\\..\\..\\other", "contains a backslash"),
    ("./skeleton?ref=evil", "contains a query"),
    ("./skeleton#x", "contains a fragment"),
    ("file:///etc/passwd", "'file' scheme"),
    ("C:/Windows", "absolute path"),
])
def test_other_hostile_relative_urls_are_refused(db, url, message):
    with pytest.raises(ActionInputError, match=message):
        resolve_source(base=f"url:{BASE}", url=url)


def test_the_public_url_with_a_path_prefix_keeps_the_prefix(db, settings):
    settings.PAVED_PUBLIC_URL = "https://portal.example.com/paved"
    base = "https://portal.example.com/paved/git/acme/templates/tree/v1.2/templates/svc/"
    repository = repository_of(base)
    assert repository.root == "https://portal.example.com/paved/git/acme/templates/tree/v1.2/"
    assert repository.directory == ("templates", "svc")
    assert resolve_in_repository(base_url=base, url="../../shared") == repository.root + "shared"
    with pytest.raises(ActionInputError, match="acme/templates on the built-in git host"):
        resolve_in_repository(base_url=base, url="../../../x")


@pytest.mark.parametrize("base, root, label", [
    ("https://github.com/acme/templates/tree/main/templates/svc/", "https://github.com/acme/templates/tree/main/",
     "github.com/acme/templates"),
    ("https://ghe.example.com/acme/templates/blob/release/svc/", "https://ghe.example.com/acme/templates/blob/release/",
     "ghe.example.com/acme/templates"),
    ("https://gitlab.example.com/group/sub/proj/-/blob/main/t/svc/",
     "https://gitlab.example.com/group/sub/proj/-/blob/main/", "gitlab.example.com/group/sub/proj"),
    ("https://bitbucket.org/acme/templates/src/main/svc/", "https://bitbucket.org/acme/templates/src/main/",
     "bitbucket.org/acme/templates"),
    ("https://raw.githubusercontent.com/acme/templates/main/svc/", "https://raw.githubusercontent.com/acme/templates/main/",
     "raw.githubusercontent.com/acme/templates"),
])
def test_other_git_hosts_are_fenced_to_their_repository(db, base, root, label):
    repository = repository_of(base)
    assert (repository.root, repository.label, repository.known) == (root, label, True)
    assert resolve_in_repository(base_url=base, url="/shared/LICENSE") == root + "shared/LICENSE"
    depth = len(repository.directory)
    assert resolve_in_repository(base_url=base, url="../" * depth + "LICENSE") == root + "LICENSE"
    with pytest.raises(ActionInputError, match=f"climbs above the root of the repository {label} "):
        resolve_in_repository(base_url=base, url="../" * (depth + 1) + "other/LICENSE")


@pytest.mark.parametrize("base", ["https://files.example.com/templates/svc/",
                                  "http://paved/git/acme/templates/",  # a repository root with no ref
                                  "http://paved/elsewhere/acme/t/blob/main/svc/"])  # not a repository path
def test_a_url_whose_repository_cannot_be_told_only_reaches_down_from_the_template(db, base):
    assert not repository_of(base).known
    assert resolve_in_repository(base_url=base, url="./skeleton/x") == base + "skeleton/x"
    with pytest.raises(ActionInputError, match="cannot tell where the repository starts in that URL"):
        resolve_in_repository(base_url=base, url="../shared")
    with pytest.raises(ActionInputError, match="relative to the repository root, but Paved cannot tell"):
        resolve_in_repository(base_url=base, url="/shared")


# --- The built-in git host end to end -------------------------------------------------------------


def _commit_symlinks(owner: str, name: str, branch: str, links: dict[str, str]) -> None:
    """Add symbolic links (path -> target) on top of `branch`, with git plumbing: the host's own commit
    API writes only regular files, but a pushed repository may hold links."""
    git_dir = githost.repo_git_dir(owner, name)
    env = {**base_env(git_dir), "GIT_INDEX_FILE": str(git_dir / "paved-test-index"),
           "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}

    def git(*args, data: bytes | None = None) -> str:
        done = subprocess.run([GIT, *args], input=data, env=env, check=True, capture_output=True)
        return done.stdout.decode().strip()

    git("read-tree", branch)
    for path, target in links.items():
        sha = git("hash-object", "-w", "--stdin", data=target.encode())
        git("update-index", "--add", "--cacheinfo", f"120000,{sha},{path}")
    tree = git("write-tree")
    commit = git("commit-tree", tree, "-p", branch, "-m", "links")
    git("update-ref", f"refs/heads/{branch}", commit)


@pytest.fixture
def repos(db, settings, tmp_path):
    """acme/templates (templates/svc/template.yaml with its own skeleton, shared/ at the root) and
    acme/secrets, a repository no relative url of the template may reach."""
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    githost.repo_create(owner="acme", name="templates")
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="templates", **AUTHOR, files={
        "templates/svc/template.yaml": b"kind: Template\n",
        "templates/svc/skeleton/README.md": b"# ${{ values.name }}\n",
        "templates/skeleton/base.txt": b"base ${{ values.name }}\n",
        "shared/skeleton/catalog-info.yaml": b"metadata:\n  name: ${{ values.name }}\n",
        "shared/LICENSE": b"MIT\n",
    })
    githost.repo_create(owner="acme", name="secrets")
    githost.repo_commit_files(owner="acme", name="secrets", branch="main", message="secret", **AUTHOR,
                              files={"secret.txt": SECRET})
    return f"url:{BASE}"


def test_fetch_template_reads_a_sibling_and_a_shared_skeleton_of_the_repository(repos, workspace):
    run_action("fetch:template", make_ctx(workspace, {"url": "../skeleton", "values": {"name": "api"}}, base=repos))
    run_action("fetch:template", make_ctx(workspace, {"url": "../../shared/skeleton", "values": {"name": "api"},
                                                      "targetPath": "meta"}, base=repos))
    run_action("fetch:plain:file", make_ctx(workspace, {"url": "/shared/LICENSE", "targetPath": "LICENSE"},
                                            base=repos))
    assert (workspace / "base.txt").read_text() == "base api\n"
    assert (workspace / "meta" / "catalog-info.yaml").read_text() == "metadata:\n  name: api\n"
    assert (workspace / "LICENSE").read_text() == "MIT\n"


@pytest.mark.parametrize("action_id, inputs", [
    ("fetch:plain", {"url": "../../../secrets/blob/main"}),
    ("fetch:plain", {"url": "../../../../secrets/blob/main/"}),
    ("fetch:plain:file", {"url": "../../../../secrets/blob/main/secret.txt", "targetPath": "s.txt"}),
    ("fetch:template:file", {"url": "../../../../secrets/blob/main/secret.txt", "targetPath": "s.txt"}),
    ("fetch:template", {"url": "..%2f..%2f..%2f..%2fsecrets/blob/main"}),
])
def test_another_repository_is_never_reached_through_a_relative_url(repos, workspace, action_id, inputs):
    with pytest.raises(ActionInputError, match="^url: "):
        run_action(action_id, make_ctx(workspace, inputs, base=repos))
    assert list(workspace.iterdir()) == []


def test_an_absolute_url_to_another_repository_on_the_host_is_backstage_s_absolute_url(repos):
    # Absolute URLs are not relative urls: Backstage reads them through the integration, as Paved does.
    assert fetch_file(base=repos, url="http://paved/git/acme/secrets/blob/main/secret.txt") == SECRET


@pytest.fixture
def owners_only_read(db):
    """githost.repository.read narrowed to each repository's owners (the default lets everyone read)."""
    from core.access import access_cache_clear
    from core.models import Grant

    Grant.objects.filter(permission="githost.repository.read").update(rule="IS_ENTITY_OWNER")
    access_cache_clear()
    yield
    access_cache_clear()  # the grant comes back with the rollback; the cache must not outlive it


SECRET_URL = "http://paved/git/acme/secrets/blob/main/secret.txt"


@pytest.mark.parametrize("action_id, inputs", [
    ("fetch:plain:file", {"url": SECRET_URL, "targetPath": "s.txt"}),
    ("fetch:template:file", {"url": SECRET_URL, "targetPath": "s.txt"}),
    ("fetch:plain", {"url": "http://paved/git/acme/secrets/tree/main"}),
    ("fetch:template", {"url": "http://paved/git/acme/secrets/tree/main"}),
])
def test_another_repository_the_task_s_user_may_not_read_is_refused(repos, owners_only_read, owner, workspace,
                                                                     action_id, inputs):
    ctx = make_ctx(workspace, inputs, base=repos)
    ctx.user = ActionUser(username=owner.username)
    with pytest.raises(ActionInputError, match=r"is in the repository acme/secrets, which owner may not read"):
        run_action(action_id, ctx)
    assert list(workspace.iterdir()) == []


def test_the_template_s_own_repository_is_read_whoever_runs_it(repos, owners_only_read, owner, workspace):
    # Backstage reads a template's skeletons with the server's credentials: they are part of the template.
    ctx = make_ctx(workspace, {"url": "../../shared/LICENSE", "targetPath": "LICENSE"}, base=repos)
    ctx.user = ActionUser(username=owner.username)
    run_action("fetch:plain:file", ctx)
    assert (workspace / "LICENSE").read_text() == "MIT\n"


def test_another_repository_the_user_may_read_is_fetched(repos, owner, workspace):
    ctx = make_ctx(workspace, {"url": SECRET_URL, "targetPath": "s.txt"}, base=repos)
    ctx.user = ActionUser(username=owner.username)
    run_action("fetch:plain:file", ctx)
    assert (workspace / "s.txt").read_bytes() == SECRET
    unknown = make_ctx(workspace, {"url": SECRET_URL, "targetPath": "t.txt"}, base=repos)  # "ada": no account
    with pytest.raises(ActionInputError, match="which ada may not read"):
        run_action("fetch:plain:file", unknown)


def test_symbolic_links_in_the_repository_pointing_outside_are_not_followed(repos, workspace, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("server file\n")
    _commit_symlinks("acme", "templates", "main", {
        "templates/svc/skeleton/passwd": str(outside),
        "templates/svc/skeleton/up": "../../../../secrets",
        "templates/svc/key": "../../../secrets/blob/main/secret.txt",
    })
    assert githost.repo_is_symlink(owner="acme", name="templates", ref="main", path="templates/svc/key")
    assert not githost.repo_is_symlink(owner="acme", name="templates", ref="main", path="templates/svc/template.yaml")
    assert not githost.repo_is_symlink(owner="acme", name="templates", ref="main", path="")
    count = fetch_into(base=repos, url="./skeleton", dest=workspace)
    assert count == 1 and sorted(p.name for p in workspace.iterdir()) == ["README.md"]
    with pytest.raises(ActionInputError, match=r"url: './key' is a symbolic link in acme/templates; refusing"):
        fetch_file(base=repos, url="./key")
    with pytest.raises(ActionError, match="cannot read"):  # git does not follow a link inside a path either
        fetch_file(base=repos, url="./skeleton/up/blob/main/secret.txt")


def test_an_absolute_url_on_a_host_not_allowed_is_refused_without_the_network(repos, settings, monkeypatch, workspace):
    settings.PAVED_READ_ALLOW = []

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    for url in ("https://evil.example.com/x/LICENSE", "http://paved@evil.example.com/git/acme/secrets/blob/main/secret.txt"):
        with pytest.raises(ActionError, match="not in PAVED_READ_ALLOW"):
            run_action("fetch:plain:file", make_ctx(workspace, {"url": url, "targetPath": "x"}, base=repos))
    with pytest.raises(ActionError, match="fetching a directory from evil.example.com needs a git integration"):
        run_action("fetch:plain", make_ctx(workspace, {"url": "https://evil.example.com/acme/t/tree/main/x"},
                                           base=repos))
    assert list(workspace.iterdir()) == []


# --- Templates registered from the repository, through the runner ---------------------------------


TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: {name}
spec:
  owner: group:default/platform
  type: service
  parameters:
    - properties:
        name: {{type: string, default: api}}
  steps:
    - id: base
      name: Shared base
      action: fetch:template
      input:
        url: {url}
        values:
          name: ${{{{ parameters.name }}}}
"""


def _register(owner: str, name: str, path: str) -> None:
    location = Location.objects.create(type="url", target=f"http://paved/git/{owner}/{name}/blob/main/{path}")
    location_refresh(location_id=location.pk)


def _dry_run(template_name: str, actor):
    template = selectors.template_get(namespace="default", name=template_name)
    assert template is not None, "the template was not registered"
    run = services.run_create(template=template, values={"name": "api"}, actor=actor, dry_run=True)
    assert services.run_claim(run_id=run.pk, task_id="test")
    status = runner.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return status, run


def test_a_template_registered_from_the_repository_runs_its_parent_skeleton(repos, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="t", **AUTHOR, files={
        "templates/svc/template.yaml": TEMPLATE.format(name="svc", url="../../shared/skeleton").encode()})
    _register("acme", "templates", "templates/svc/template.yaml")
    status, run = _dry_run("svc", owner)
    assert status == "completed", run.error
    assert [f["path"] for f in run.dry_run_files] == ["catalog-info.yaml"]


def test_a_repository_template_climbing_out_fails_naming_step_input_and_repository(repos, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="t", **AUTHOR, files={
        "templates/svc/template.yaml": TEMPLATE.format(name="svc", url="../../../secrets").encode()})
    _register("acme", "templates", "templates/svc/template.yaml")
    status, run = _dry_run("svc", owner)
    assert status == "failed"
    assert run.error.startswith("Step 'Shared base' (base, fetch:template): url: '../../../secrets' climbs above "
                                "the root of the repository acme/templates on the built-in git host")
    assert not run.dry_run_files


def test_a_file_template_climbing_out_is_told_to_register_from_a_repository(settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    from catalog.tests.factories import location_load

    folder = tmp_path / "templates" / "svc"
    folder.mkdir(parents=True)
    (tmp_path / "templates" / "skeleton").mkdir()
    (tmp_path / "templates" / "skeleton" / "a.txt").write_text("a")
    (folder / "template.yaml").write_text(TEMPLATE.format(name="filesvc", url="../skeleton"))
    location_load(folder / "template.yaml")
    status, run = _dry_run("filesvc", owner)
    assert status == "failed"
    assert run.error.startswith("Step 'Shared base' (base, fetch:template): url: '../skeleton' leads outside the "
                                "template's own directory, the only place a template registered from a file may "
                                "read from")
    assert "register the template from a repository" in run.error and str(tmp_path) not in run.error


def test_the_template_version_follows_the_parent_skeleton_it_fetches(repos):
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="t", **AUTHOR, files={
        "templates/svc/template.yaml": TEMPLATE.format(name="svc", url="../../shared/skeleton").encode()})
    _register("acme", "templates", "templates/svc/template.yaml")
    template = selectors.template_get(namespace="default", name="svc")
    before = selectors.template_version(template=template)
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="edit", **AUTHOR,
                              files={"shared/skeleton/catalog-info.yaml": b"changed\n"})
    assert selectors.template_version(template=template) != before


# --- Which base a registered template gets ---------------------------------------------------------


def _entity(annotations: dict):
    from catalog.models import Entity

    return Entity(body={"metadata": {"annotations": annotations}})


@pytest.mark.parametrize("annotations, base", [
    ({"backstage.io/managed-by-location": "url:http://paved/git/acme/templates/blob/main/t/svc/template.yaml",
      "backstage.io/source-location": "url:http://paved/git/acme/templates/tree/main/t/svc/"},
     "url:http://paved/git/acme/templates/tree/main/t/svc/"),
    ({"backstage.io/managed-by-location": "url:http://paved/git/acme/templates/blob/main/t/svc/template.yaml",
      "backstage.io/source-location": "url:http://paved/git/acme/templates/tree/main/t"},
     "url:http://paved/git/acme/templates/tree/main/t/"),  # Backstage's getEntityBaseUrl: source-location first
    ({"backstage.io/managed-by-location": "url:https://github.com/acme/t/blob/main/svc/template.yaml",
      "backstage.io/source-location": "url:https://github.com/acme/other/tree/main/"},
     "url:https://github.com/acme/other/tree/main/"),
    ({"backstage.io/managed-by-location": "file:/srv/templates/svc/template.yaml"}, "file:/srv/templates/svc/"),
    ({}, ""),
])
def test_the_base_follows_backstage_s_annotations(db, annotations, base):
    assert selectors.template_base(template=_entity(annotations)) == base


@pytest.mark.parametrize("read_from", [
    "url:http://paved/git/acme/templates/blob/main/t/svc/template.yaml",
    "file:/srv/templates/svc/template.yaml",
    "url:https://github.com/acme/templates/blob/main/svc/template.yaml",
])
def test_a_source_location_claiming_another_built_in_repository_is_not_the_template_s_own(db, read_from):
    # Otherwise the author of a template could make any repository "its own" and read it for every user.
    template = _entity({"backstage.io/managed-by-location": read_from,
                        "backstage.io/source-location": "url:http://paved/git/acme/secrets/tree/main/"})
    base = selectors.template_base(template=template)
    assert "secrets" not in base and base.endswith("/")


def test_a_template_claiming_another_repository_reads_it_only_for_people_who_may(repos, owners_only_read, owner,
                                                                                settings, tmp_path):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    text = TEMPLATE.format(name="claim", url="./").replace(
        "metadata:\n", "metadata:\n  annotations:\n    backstage.io/source-location: "
                       "url:http://paved/git/acme/secrets/tree/main/\n", 1)
    githost.repo_commit_files(owner="acme", name="templates", branch="main", message="t", **AUTHOR, files={
        "templates/claim/template.yaml": text.encode()})
    _register("acme", "templates", "templates/claim/template.yaml")
    status, run = _dry_run("claim", owner)
    assert status == "completed", run.error
    assert [f["path"] for f in run.dry_run_files] == ["template.yaml"]  # its own folder, not acme/secrets
