"""`fetch:plain`, `fetch:plain:file`, `fetch:template`, `fetch:template:file` (Backstage semantics).

Where files come from, and which sources are refused, is scaffolding/lib/fetch_source.py.
Rendering follows Backstage's fetch:template: file and folder names are rendered too, and a name
segment rendering to "" skips the entry (how templates make files conditional); binary files and
files matching copyWithoutTemplating are copied as they are.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError, resolve_inside
from scaffolding.actions.filesystem import walk_entries
from scaffolding.lib.expressions import ExpressionError, render_path, render_skeleton
from scaffolding.lib.fetch_source import fetch_file, fetch_into
from scaffolding.lib.globmatch import GlobError, globby_select

URL = {"title": "Fetch URL", "type": "string",
       "description": "Relative path or absolute URL pointing to the directory tree to fetch"}
FILE_URL = {"title": "Fetch URL", "type": "string",
            "description": "Relative path or absolute URL pointing to the single file to fetch"}
TARGET_DIR = {"title": "Target Path", "type": "string",
              "description": "Target path within the working directory to download the contents to. "
                             "Defaults to the working directory root."}
TARGET_FILE = {"title": "Target Path", "type": "string",
               "description": "Target path within the working directory to download the file as."}
TOKEN = {"title": "Token", "type": "string",
         "description": "An optional token to use for authentication when reading the resources "
                        "(not needed for the built-in git host; ignored)."}
VALUES = {"title": "Template Values", "type": "object",
          "description": "Values to pass on to the templating engine"}
COOKIECUTTER = {"title": "Cookiecutter compatibility mode", "type": "boolean",
                "description": "Enable features to maximise compatibility with templates built for "
                               "fetch:cookiecutter: `{{ cookiecutter.x }}` instead of `${{ values.x }}`"}
REPLACE = {"title": "Replace files", "type": "boolean",
           "description": "If set, replace files in targetPath instead of skipping existing ones."}
TRIM_BLOCKS = {"title": "Trim Blocks", "type": "boolean",
               "description": "If set, the first newline after a block is removed (block, not variable tag!)."}
LSTRIP_BLOCKS = {"title": "Lstrip Blocks", "type": "boolean",
                 "description": "If set, leading spaces and tabs are stripped from the start of a line to a block."}
NO_OUTPUT = {"type": "object", "properties": {}}


def _example(action_id: str, step_input: str) -> list[dict]:
    return [{"description": f"Use {action_id}.",
             "example": f"steps:\n  - id: fetch\n    action: {action_id}\n    input:\n{step_input}"}]


def _values(ctx: ActionContext) -> dict:
    values = ctx.input.get("values")
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ActionInputError(f"values: expected an object (key: value pairs), got {type(values).__name__}")
    return values


def _file_target(ctx: ActionContext) -> Path:
    raw = ctx.input.get("targetPath")
    if not isinstance(raw, str) or not raw.strip():
        raise ActionInputError("targetPath: a file path inside the workspace is required")
    target = ctx.resolve_path(raw, field_name="targetPath")
    if target == ctx.workspace.resolve() or target.is_dir():
        raise ActionInputError(f"targetPath: {raw!r} is a directory; expected a file path")
    return target


def _is_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _write(path: Path, data: bytes, *, mode: int | None = None, what: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mode is not None:
            os.chmod(path, mode | 0o600)
    except OSError as exc:
        raise ActionError(f"writing {what} failed: {exc.strerror or exc}") from None


class FetchPlain(Action):
    id = "fetch:plain"
    builds_files = True
    description = "Downloads content and places it in the workspace, or optionally in a subdirectory " \
                  "specified by the `targetPath` input option."
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["url"],
                    "properties": {"url": URL, "targetPath": TARGET_DIR, "token": TOKEN}}
    output_schema = NO_OUTPUT
    examples = _example("fetch:plain", "      url: ./skeleton\n      targetPath: ./app\n")

    def run(self, ctx: ActionContext) -> None:
        target_path = ctx.input.get("targetPath") or "./"
        dest = ctx.resolve_path(target_path, field_name="targetPath")
        count = fetch_into(base=ctx.template_base, url=ctx.input.get("url"), dest=dest, log=ctx.log,
                           reader=ctx.user)
        ctx.log(f"Fetched {count} files from {ctx.input.get('url')} into {target_path}")


class FetchPlainFile(Action):
    id = "fetch:plain:file"
    builds_files = True
    description = "Downloads single file and places it in the workspace."
    supports_dry_run = True
    input_schema = {"type": "object", "required": ["url", "targetPath"],
                    "properties": {"url": FILE_URL, "targetPath": TARGET_FILE, "token": TOKEN}}
    output_schema = NO_OUTPUT
    examples = _example("fetch:plain:file", "      url: ./files/LICENSE\n      targetPath: LICENSE\n")

    def run(self, ctx: ActionContext) -> None:
        target = _file_target(ctx)
        data = fetch_file(base=ctx.template_base, url=ctx.input.get("url"), reader=ctx.user)
        _write(target, data, what=f"targetPath {ctx.input['targetPath']!r}")
        ctx.log(f"Fetched {ctx.input.get('url')} into {ctx.input['targetPath']}")


@dataclass
class TemplateOptions:
    values: dict
    patterns: list  # glob patterns, matched as Backstage's globby does (scaffolding/lib/globmatch.py)
    render_filename: bool  # copyWithoutTemplating: matched files keep templated *paths*
    cookiecutter: bool
    extension: str | None
    replace: bool
    trim_blocks: bool = False
    lstrip_blocks: bool = False
    counts: dict = field(default_factory=lambda: {"written": 0, "verbatim": 0, "kept": 0, "skipped": 0})


def _patterns(ctx: ActionContext) -> tuple[list, bool]:
    without_render = ctx.input.get("copyWithoutRender")
    without_templating = ctx.input.get("copyWithoutTemplating")
    if without_render is not None and without_templating is not None:
        raise ActionInputError("copyWithoutRender and copyWithoutTemplating cannot be used together; "
                               "use copyWithoutTemplating (copyWithoutRender is deprecated)")
    name = "copyWithoutTemplating" if without_templating is not None else "copyWithoutRender"
    patterns = without_templating if without_templating is not None else without_render
    if patterns is None:
        return [], False
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip() for p in patterns):
        raise ActionInputError(f"{name}: expected a list of glob patterns, got {patterns!r}")
    for pattern in patterns:
        try:  # refuse a pattern that cannot be matched before fetching anything
            globby_select(pattern[1:] if pattern.startswith("!") else pattern, {})
        except GlobError as exc:
            raise ActionInputError(f"{name}: {pattern!r}: {exc}") from None
    try:
        globby_select(patterns, {})
    except GlobError as exc:
        raise ActionInputError(f"{name}: {exc}") from None
    return list(patterns), without_templating is not None


def _extension(ctx: ActionContext) -> str | None:
    raw = ctx.input.get("templateFileExtension")
    if raw is None or raw is False:
        return None
    if raw is True:
        return ".njk"
    if not isinstance(raw, str) or not raw.strip(".").strip():
        raise ActionInputError(f"templateFileExtension: expected true or an extension such as '.njk', got {raw!r}")
    return raw if raw.startswith(".") else f".{raw}"


def _is_skipped(path: str) -> bool:
    # Backstage: a name segment that rendered to "" leaves "", a leading "/" or a "//" behind.
    return path == "" or path.startswith("/") or "//" in path or path.endswith("/")


class FetchTemplate(Action):
    id = "fetch:template"
    builds_files = True
    description = "Downloads a skeleton, templates variables into file and directory names and content, " \
                  "and places the result in the workspace, or optionally in a subdirectory specified by " \
                  "the `targetPath` input option."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": URL,
            "targetPath": TARGET_DIR,
            "values": VALUES,
            "copyWithoutRender": {
                "title": "[Deprecated] Copy Without Render", "type": "array", "items": {"type": "string"},
                "description": "An array of glob patterns. Any files or directories which match are copied "
                               "without being processed as templates (their paths are not rendered either)."},
            "copyWithoutTemplating": {
                "title": "Copy Without Templating", "type": "array", "items": {"type": "string"},
                "description": "An array of glob patterns. Contents of matched files or directories are "
                               "copied without being processed, but paths are subject to rendering."},
            "cookiecutterCompat": COOKIECUTTER,
            "templateFileExtension": {
                "title": "Template File Extension", "type": ["string", "boolean"],
                "description": "If set, only files with the given extension will be templated (and the "
                               "extension removed). If set to `true`, the default extension `.njk` is used."},
            "replace": REPLACE,
            "trimBlocks": TRIM_BLOCKS,
            "lstripBlocks": LSTRIP_BLOCKS,
            "token": TOKEN,
        },
    }
    output_schema = NO_OUTPUT
    examples = _example("fetch:template", "      url: ./skeleton\n      targetPath: ./app\n"
                                          "      values:\n        name: ${{ parameters.name }}\n")

    def run(self, ctx: ActionContext) -> None:
        options = self.options(ctx)
        target_path = ctx.input.get("targetPath") or "./"
        out_dir = ctx.resolve_path(target_path, field_name="targetPath")
        with tempfile.TemporaryDirectory(prefix="paved-template-") as tmp:
            template_dir = Path(tmp) / "template"
            fetch_into(base=ctx.template_base, url=ctx.input.get("url"), dest=template_dir, log=ctx.log,
                       reader=ctx.user)
            render_tree(ctx, template_dir, out_dir, options)
        c = options.counts
        ctx.log(f"Templated {ctx.input.get('url')} into {target_path}: {c['written']} files written "
                f"({c['verbatim']} without templating), {c['kept']} existing kept, {c['skipped']} skipped")

    @staticmethod
    def options(ctx: ActionContext) -> TemplateOptions:
        patterns, render_filename = _patterns(ctx)
        cookiecutter = bool(ctx.input.get("cookiecutterCompat"))
        extension = _extension(ctx)
        if extension and (patterns or cookiecutter):
            raise ActionInputError("templateFileExtension cannot be combined with copyWithoutRender, "
                                   "copyWithoutTemplating or cookiecutterCompat")
        return TemplateOptions(values=_values(ctx), patterns=patterns, render_filename=render_filename,
                               cookiecutter=cookiecutter, extension=extension, replace=bool(ctx.input.get("replace")),
                               trim_blocks=ctx.input.get("trimBlocks") is True,
                               lstrip_blocks=ctx.input.get("lstripBlocks") is True)


def render_tree(ctx: ActionContext, template_dir: Path, out_dir: Path, options: TemplateOptions) -> None:
    """Render every entry of `template_dir` into `out_dir`, Backstage's fetch:template loop."""
    locations = list(walk_entries(template_dir))
    verbatim: set[str] = set()
    if options.patterns and not options.extension:
        entries = {location: (template_dir / location).is_dir() and not (template_dir / location).is_symlink()
                   for location in locations}
        try:
            verbatim = globby_select(options.patterns, entries)
        except GlobError as exc:
            raise ActionInputError(f"copyWithoutTemplating: {exc}") from None
    for location in locations:
        ctx.check_cancelled()
        source = template_dir / location
        is_dir = source.is_dir()
        if options.extension:
            render_contents = not is_dir and location.endswith(options.extension)
            local = location[: -len(options.extension)] if render_contents else location
            render_name = True
        else:
            render_contents = location not in verbatim
            local, render_name = location, options.render_filename or render_contents
        try:
            if render_name:
                local = render_path(local, options.values, cookiecutter_compat=options.cookiecutter)
        except ExpressionError as exc:
            raise ActionError(f"url: cannot render the name of {location!r}: {exc}") from None
        if _is_skipped(local):
            options.counts["skipped"] += 1
            ctx.log(f"Skipped {location}: its name renders to {local!r}")
            continue
        try:
            dest = resolve_inside(out_dir, local, field_name="url")
        except ActionInputError:
            raise ActionInputError(f"url: the skeleton entry {location!r} renders to {local!r}, which leaves "
                                   "targetPath; refusing to write it") from None
        if os.path.lexists(dest) and not options.replace:
            if not is_dir:
                options.counts["kept"] += 1
            continue
        if is_dir:
            _write_dir(dest, location)
        else:
            _write_file(source, dest, location, render_contents, options)


def _write_dir(dest: Path, location: str) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ActionError(f"writing the directory {location!r} failed: {exc.strerror or exc}") from None


def _write_file(source: Path, dest: Path, location: str, render_contents: bool, options: TemplateOptions) -> None:

    data = source.read_bytes()
    if render_contents and not _is_binary(data):
        try:
            text = render_skeleton(data.decode("utf-8"), options.values, cookiecutter_compat=options.cookiecutter,
                                   name=location, trim_blocks=options.trim_blocks,
                                   lstrip_blocks=options.lstrip_blocks)
        except ExpressionError as exc:
            raise ActionError(f"url: cannot render {location!r}: {exc}") from None
        data = text.encode("utf-8")
    else:
        options.counts["verbatim"] += 1
    options.counts["written"] += 1
    _write(dest, data, mode=source.stat().st_mode & 0o777, what=repr(location))


class FetchTemplateFile(Action):
    id = "fetch:template:file"
    builds_files = True
    description = "Downloads a single file and templates variables into it, then places it in the workspace."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "required": ["url", "targetPath"],
        "properties": {"url": FILE_URL, "targetPath": TARGET_FILE, "values": VALUES,
                       "cookiecutterCompat": COOKIECUTTER, "replace": REPLACE, "token": TOKEN,
                       "trimBlocks": TRIM_BLOCKS, "lstripBlocks": LSTRIP_BLOCKS},
    }
    output_schema = NO_OUTPUT
    examples = _example("fetch:template:file", "      url: ./files/README.md\n      targetPath: README.md\n"
                                               "      values:\n        name: ${{ parameters.name }}\n")

    def run(self, ctx: ActionContext) -> None:

        target = _file_target(ctx)
        values = _values(ctx)
        if os.path.lexists(target) and not ctx.input.get("replace"):
            ctx.log(f"{ctx.input['targetPath']} already exists in the workspace; not replacing it")
            return
        url = ctx.input.get("url")
        data = fetch_file(base=ctx.template_base, url=url, reader=ctx.user)
        if not _is_binary(data):
            try:
                text = render_skeleton(data.decode("utf-8"), values,
                                       cookiecutter_compat=bool(ctx.input.get("cookiecutterCompat")), name=str(url),
                                       trim_blocks=ctx.input.get("trimBlocks") is True,
                                       lstrip_blocks=ctx.input.get("lstripBlocks") is True)
            except ExpressionError as exc:
                raise ActionError(f"url: cannot render {url!r}: {exc}") from None
            data = text.encode("utf-8")
        _write(target, data, what=f"targetPath {ctx.input['targetPath']!r}")
        ctx.log(f"Templated {url} into {ctx.input['targetPath']}")


ACTIONS = [FetchPlain(), FetchPlainFile(), FetchTemplate(), FetchTemplateFile()]
