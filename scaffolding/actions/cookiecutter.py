"""`fetch:cookiecutter`: Backstage's cookiecutter module, with cookiecutter (the Python package) run
locally in a sandboxed child process instead of a Docker image.

Follows plugins/scaffolder-backend-module-cookiecutter/src/actions/fetch/cookiecutter.ts: the
fetched tree becomes the project directory `{{cookiecutter and 'contents'}}` of a cookiecutter
template whose cookiecutter.json is the fetched one overlaid with `values`, `_copy_without_render`
and `_extensions` (the last two from the inputs; when an input is absent its key is dropped, as
JSON.stringify drops Backstage's `undefined`). cookiecutter runs with --no-input, and the generated
project is copied into `targetPath`. `imageName` picks a Docker image in Backstage; Paved runs no
Docker, so it is ignored with a log line. scaffolding/lib/cookiecutter_sandbox.py says how the
child is contained (sandboxed Jinja, allow-listed extensions, no hooks, resource limits).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError, resolve_inside
from scaffolding.actions.fetch import TARGET_DIR, URL, VALUES, _values
from scaffolding.lib import cookiecutter_sandbox
from scaffolding.lib.fetch_source import fetch_into

PROJECT_DIR = "{{cookiecutter and 'contents'}}"
MAX_COOKIECUTTER_JSON_BYTES = 1024 * 1024


def _string_list(ctx: ActionContext, name: str) -> list[str] | None:
    value = ctx.input.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ActionInputError(f"{name}: Fetch action input {name} must be an Array of strings")
    return value


def _template_json(contents: Path) -> dict:
    path = contents / "cookiecutter.json"
    if not path.is_file():
        return {}
    if path.stat().st_size > MAX_COOKIECUTTER_JSON_BYTES:
        raise ActionError("url: the template's cookiecutter.json is larger than 1 MB")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ActionError(f"url: the template's cookiecutter.json is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ActionError("url: the template's cookiecutter.json must hold an object")
    return data


def _copy_result(source: Path, dest: Path, ctx: ActionContext) -> int:
    """fs.copy(resultDir, outputPath): overwrite files, keep the rest; links are left out (a link could
    lead out of the workspace, and the git host refuses them)."""
    count = 0
    for current, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames.sort()
        relative_dir = Path(current).relative_to(source)
        for name in sorted(dirnames + filenames):
            entry = Path(current) / name
            relative = (relative_dir / name).as_posix()
            if entry.is_symlink():
                ctx.log(f"Skipped the link {relative}")
                if name in dirnames:
                    dirnames.remove(name)
                continue
            target = resolve_inside(dest, relative, field_name="targetPath")
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(entry, target)
                shutil.copymode(entry, target)
                count += 1
    return count


class FetchCookiecutter(Action):
    id = "fetch:cookiecutter"
    builds_files = True
    supports_dry_run = True  # it only writes in the workspace
    description = "Downloads a template from the given URL into the workspace, and runs cookiecutter on it."
    input_schema = {"type": "object", "required": ["url"], "properties": {
        "url": URL,
        "targetPath": TARGET_DIR,
        "values": {**VALUES, "description": "Values to pass on to cookiecutter for templating"},
        "copyWithoutRender": {"title": "Copy Without Render", "type": "array", "items": {"type": "string"},
                              "description": "Avoid rendering directories and files in the template"},
        "extensions": {"title": "Template Extensions", "type": "array", "items": {"type": "string"},
                       "description": "Jinja2 extensions to add filters, tests, globals or extend the parser "
                                      "(Paved loads cookiecutter's own and jinja2's do/loopcontrols/debug)."},
        "imageName": {"title": "Cookiecutter Docker image", "type": "string",
                      "description": "Ignored: Paved runs cookiecutter itself, without Docker."},
    }}
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Fetch and template a cookiecutter template.", "example": (
        "steps:\n  - id: fetch\n    action: fetch:cookiecutter\n    input:\n      url: ./skeleton\n"
        "      values:\n        name: ${{ parameters.name }}\n")}]

    def run(self, ctx: ActionContext) -> None:
        values = _values(ctx)
        copy_without_render = _string_list(ctx, "copyWithoutRender")
        extensions = _string_list(ctx, "extensions")
        refused = [name for name in extensions or [] if name not in cookiecutter_sandbox.EXTENSIONS]
        if refused:
            raise ActionInputError(f"extensions: {', '.join(refused)} is not an extension Paved loads; allowed: "
                                   f"{', '.join(sorted(cookiecutter_sandbox.EXTENSIONS))}")
        if ctx.input.get("imageName"):
            ctx.log(f"imageName {ctx.input['imageName']!r} ignored: Paved runs cookiecutter itself, without Docker")
        target_path = ctx.input.get("targetPath") or "./"
        dest = ctx.resolve_path(target_path, field_name="targetPath")
        ctx.log("Fetching and then templating using cookiecutter")
        with tempfile.TemporaryDirectory(prefix="paved-cookiecutter-") as scratch:
            work = Path(scratch)
            template_dir, output_dir, home = work / "template", work / "intermediate", work / "home"
            contents = template_dir / PROJECT_DIR
            for folder in (output_dir, home):
                folder.mkdir(parents=True)
            fetch_into(base=ctx.template_base, url=ctx.input.get("url"), dest=contents, log=ctx.log,
                       reader=ctx.user)
            overlay = {"_copy_without_render": copy_without_render, "_extensions": extensions}
            cookie_info = {**_template_json(contents), **values}
            for key, value in overlay.items():
                cookie_info.pop(key, None)
                if value is not None:
                    cookie_info[key] = value
            (template_dir / "cookiecutter.json").write_text(json.dumps(cookie_info))
            generated = self._run_cookiecutter(ctx, template_dir, output_dir, home)
            count = _copy_result(generated, dest, ctx)
        ctx.log(f"cookiecutter wrote {count} files into {target_path}")

    @staticmethod
    def _run_cookiecutter(ctx: ActionContext, template_dir: Path, output_dir: Path, home: Path) -> Path:
        program = [sys.executable, "-I", str(Path(cookiecutter_sandbox.__file__).resolve()), str(template_dir),
                   str(output_dir)]
        env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        out = ctx.run_command(program, cwd=home, env=env, inherit_env=False).stdout
        try:
            answer = json.loads(out or b"{}")
        except ValueError:
            answer = {}
        if "error" in answer:
            # cookiecutter appends the whole context, which names the scratch folders: keep the reason only.
            reason = str(answer["error"]).split(". Context: ")[0].replace(str(template_dir.parent), "")
            raise ActionError(f"cookiecutter failed: {reason}")
        if "project" not in answer:
            raise ActionError("cookiecutter stopped without an answer (out of memory or CPU time)")
        generated = [entry for entry in output_dir.iterdir() if entry.is_dir() and not entry.is_symlink()]
        if not generated:
            raise ActionError("No data generated by cookiecutter")
        return generated[0]


ACTIONS = [FetchCookiecutter()]
