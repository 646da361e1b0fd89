"""`fs:rename` and `fs:delete`: move and remove files inside the task's workspace, never outside."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import re2

from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError


def glob_regex(pattern: str):
    """A compiled regex for a glob over POSIX relative paths, as micromatch reads it with `dot: true`.

    `*` and `?` stay within one path segment, a `**` segment spans any number of them, `[...]`
    is a character class (`[!...]` negated) and `{a,b}` an alternation. "./" prefixes are ignored.
    """
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    segments = pattern.rstrip("/").split("/")
    regex = ""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
        else:
            regex += _segment_regex(segment) + ("" if last else "/")
    # RE2, not re: a template's glob such as `*a*a*a*a*a*a*b` backtracks exponentially in re and
    # would hold a worker; RE2 matches in linear time.
    return re2.compile("(?s)" + regex)


def _segment_regex(segment: str) -> str:
    out, i = "", 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[" and "]" in segment[i + 2:]:
            end = segment.index("]", i + 2)
            body = segment[i + 1:end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out += "[" + ("^" if negate else "") + body.replace("\\", "\\\\").replace("/", "") + "]"
            i = end
        elif char == "{" and "}" in segment[i:]:
            end = _closing_brace(segment, i)
            if end is None:
                out += re.escape(char)
            else:
                options = _split_top_level(segment[i + 1:end])
                out += "(?:" + "|".join(_segment_regex(option) for option in options) + ")"
                i = end
        else:
            out += re.escape(char)
        i += 1
    return out


def _closing_brace(text: str, start: int) -> int | None:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    return [*parts, current]


def walk_entries(root: Path) -> Iterator[str]:
    """Every file, directory and link under `root` as a POSIX relative path; links are not followed."""
    for current, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        rel_dir = os.path.relpath(current, root)
        for name in sorted(dirnames + filenames):
            yield os.path.normpath(os.path.join(rel_dir, name)).replace(os.sep, "/")


def workspace_entry(ctx: ActionContext, relative, *, field_name: str) -> Path:
    """The workspace entry `relative` names, its last component NOT followed if it is a link."""
    if not isinstance(relative, str) or not relative.strip():
        raise ActionInputError(f"{field_name}: expected a path inside the workspace, got {relative!r}")
    parent, name = posixpath.split(posixpath.normpath(relative.strip()))
    if name in ("", ".", ".."):
        raise ActionInputError(f"{field_name}: {relative!r} names the workspace itself or leaves it; "
                               "expected a file or directory inside the workspace")
    if relative.strip().startswith(("/", "\\")):
        parent = relative.strip()  # let resolve_path word the refusal of absolute paths
    return ctx.resolve_path(parent or ".", field_name=field_name) / name


def remove_entry(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


class FsRename(Action):
    id = "fs:rename"
    builds_files = True
    description = "Renames (moves) files and directories within the workspace."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "title": "Files",
                "description": "A list of files and directories that will be renamed",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["from", "to"],
                    "properties": {
                        "from": {"title": "From", "type": "string",
                                 "description": "The source location of the file to be renamed"},
                        "to": {"title": "To", "type": "string",
                               "description": "The destination of the new file"},
                        "overwrite": {"title": "Overwrite", "type": "boolean", "default": False,
                                      "description": "Overwrite existing file or directory, default is false"},
                    },
                },
            },
        },
    }
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Rename a file.", "example": (
        "steps:\n  - action: fs:rename\n    id: renameFiles\n    name: Rename files\n    input:\n      files:\n"
        "        - from: file1.txt\n          to: file1Renamed.txt\n")}]

    def run(self, ctx: ActionContext) -> None:
        files = ctx.input.get("files")
        if not isinstance(files, list):
            raise ActionInputError("files: expected a list of {from, to} items")
        for index, item in enumerate(files):
            ctx.check_cancelled()
            field = f"files[{index}]"
            if not isinstance(item, dict) or not item.get("from") or not item.get("to"):
                raise ActionInputError(f"{field}: each file must have a 'from' and a 'to' path")
            source = workspace_entry(ctx, item["from"], field_name=f"{field}.from")
            target = workspace_entry(ctx, item["to"], field_name=f"{field}.to")
            self._move(source, target, item, field)
            ctx.log(f"Renamed {item['from']} to {item['to']}")

    @staticmethod
    def _move(source: Path, target: Path, item: dict, field: str) -> None:
        if not os.path.lexists(source):
            raise ActionError(f"{field}.from: {item['from']!r} does not exist in the workspace")
        if source == target:
            raise ActionInputError(f"{field}: 'from' and 'to' are the same path ({item['from']!r})")
        if source in target.parents:
            raise ActionInputError(f"{field}.to: cannot move {item['from']!r} into itself ({item['to']!r})")
        try:
            if os.path.lexists(target):
                if not item.get("overwrite"):
                    raise ActionError(f"{field}.to: {item['to']!r} already exists; set overwrite: true to "
                                      "replace it")
                remove_entry(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except OSError as exc:
            raise ActionError(f"{field}: renaming {item['from']!r} to {item['to']!r} failed: "
                              f"{exc.strerror or exc}") from None


class FsDelete(Action):
    id = "fs:delete"
    builds_files = True
    description = "Deletes files and directories from the workspace; entries are glob patterns."
    supports_dry_run = True
    input_schema = {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "title": "Files",
                "description": "A list of files and directories that will be deleted. Glob patterns relative "
                               "to the workspace are supported (`**/*.md`).",
                "type": "array",
                "items": {"type": "string"},
            },
        },
    }
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Delete files.", "example": (
        "steps:\n  - action: fs:delete\n    id: deleteFiles\n    name: Delete files\n    input:\n      files:\n"
        "        - file1.txt\n        - 'docs/**/*.md'\n")}]

    def run(self, ctx: ActionContext) -> None:
        patterns = ctx.input.get("files")
        if not isinstance(patterns, list):
            raise ActionInputError("files: expected a list of paths or glob patterns")
        root = ctx.workspace.resolve()
        for index, pattern in enumerate(patterns):
            ctx.check_cancelled()
            field = f"files[{index}]"
            regex = self._pattern(pattern, field)
            matches = [rel for rel in walk_entries(root) if regex.fullmatch(rel)]
            if not matches:
                ctx.log(f"No files matched {pattern}")
            for rel in matches:  # parents come before their children, so some are already gone
                path = workspace_entry(ctx, rel, field_name=field)
                if not os.path.lexists(path):
                    continue
                try:
                    remove_entry(path)
                except OSError as exc:
                    raise ActionError(f"{field}: deleting {rel!r} failed: {exc.strerror or exc}") from None
                ctx.log(f"Deleted {rel}")

    @staticmethod
    def _pattern(pattern, field: str) -> re.Pattern:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ActionInputError(f"{field}: expected a path or glob pattern inside the workspace, got {pattern!r}")
        text = pattern.strip()
        if text.startswith(("/", "\\")) or "\x00" in text:
            raise ActionInputError(f"{field}: {pattern!r} is absolute; expected a path inside the workspace")
        segments = [s for s in text.split("/") if s not in ("", ".")]
        if ".." in segments:
            raise ActionInputError(f"{field}: {pattern!r} contains '..'; only paths inside the workspace "
                                   "may be deleted")
        if not segments:
            raise ActionInputError(f"{field}: {pattern!r} names the workspace itself")
        return glob_regex(text)


ACTIONS = [FsRename(), FsDelete()]
