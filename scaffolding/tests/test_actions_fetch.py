"""fetch:plain, fetch:plain:file, fetch:template, fetch:template:file and the template source reader."""

import os
import shutil
from functools import partial
from pathlib import Path

import pytest

from core.testing import CORPUS_DIR, shared_missing_reason
from scaffolding.actions import fetch as fetch_actions
from scaffolding.actions.base import ActionContext, ActionError, ActionInputError
from scaffolding.lib import fetch_source
from scaffolding.lib.fetch_source import fetch_file, fetch_into, resolve_source
from scaffolding.tests.helpers import ada_ctx

CORPUS = CORPUS_DIR / "templates"
SPRING = CORPUS / "piomin__backstage-templates__templates__spring-boot-basic-on-openshift"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=shared_missing_reason(CORPUS))
AUTHOR = {"author_name": "Ada", "author_email": "ada@example.com"}


make_ctx = partial(ada_ctx, step_id="fetch")


def run(action_id: str, ctx: ActionContext) -> ActionContext:
    action = {a.id: a for a in fetch_actions.ACTIONS}[action_id]
    action.run(ctx)
    return ctx


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def template(tmp_path) -> Path:
    """A template directory with a skeleton (an executable script, a nested file) and a shared folder beside it."""
    root = tmp_path / "templates" / "svc"
    skeleton = root / "skeleton"
    (skeleton / "src").mkdir(parents=True)
    (skeleton / "README.md").write_text("# ${{ values.name }}\n")
    (skeleton / "src" / "main.py").write_text("print('hi')\n")
    (skeleton / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(skeleton / "run.sh", 0o755)
    shared = tmp_path / "templates" / "shared"
    shared.mkdir()
    (shared / "LICENSE").write_text("MIT\n")
    return root


def base_of(path: Path) -> str:
    return f"file:{path}/"


# --- Resolving urls ---------------------------------------------------------------------------------


def test_relative_urls_resolve_against_a_file_base(template):
    assert resolve_source(base=base_of(template), url="./skeleton").location == str(template / "skeleton")
    assert resolve_source(base=base_of(template), url="skeleton/../skeleton/src").location == str(
        template / "skeleton" / "src")


def test_relative_urls_resolve_against_a_url_base():
    source = resolve_source(base="url:https://example.com/repo/tree/main/templates/svc/", url="../shared/x")
    assert (source.kind, source.location) == ("url", "https://example.com/repo/tree/main/templates/shared/x")
    assert resolve_source(base="", url="https://example.com/a").location == "https://example.com/a"


@pytest.mark.parametrize("url, message", [
    ("/etc", "absolute path"),
    ("file:///etc/passwd", "'file' scheme"),
    ("ftp://example.com/x", "'ftp' scheme"),
    ("", "expected a relative path"),
    ("./a\x00b", "NUL byte"),
])
def test_urls_that_are_not_relative_paths_or_http_are_refused(template, url, message):
    with pytest.raises(ActionInputError, match=message):
        resolve_source(base=base_of(template), url=url, field_name="url")


def test_a_relative_url_without_a_template_location_is_an_error():
    with pytest.raises(ActionError, match="no known location"):
        resolve_source(base="", url="./skeleton")


def test_urls_leaving_the_template_directory_are_refused_even_inside_its_root(settings, template, workspace):
    settings.PAVED_FILE_ROOTS = [str(template.parent)]
    for url in ("../../etc", "../shared"):  # out of the root, and out of the template into its root
        ctx = make_ctx(workspace, {"url": url}, base=base_of(template))
        with pytest.raises(ActionInputError, match=r"leads outside the template's own directory"):
            run("fetch:plain", ctx)
    assert list(workspace.iterdir()) == []


def test_templates_outside_every_file_root_cannot_be_read(settings, template, workspace, tmp_path):
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "elsewhere")]
    with pytest.raises(ActionInputError, match="PAVED_FILE_ROOTS"):
        run("fetch:plain", make_ctx(workspace, {"url": "./skeleton"}, base=base_of(template)))


def test_fetches_never_reach_into_workspaces_or_the_git_root(settings, tmp_path, workspace):
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "demo")]
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    (tmp_path / "git" / "acme" / "web.git").mkdir(parents=True)
    template = tmp_path / "demo" / "tpl"
    template.mkdir(parents=True)
    with pytest.raises(ActionInputError, match="leads outside the template's own directory") as refused:
        fetch_into(base=base_of(template), url="../../git/acme", dest=workspace)
    assert str(tmp_path) not in str(refused.value)


def test_dry_run_templates_under_the_workspace_dir_read_only_their_own_files(settings, tmp_path, workspace):
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "nothing")]
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "scaffolder"
    materialised = tmp_path / "scaffolder" / "run-1" / "template"
    (materialised / "skeleton").mkdir(parents=True)
    (materialised / "skeleton" / "a.txt").write_text("a")
    (tmp_path / "scaffolder" / "run-2").mkdir()
    assert fetch_into(base=base_of(materialised), url="./skeleton", dest=workspace) == 1
    with pytest.raises(ActionInputError, match="leads outside"):
        fetch_into(base=base_of(materialised), url="../../run-2", dest=workspace)


# --- fetch:plain ------------------------------------------------------------------------------------


@needs_corpus
def test_fetch_plain_copies_a_corpus_skeleton_verbatim(workspace):
    ctx = run("fetch:plain", make_ctx(workspace, {"url": "./skeleton", "targetPath": "app"}, base=base_of(SPRING)))
    copied = files_under(workspace / "app")
    assert copied == files_under(SPRING / "skeleton")
    assert "src/main/java/${{values.javaPackage}}/Application.java" in copied  # names not rendered
    assert "Fetched 12 files" in ctx.logs[-1]


def test_fetch_plain_keeps_executable_bits_and_merges_into_the_target(template, workspace):
    (workspace / "keep.txt").write_text("mine")
    run("fetch:plain", make_ctx(workspace, {"url": "./skeleton"}, base=base_of(template)))
    assert os.stat(workspace / "run.sh").st_mode & 0o111
    assert not os.stat(workspace / "README.md").st_mode & 0o111
    assert (workspace / "keep.txt").read_text() == "mine"
    assert (workspace / "README.md").read_text() == "# ${{ values.name }}\n"


@pytest.mark.parametrize("target_path, message", [
    ("../x", "leaves the task's workspace"),
    ("/tmp/x", "is absolute"),
])
def test_fetch_plain_refuses_target_paths_outside_the_workspace(template, workspace, target_path, message):
    with pytest.raises(ActionInputError, match=f"targetPath: .*{message}"):
        run("fetch:plain", make_ctx(workspace, {"url": "./skeleton", "targetPath": target_path},
                                    base=base_of(template)))
    assert not (workspace.parent / "x").exists()
    assert list(workspace.iterdir()) == []


def test_a_symlink_in_a_skeleton_pointing_outside_is_refused_and_nothing_is_written(template, workspace):
    os.symlink("/etc/passwd", template / "skeleton" / "passwd")
    with pytest.raises(ActionInputError, match="'passwd' in './skeleton' is a symbolic link that points outside"):
        run("fetch:plain", make_ctx(workspace, {"url": "./skeleton"}, base=base_of(template)))
    assert list(workspace.iterdir()) == []


def test_a_relative_symlink_climbing_out_of_the_skeleton_is_refused(template, workspace):
    os.symlink("../../shared/LICENSE", template / "skeleton" / "src" / "LICENSE")
    with pytest.raises(ActionInputError, match="src/LICENSE"):
        fetch_into(base=base_of(template), url="./skeleton", dest=workspace)


def test_symlinks_inside_the_skeleton_become_files_and_directory_links_are_skipped(template, workspace):
    skeleton = template / "skeleton"
    os.symlink("README.md", skeleton / "README.link")
    os.symlink("src", skeleton / "src-link")
    os.symlink("missing", skeleton / "dangling")
    os.mkfifo(skeleton / "pipe")
    logs = []
    assert fetch_into(base=base_of(template), url="./skeleton", dest=workspace, log=logs.append) == 4
    assert not (workspace / "README.link").is_symlink()
    assert (workspace / "README.link").read_text() == "# ${{ values.name }}\n"
    assert not (workspace / "src-link").exists() and not (workspace / "pipe").exists()
    assert not os.path.lexists(workspace / "dangling")
    assert any("src-link" in line for line in logs) and any("pipe (not a regular file)" in line for line in logs)


def test_a_symlink_already_in_the_destination_is_not_written_through(template, workspace, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, workspace / "src")
    with pytest.raises(ActionInputError, match="leaves the task's workspace"):
        fetch_into(base=base_of(template), url="./skeleton", dest=workspace)
    assert list(outside.iterdir()) == []


def test_file_count_and_size_caps(monkeypatch, template, workspace):
    monkeypatch.setattr(fetch_source, "MAX_FILES", 2)
    with pytest.raises(ActionError, match="more than 2 files"):
        fetch_into(base=base_of(template), url="./skeleton", dest=workspace)
    monkeypatch.setattr(fetch_source, "MAX_FILES", 100)
    monkeypatch.setattr(fetch_source, "MAX_BYTES", 10)
    with pytest.raises(ActionError, match="more than 10 bytes"):
        fetch_into(base=base_of(template), url="./skeleton", dest=workspace)
    assert list(workspace.iterdir()) == []


def test_fetching_a_missing_directory_or_a_file_as_a_directory(template, workspace):
    with pytest.raises(ActionInputError, match="does not exist"):
        fetch_into(base=base_of(template), url="./nope", dest=workspace)
    with pytest.raises(ActionInputError, match="is a file, not a directory"):
        fetch_into(base=base_of(template), url="./skeleton/README.md", dest=workspace)


def test_directories_on_other_http_hosts_need_an_integration(workspace):
    ctx = make_ctx(workspace, {"url": "https://github.com/RoadieHQ/software-templates/tree/main/x/skeleton"})
    with pytest.raises(ActionError, match="fetching a directory from github.com needs a git integration"):
        run("fetch:plain", ctx)


def test_single_files_on_hosts_not_allowed_are_refused_without_network(settings):
    settings.PAVED_READ_ALLOW = []
    with pytest.raises(ActionError, match="url: .*not in PAVED_READ_ALLOW"):
        fetch_file(base="url:https://example.com/templates/svc/", url="./LICENSE")


# --- fetch:plain:file --------------------------------------------------------------------------------


def test_fetch_plain_file_writes_the_file_at_target_path(template, workspace):
    run("fetch:plain:file", make_ctx(workspace, {"url": "./skeleton/src/main.py", "targetPath": "legal/main.py"},
                                     base=base_of(template)))
    assert (workspace / "legal" / "main.py").read_text() == "print('hi')\n"


@pytest.mark.parametrize("inputs, error", [
    ({"url": "./skeleton/README.md"}, "targetPath: a file path inside the workspace is required"),
    ({"url": "./skeleton/README.md", "targetPath": "./"}, "is a directory"),
    ({"url": "./skeleton/README.md", "targetPath": "../../x"}, "leaves the task's workspace"),
    ({"url": "./skeleton", "targetPath": "x"}, "is a directory; expected a single file"),
    ({"url": "./nope.txt", "targetPath": "x"}, "does not exist"),
])
def test_fetch_plain_file_input_errors(template, workspace, inputs, error):
    with pytest.raises(ActionInputError, match=error):
        run("fetch:plain:file", make_ctx(workspace, inputs, base=base_of(template)))
    assert list(workspace.iterdir()) == []


# --- The built-in git host -----------------------------------------------------------------------


@pytest.fixture
def git_template(db, settings, tmp_path):
    """acme/templates on the git host: templates/svc/{template.yaml, skeleton/...} and shared/LICENSE."""
    from githost import services

    settings.PAVED_GIT_ROOT = tmp_path / "git"
    services.repo_create(owner="acme", name="templates")
    services.repo_commit_files(owner="acme", name="templates", branch="main", message="templates", **AUTHOR, files={
        "templates/svc/template.yaml": b"kind: Template\n",
        "templates/svc/skeleton/README.md": b"# ${{ values.name }}\n",
        "templates/svc/skeleton/${{ values.name }}/app.py": b"print('${{ values.name }}')\n",
        "templates/svc/skeleton/${{ values.skip }}/optional.txt": b"",
        "shared/LICENSE": b"MIT\n",
    })
    return f"url:http://{settings.PAVED_GIT_HOST}/git/acme/templates/blob/main/templates/svc/"


def test_fetch_plain_from_the_git_host(git_template, workspace):
    ctx = run("fetch:plain", make_ctx(workspace, {"url": "./skeleton", "targetPath": "out"}, base=git_template))
    assert files_under(workspace / "out") == {
        "${{ values.name }}/app.py": b"print('${{ values.name }}')\n",
        "README.md": b"# ${{ values.name }}\n",
        "${{ values.skip }}/optional.txt": b"",
    }
    assert "Fetched 3 files" in ctx.logs[-1]


def test_fetch_plain_file_from_the_git_host(git_template, workspace):
    run("fetch:plain:file", make_ctx(workspace, {"url": "../../shared/LICENSE", "targetPath": "LICENSE"},
                                     base=git_template))
    assert (workspace / "LICENSE").read_text() == "MIT\n"


def test_missing_paths_on_the_git_host_are_clear_errors(git_template, workspace):
    with pytest.raises(ActionError, match="url: cannot read .*does not exist"):
        fetch_into(base=git_template, url="./nope", dest=workspace)
    with pytest.raises(ActionError, match="url: cannot read .*does not exist"):
        fetch_file(base=git_template, url="./nope.txt")


# --- fetch:template --------------------------------------------------------------------------------


@needs_corpus
def test_fetch_template_renders_a_whole_corpus_skeleton(workspace):
    values = {"orgName": "acme", "appName": "orders", "domainName": "Order", "groupId": "com.acme",
              "javaPackage": "com/acme/orders", "apiPath": "orders", "namespace": "shop",
              "clusterDomain": "apps.example.com"}
    ctx = run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": values}, base=base_of(SPRING)))
    written = files_under(workspace)
    assert len(written) == len(files_under(SPRING / "skeleton")) == 12
    assert "src/main/java/com/acme/orders/controller/OrderController.java" in written
    assert "src/test/java/com/acme/orders/OrderControllerTests.java" in written
    catalog_info = written["catalog-info.yaml"].decode()
    assert "name: orders" in catalog_info and "${{" not in catalog_info
    assert "github.com/project-slug: acme/orders" in catalog_info
    assert "12 files written" in ctx.logs[-1]


@needs_corpus
def test_fetch_template_renders_a_big_corpus_skeleton_with_copy_without_render(workspace):
    template = CORPUS / "sourcefuse__sf-software-templates__scaffolder-templates__react-boilerplate"
    values = {"component_id": "web", "description": "Web app", "backstage_namespace": "default",
              "destination": {"host": "github.com", "owner": "acme", "repo": "web"}}
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": values,
                                               "copyWithoutRender": ["docs/*"]}, base=base_of(template)))
    source, written = files_under(template / "skeleton"), files_under(workspace)
    assert len(written) == len(source) > 100
    assert b"${{" in written["docs/index.md"] and written["docs/index.md"] == source["docs/index.md"]
    assert b"${{" not in written["mkdocs.yml"]
    assert "github.com/project-slug: acme/web" in written["catalog-info.yaml"].decode()


def test_fetch_template_from_the_git_host_skips_entries_whose_name_renders_empty(git_template, workspace):
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "api"}}, base=git_template))
    assert files_under(workspace) == {"README.md": b"# api\n", "api/app.py": b"print('api')\n"}


def test_a_file_name_rendering_out_of_the_target_is_refused(template, workspace, tmp_path):
    (template / "skeleton" / "${{ values.name }}").write_text("evil")
    ctx = make_ctx(workspace, {"url": "./skeleton", "values": {"name": "../../evil"}}, base=base_of(template))
    with pytest.raises(ActionInputError, match=r"url: the skeleton entry '\$\{\{ values.name \}\}' renders to "
                                               r"'\.\./\.\./evil', which leaves targetPath"):
        run("fetch:template", ctx)
    assert not (tmp_path / "evil").exists() and not (workspace.parent / "evil").exists()


def test_a_file_name_rendering_to_an_absolute_path_is_skipped(template, workspace):
    (template / "skeleton" / "${{ values.name }}").write_text("evil")
    ctx = run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "/etc/evil"}},
                                         base=base_of(template)))
    assert not os.path.exists("/etc/evil")
    assert any("renders to '/etc/evil'" in line for line in ctx.logs)


def test_copy_without_templating_keeps_content_but_renders_paths(template, workspace):
    skeleton = template / "skeleton"
    (skeleton / ".github" / "workflows").mkdir(parents=True)
    (skeleton / ".github" / "workflows" / "${{ values.name }}.yml").write_text("run: ${{ github.sha }}\n")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "ci"},
                                               "copyWithoutTemplating": [".github/workflows/*"]},
                                   base=base_of(template)))
    assert (workspace / ".github" / "workflows" / "ci.yml").read_text() == "run: ${{ github.sha }}\n"
    assert (workspace / "README.md").read_text() == "# ci\n"


def test_copy_without_render_keeps_content_and_paths(template, workspace):
    skeleton = template / "skeleton"
    (skeleton / "raw").mkdir()
    (skeleton / "raw" / "${{ values.name }}.txt").write_text("${{ values.name }}")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "x"},
                                               "copyWithoutRender": ["raw/**"]}, base=base_of(template)))
    assert (workspace / "raw" / "${{ values.name }}.txt").read_text() == "${{ values.name }}"


def test_template_file_extension_renders_only_matching_files(template, workspace):
    skeleton = template / "skeleton"
    (skeleton / "${{ values.name }}.md.njk").write_text("Hello ${{ values.name }}")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "doc"},
                                               "templateFileExtension": True}, base=base_of(template)))
    assert (workspace / "doc.md").read_text() == "Hello doc"
    assert (workspace / "README.md").read_text() == "# ${{ values.name }}\n"  # no .njk: copied verbatim


def test_custom_template_file_extension(template, workspace):
    (template / "skeleton" / "x.txt.jinja2").write_text("${{ values.name }}")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "n"},
                                               "templateFileExtension": ".jinja2"}, base=base_of(template)))
    assert (workspace / "x.txt").read_text() == "n"


def test_cookiecutter_compat_uses_the_cookiecutter_context(template, workspace):
    skeleton = template / "skeleton"
    shutil.rmtree(skeleton)
    skeleton.mkdir()
    (skeleton / "{{ cookiecutter.name }}.txt").write_text("{{ cookiecutter.name }} ${{ values.name }}")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "cc"},
                                               "cookiecutterCompat": True}, base=base_of(template)))
    assert (workspace / "cc.txt").read_text().startswith("cc ")


def test_existing_files_are_kept_unless_replace(template, workspace):
    (workspace / "README.md").write_text("mine")
    ctx = run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "a"}},
                                         base=base_of(template)))
    assert (workspace / "README.md").read_text() == "mine"
    assert "1 existing kept" in ctx.logs[-1]
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "a"}, "replace": True},
                                   base=base_of(template)))
    assert (workspace / "README.md").read_text() == "# a\n"


def test_binary_files_are_copied_as_they_are_and_modes_kept(template, workspace):
    blob = bytes(range(256)) + b"${{ values.name }}"
    (template / "skeleton" / "logo.png").write_bytes(blob)
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "targetPath": "app", "values": {"name": "a"}},
                                   base=base_of(template)))
    assert (workspace / "app" / "logo.png").read_bytes() == blob
    assert os.stat(workspace / "app" / "run.sh").st_mode & 0o111


@pytest.mark.parametrize("inputs, error", [
    ({"copyWithoutRender": ["a"], "copyWithoutTemplating": ["b"]}, "cannot be used together"),
    ({"copyWithoutTemplating": "a"}, "copyWithoutTemplating: expected a list"),
    ({"templateFileExtension": True, "cookiecutterCompat": True}, "cannot be combined"),
    ({"templateFileExtension": ".", }, "templateFileExtension: expected"),
    ({"values": ["a"]}, "values: expected an object"),
    ({"targetPath": "../out"}, "targetPath: .* leaves"),
])
def test_fetch_template_input_errors(template, workspace, inputs, error):
    with pytest.raises(ActionInputError, match=error):
        run("fetch:template", make_ctx(workspace, {"url": "./skeleton", **inputs}, base=base_of(template)))
    assert list(workspace.iterdir()) == []


def test_a_broken_expression_names_the_file(template, workspace):
    (template / "skeleton" / "bad.txt").write_text("${{ values.name | nosuchfilter }}")
    with pytest.raises(ActionError, match="bad.txt"):
        run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "a"}},
                                       base=base_of(template)))


# --- fetch:template:file --------------------------------------------------------------------------------


def test_fetch_template_file_renders_one_file(template, workspace):
    run("fetch:template:file", make_ctx(workspace, {"url": "./skeleton/README.md", "targetPath": "docs/README.md",
                                                    "values": {"name": "one"}}, base=base_of(template)))
    assert (workspace / "docs" / "README.md").read_text() == "# one\n"


def test_fetch_template_file_keeps_an_existing_file_unless_replace(template, workspace):
    (workspace / "README.md").write_text("mine")
    inputs = {"url": "./skeleton/README.md", "targetPath": "README.md", "values": {"name": "one"}}
    ctx = run("fetch:template:file", make_ctx(workspace, inputs, base=base_of(template)))
    assert (workspace / "README.md").read_text() == "mine" and "not replacing" in ctx.logs[-1]
    run("fetch:template:file", make_ctx(workspace, {**inputs, "replace": True}, base=base_of(template)))
    assert (workspace / "README.md").read_text() == "# one\n"


def test_fetch_template_file_from_the_git_host(git_template, workspace):
    run("fetch:template:file", make_ctx(workspace, {"url": "./skeleton/README.md", "targetPath": "R.md",
                                                    "values": {"name": "gh"}}, base=git_template))
    assert (workspace / "R.md").read_text() == "# gh\n"


def test_actions_describe_themselves():
    for action in fetch_actions.ACTIONS:
        assert action.supports_dry_run and action.description
        assert action.input_schema["required"][0] == "url"
        for name, prop in action.input_schema["properties"].items():
            assert prop.get("title") and prop.get("description"), (action.id, name)


def test_a_broken_expression_in_a_file_name_names_the_entry(template, workspace):
    (template / "skeleton" / "${{ values.name | nosuchfilter }}.txt").write_text("x")
    with pytest.raises(ActionError, match=r"url: cannot render the name of '\$\{\{ values.name \| nosuchfilter"):
        run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "a"}},
                                       base=base_of(template)))


@pytest.mark.parametrize("pattern", [".github/workflows/", ".github/workflows", "./.github/", ".github/**"])
def test_copy_without_templating_a_directory_copies_everything_under_it(template, workspace, pattern):
    # Backstage's globby expands a directory pattern to everything under it (dir-glob), so GitHub
    # Actions expressions are copied verbatim; Paved used to match only the directory entry.
    skeleton = template / "skeleton"
    (skeleton / ".github" / "workflows").mkdir(parents=True)
    workflow = "jobs:\n  build:\n    steps:\n      - run: echo ${{ github.sha }} ${{ steps.x.outputs.y }}\n"
    (skeleton / ".github" / "workflows" / "ci.yml").write_text(workflow)
    ctx = run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "ci"},
                                                     "copyWithoutTemplating": [pattern]}, base=base_of(template)))
    assert (workspace / ".github" / "workflows" / "ci.yml").read_text() == workflow
    assert (workspace / "README.md").read_text() == "# ci\n"
    assert "(1 without templating)" in ctx.logs[-1]


def test_copy_without_render_a_directory_keeps_names_and_contents_under_it(template, workspace):
    skeleton = template / "skeleton"
    (skeleton / "docs" / "${{ values.name }}").mkdir(parents=True)
    (skeleton / "docs" / "${{ values.name }}" / "index.md").write_text("${{ values.name }}")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"name": "x"},
                                               "copyWithoutRender": ["docs/"]}, base=base_of(template)))
    assert (workspace / "docs" / "${{ values.name }}" / "index.md").read_text() == "${{ values.name }}"
    assert (workspace / "README.md").read_text() == "# x\n"


@pytest.mark.parametrize("patterns", [["{a,b}" * 20], ["a!(b)c"], ["*"] * 201, ["{a,b}{c,d}{e,f}{g,h}"] * 17])
def test_copy_without_templating_refuses_hostile_patterns_naming_them(template, workspace, patterns):
    ctx = make_ctx(workspace, {"url": "./skeleton", "copyWithoutTemplating": patterns}, base=base_of(template))
    with pytest.raises(ActionInputError, match="copyWithoutTemplating"):
        run("fetch:template", ctx)


def test_copy_without_templating_exclusion_filter_as_backstage_tests_it(template, workspace):
    # Backstage's fetch/template.test.ts "with exclusion filter": a later `!` pattern takes a file
    # back out of copyWithoutTemplating, so it is rendered.
    skeleton = template / "skeleton"
    (skeleton / ".unprocessed").mkdir()
    (skeleton / ".unprocessed" / "templated-content-${{ values.name }}.txt").write_text("${{ values.count }}")
    (skeleton / ".unprocessed" / "templated-process-content-${{ values.name }}.txt").write_text("${{ values.count }}")
    run("fetch:template", make_ctx(workspace, {
        "url": "./skeleton", "values": {"name": "test-project", "count": 1234},
        "copyWithoutTemplating": [".unprocessed", "!*/templated-process-content-${{ values.name }}.txt"]},
        base=base_of(template)))
    unprocessed = workspace / ".unprocessed"
    assert (unprocessed / "templated-process-content-test-project.txt").read_text() == "1234"
    assert (unprocessed / "templated-content-test-project.txt").read_text() == "${{ values.count }}"


@pytest.mark.parametrize(("flags", "expected"), [
    ({}, "list:\n  \n  - a\n  \n  - b\n  \n"),
    ({"trimBlocks": True}, "list:\n    - a\n    - b\n  "),
    ({"lstripBlocks": True}, "list:\n\n  - a\n\n  - b\n\n"),
    ({"trimBlocks": True, "lstripBlocks": True}, "list:\n  - a\n  - b\n"),
])
def test_trim_blocks_and_lstrip_blocks_apply_as_in_nunjucks(template, workspace, flags, expected):
    # fetch:template passes trimBlocks / lstripBlocks to nunjucks' configure (SecureTemplater nunjucksConfigs).
    skeleton = template / "skeleton"
    (skeleton / "list.yaml").write_text("list:\n  {% for x in values.items %}\n  - ${{ x }}\n  {% endfor %}\n")
    run("fetch:template", make_ctx(workspace, {"url": "./skeleton", "values": {"items": ["a", "b"]}, **flags},
                                   base=base_of(template)))
    assert (workspace / "list.yaml").read_text() == expected
