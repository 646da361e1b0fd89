"""fetch:cookiecutter: Backstage's layout and values overlay, and a template author who tries to get
out of cookiecutter (Jinja attribute escapes, extensions, hooks, env vars, links, huge output)."""

import json
from functools import partial
from pathlib import Path

import pytest

from scaffolding.actions.base import ActionError, ActionInputError
from scaffolding.actions.cookiecutter import FetchCookiecutter
from scaffolding.tests.helpers import ada_ctx

make_ctx = partial(ada_ctx, step_id="cookiecutter")


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def template(tmp_path, settings) -> Path:
    """A template folder holding a cookiecutter skeleton, as Backstage's fetch:cookiecutter reads it."""
    root = tmp_path / "templates" / "py"
    skeleton = root / "skeleton"
    (skeleton / "src").mkdir(parents=True)
    (skeleton / "cookiecutter.json").write_text(json.dumps({
        "name": "Demo", "slug": "{{ cookiecutter.name|lower|replace(' ', '-') }}",
        "_copy_without_render": ["*.yml"]}))
    (skeleton / "README.md").write_text("# {{ cookiecutter.name }} ({{ cookiecutter.slug }})\n")
    (skeleton / "src" / "{{cookiecutter.slug}}.py").write_text("NAME = '{{ cookiecutter.name }}'\n")
    (skeleton / "ci.yml").write_text("sha: ${{ github.sha }} {{ cookiecutter.name }}\n")
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "templates")]
    return root


def run(workspace, template, **inputs):
    ctx = make_ctx(workspace, {"url": "./skeleton", **inputs}, base=f"file:{template}/")
    FetchCookiecutter().run(ctx)
    return ctx


def test_renders_names_and_contents_with_values_over_the_defaults(workspace, template):
    ctx = run(workspace, template, values={"name": "Orders API"}, copyWithoutRender=["*.yml"],
              imageName="spotify/backstage-cookiecutter")
    assert (workspace / "README.md").read_text() == "# Orders API (orders-api)\n"
    assert (workspace / "src" / "orders-api.py").read_text() == "NAME = 'Orders API'\n"
    assert any("imageName 'spotify/backstage-cookiecutter' ignored" in line for line in ctx.logs)


def test_copy_without_render_comes_from_the_input_only(workspace, template):
    # Backstage overlays `_copy_without_render: ctx.input.copyWithoutRender`; absent, the key is dropped
    # (JSON.stringify leaves out undefined), so the template's own list no longer applies.
    with pytest.raises(ActionError, match="'github' is undefined") as failure:
        run(workspace, template, values={"name": "x"})
    assert "Context" not in str(failure.value) and "/tmp" not in str(failure.value), "no server paths"
    run(workspace, template, values={"name": "x"}, copyWithoutRender=["*.yml"])
    assert (workspace / "ci.yml").read_text() == "sha: ${{ github.sha }} {{ cookiecutter.name }}\n"


def test_target_path_and_its_fence(workspace, template):
    run(workspace, template, values={"name": "a b"}, copyWithoutRender=["*.yml"], targetPath="app")
    assert (workspace / "app" / "src" / "a-b.py").exists()
    with pytest.raises(ActionInputError, match="targetPath"):
        run(workspace, template, values={"name": "x"}, targetPath="../out")


@pytest.mark.parametrize("content, message", [
    ("{{ cookiecutter.__class__.__mro__ }}", "unsafe"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
    ("{{ cookiecutter.missing }}", "missing"),
    ("{% if %}", "cookiecutter failed"),
])
def test_hostile_or_broken_templates_fail_with_a_message(workspace, template, content, message):
    (template / "skeleton" / "README.md").write_text(content)
    with pytest.raises(ActionError, match=message):
        run(workspace, template, values={"name": "x"}, copyWithoutRender=["*.yml"])


def test_extensions_are_allow_listed(workspace, template):
    with pytest.raises(ActionInputError, match="extensions: os.path is not an extension Paved loads"):
        run(workspace, template, values={"name": "x"}, extensions=["os.path"])
    (template / "skeleton" / "README.md").write_text("{% set xs = [] %}{% do xs.append(1) %}{{ xs }}")
    run(workspace, template, values={"name": "x"}, copyWithoutRender=["*.yml"], extensions=["jinja2.ext.do"])
    assert (workspace / "README.md").read_text() == "[1]"


def test_jinja_env_vars_may_only_change_syntax(workspace, template):
    with pytest.raises(ActionError, match="_jinja2_env_vars: finalize cannot be set"):
        run(workspace, template, values={"name": "x", "_jinja2_env_vars": {"finalize": "os.system"}},
            copyWithoutRender=["*.yml"])


def test_hooks_never_run_and_the_environment_is_clean(workspace, template, tmp_path, monkeypatch):
    from scaffolding.actions.base import ActionContext

    monkeypatch.setenv("PAVED_TEST_SECRET", "s3cret")
    seen = []
    real_run_command = ActionContext.run_command

    def run_command(self, args, **kwargs):  # what the child process is started with
        seen.append(kwargs)
        return real_run_command(self, args, **kwargs)

    monkeypatch.setattr(ActionContext, "run_command", run_command)
    hooks = template / "skeleton" / "hooks"
    hooks.mkdir()
    marker = tmp_path / "hook-ran"
    (hooks / "post_gen_project.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    run(workspace, template, values={"name": "x"}, copyWithoutRender=["*.yml", "hooks/*"])
    assert not marker.exists()
    assert (workspace / "hooks" / "post_gen_project.py").exists(), "copied as a file, like any other"
    assert seen and seen[0]["inherit_env"] is False and "PAVED_TEST_SECRET" not in seen[0]["env"]


def test_bad_inputs_name_the_field(workspace, template):
    with pytest.raises(ActionInputError, match="copyWithoutRender"):
        run(workspace, template, copyWithoutRender="*.yml")
    with pytest.raises(ActionInputError, match="values"):
        run(workspace, template, values=["x"])
    (template / "skeleton" / "cookiecutter.json").write_text("{not json")
    with pytest.raises(ActionError, match="cookiecutter.json is not valid JSON"):
        run(workspace, template, values={"name": "x"})


def test_huge_output_is_stopped(workspace, template):
    (template / "skeleton" / "big.txt").write_text("{{ 'x' * 200000000 }}")
    with pytest.raises(ActionError, match="cookiecutter"):
        run(workspace, template, values={"name": "x"}, copyWithoutRender=["*.yml"])
