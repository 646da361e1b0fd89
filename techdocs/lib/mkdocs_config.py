"""Vet a project's mkdocs.yml before mkdocs ever loads it.

mkdocs' own loader builds Python objects from `!!python/name:` tags, imports every plugin and
Markdown extension it is told about and runs `hooks:` files: a docs repository could run any
code on the worker. So the file is first read with a *safe* loader that knows only mkdocs'
harmless `!ENV` and `!relative` tags, then checked against allow-lists. Only a vetted config
is written back (with techdocs-core added) for mkdocs to load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")

# techdocs-core and what it bundles (search, monorepo, gh-admonitions) or depends on (redirects).
ALLOWED_PLUGINS = frozenset({"techdocs-core", "search", "monorepo", "gh-admonitions", "redirects"})

# Python-Markdown's own extensions, pymdown-extensions, and those techdocs-core turns on itself.
ALLOWED_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code", "footnotes",
    "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc",
    "wikilinks", "markdown_inline_graphviz", "plantuml_markdown", "mdx_truly_sane_lists",
    "material.extensions.emoji",
})
ALLOWED_EXTENSION_PREFIXES = ("pymdownx.", "markdown.extensions.")


class ConfigRefused(Exception):
    """The configuration cannot be built safely; the message says why, for the entity page."""


class EnvTag(list):
    """`!ENV VAR` or `!ENV [VAR, default]`, kept as written."""


class RelativeTag(str):
    """`!relative [path]`, kept as written."""


class _SafeLoader(yaml.SafeLoader):
    pass


def _env(loader, node):
    if isinstance(node, yaml.ScalarNode):
        return EnvTag([loader.construct_scalar(node)])
    return EnvTag(loader.construct_sequence(node))


def _relative(loader, node):
    return RelativeTag(loader.construct_scalar(node))


def _refuse(loader, tag_suffix, node):
    raise ConfigRefused(
        f"line {node.start_mark.line + 1}: the YAML tag {node.tag!r} is not allowed "
        "(only !ENV and !relative are; Python tags would run code on the build worker)."
    )


_SafeLoader.add_constructor("!ENV", _env)
_SafeLoader.add_constructor("!relative", _relative)
_SafeLoader.add_multi_constructor("", _refuse)
_SafeLoader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(EnvTag, lambda d, v: d.represent_sequence("!ENV", list(v), flow_style=True))
_Dumper.add_representer(RelativeTag, lambda d, v: d.represent_scalar("!relative", str(v)))


@dataclass
class VettedConfig:
    """A config that passed every check, ready to be written for mkdocs."""

    path: Path | None  # None when generated from docs/ (no mkdocs.yml in the source)
    data: dict
    docs_dir: Path
    plugins: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    parents: list[Path] = field(default_factory=list)  # INHERIT chain, inside the source root


def find_config(source_dir: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (source_dir / name).is_file():
            return source_dir / name
    return None


def load_safely(path: Path, *, label: str) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigRefused(f"{label} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    except OSError as exc:
        raise ConfigRefused(f"{label} cannot be read: {exc.strerror}.") from None
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - _SafeLoader derives from SafeLoader
    except ConfigRefused as exc:
        raise ConfigRefused(f"{label}, {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigRefused(f"{label} is not valid YAML ({where.strip() or 'unknown position'}: {problem}).") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigRefused(f"{label} must be a mapping of settings, not {type(data).__name__}.")
    return data


def _names(value, *, what: str, label: str) -> list[str]:
    """Plugin or extension names from mkdocs' list-or-mapping forms."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(k) for k in value]
    if not isinstance(value, list):
        raise ConfigRefused(f"{label}: `{what}` must be a list.")
    names = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            names.append(str(next(iter(item))))
        else:
            raise ConfigRefused(f"{label}: an entry of `{what}` is neither a name nor a single-key mapping.")
    return names


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _extension_allowed(name: str) -> bool:
    return name in ALLOWED_EXTENSIONS or name.startswith(ALLOWED_EXTENSION_PREFIXES)


def vet_config(*, source_dir: Path, default_site_name: str) -> VettedConfig:
    """Read and check the project's mkdocs.yml (or build techdocs-cli's default from docs/)."""
    root = source_dir.resolve()
    path = find_config(root)
    if path is None:
        if not (root / "docs").is_dir():
            raise ConfigRefused(f"No mkdocs.yml and no docs/ directory in {root}.")
        data = {"site_name": default_site_name, "docs_dir": "docs", "plugins": ["techdocs-core"]}
        return VettedConfig(path=None, data=data, docs_dir=root / "docs", plugins=["techdocs-core"])

    data = load_safely(path, label=path.name)
    merged = dict(data)
    parents: list[Path] = []
    current, current_data = path, data
    while "INHERIT" in current_data:  # mkdocs merges the parent under the child
        parent = (current.parent / str(current_data["INHERIT"]))
        if not _inside(parent, root) or not parent.is_file():
            raise ConfigRefused(f"{current.name}: INHERIT {current_data['INHERIT']!r} is not a file inside the source.")
        if parent.resolve() in parents or len(parents) > 5:
            raise ConfigRefused(f"{current.name}: INHERIT forms a loop.")
        parents.append(parent.resolve())
        current_data = load_safely(parent, label=parent.name)
        merged = {**current_data, **merged}
        current = parent

    label = path.name
    if merged.get("hooks"):
        hooks = merged["hooks"] if isinstance(merged["hooks"], list) else [merged["hooks"]]
        raise ConfigRefused(
            f"{label}: `hooks:` ({', '.join(map(str, hooks))}) runs arbitrary Python on the build worker "
            "and is not allowed."
        )
    plugins = _names(merged.get("plugins"), what="plugins", label=label)
    refused = [p for p in plugins if p not in ALLOWED_PLUGINS]
    if refused:
        raise ConfigRefused(
            f"{label}: plugin{'s' if len(refused) > 1 else ''} {', '.join(refused)} "
            f"{'are' if len(refused) > 1 else 'is'} not allowed. Allowed: {', '.join(sorted(ALLOWED_PLUGINS))}."
        )
    extensions = _names(merged.get("markdown_extensions"), what="markdown_extensions", label=label)
    bad_ext = [e for e in extensions if not _extension_allowed(e)]
    if bad_ext:
        raise ConfigRefused(
            f"{label}: Markdown extension{'s' if len(bad_ext) > 1 else ''} {', '.join(bad_ext)} "
            f"{'are' if len(bad_ext) > 1 else 'is'} not allowed (only Python-Markdown's own, pymdownx.* and "
            "those techdocs-core enables)."
        )
    theme = merged.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        raise ConfigRefused(
            f"{label}: theme.custom_dir ({theme['custom_dir']}) holds Jinja templates that run unsandboxed on "
            "the worker and is not allowed."
        )
    docs_dir_value = merged.get("docs_dir", "docs")
    if not isinstance(docs_dir_value, str):
        raise ConfigRefused(f"{label}: docs_dir must be a plain path.")
    docs_dir = path.parent / docs_dir_value
    if not _inside(docs_dir, root):
        raise ConfigRefused(f"{label}: docs_dir {docs_dir_value!r} leaves the source tree.")
    if not docs_dir.is_dir():
        raise ConfigRefused(f"{label}: docs_dir {docs_dir_value!r} does not exist.")
    return VettedConfig(path=path, data=data, docs_dir=docs_dir.resolve(), plugins=plugins,
                        extensions=extensions, parents=parents)


def write_config(vetted: VettedConfig, target: Path) -> None:
    """Write the config mkdocs will load: techdocs-core added, web fonts off, site_dir ours."""
    data = dict(vetted.data)
    if "techdocs-core" not in vetted.plugins:
        plugins = data.get("plugins")
        if vetted.plugins and plugins is None:  # inherited list: mkdocs replaces lists, so restate it
            data["plugins"] = ["techdocs-core", *vetted.plugins]
        elif isinstance(plugins, dict):
            data["plugins"] = {"techdocs-core": None, **plugins}
        else:
            data["plugins"] = ["techdocs-core", *(plugins or [])]
    theme = data.get("theme")
    if theme is None or isinstance(theme, str):
        theme = {"name": theme or "material"}
    if isinstance(theme, dict):
        theme = dict(theme)
        theme.setdefault("font", False)  # no Google Fonts links: portals run on closed networks
        data["theme"] = theme
    data.pop("site_dir", None)
    target.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
