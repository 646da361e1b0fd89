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

from techdocs.lib.mkdocs_allow import (
    ConfigRefused,
    EnvTag,
    RelativeTag,
    Where,
    check_plugin_names,
    check_relative_tag,
    inside,
    vet_extension,
    vet_plugin,
)

__all__ = ["ConfigRefused", "EnvTag", "RelativeTag", "VettedConfig", "find_config", "vet_config", "write_config"]

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
INCLUDE_PREFIXES = ("!include ", "*include ")  # mkdocs-monorepo's nav entries, read by mkdocs' full loader


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
    """A config that passed every check, ready to be written for mkdocs.

    `data` is the whole config as mkdocs would see it (INHERIT parents merged in, extension and
    plugin options normalised), so what mkdocs loads is exactly what was checked.
    """

    path: Path | None  # None when generated from docs/ (no mkdocs.yml in the source)
    data: dict
    docs_dir: Path
    plugins: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    parents: list[Path] = field(default_factory=list)  # INHERIT chain, inside the source root
    includes: list[tuple[Path, Path]] = field(default_factory=list)  # monorepo: (config file, its docs_dir)


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


def _entries(value, *, what: str, label: str) -> list[tuple[str, object]]:
    """(name, options) pairs from mkdocs' list-or-mapping forms of `plugins` and `markdown_extensions`."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if not isinstance(value, list):
        raise ConfigRefused(f"{label}: `{what}` must be a list.")
    entries = []
    for item in value:
        if isinstance(item, str):
            entries.append((item, None))
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            entries.append((str(name), options))
        else:
            raise ConfigRefused(f"{label}: an entry of `{what}` is neither a name nor a single-key mapping.")
    return entries


def _as_list(entries: list[tuple[str, object]]) -> list:
    return [name if not options else {name: options} for name, options in entries]


def _merge(parent: dict, child: dict) -> dict:
    """mkdocs' INHERIT merge (mergedeep's default): mappings merge key by key, anything else is replaced."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _relative_tags(value, trail: str):
    if isinstance(value, RelativeTag):
        yield trail, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _relative_tags(item, f"{trail}.{key}" if trail else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _relative_tags(item, f"{trail}[{index}]")


def _nav_includes(nav):
    if isinstance(nav, str) and nav.startswith(INCLUDE_PREFIXES):
        yield nav
    elif isinstance(nav, dict):
        for item in nav.values():
            yield from _nav_includes(item)
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_includes(item)


def _check_url_list(data: dict, key: str, *, label: str) -> None:
    """extra_css / extra_javascript: URLs or paths inside the site, never a file elsewhere on the worker."""
    for item in data.get(key) or []:
        value = item.get("path") if isinstance(item, dict) else item
        if isinstance(value, EnvTag):
            raise ConfigRefused(f"{label}: {key} entries cannot come from `!ENV`.")
        text = str(value)
        if "://" in text and text.split("://", 1)[0] in ("http", "https"):
            continue  # loaded by the reader's browser from that host, under the static pages' CSP
        if text.startswith(("/", "\\", "~", "file:")) or ".." in text.replace("\\", "/").split("/"):
            raise ConfigRefused(f"{label}: {key} entry {text!r} is not a path inside the docs "
                                "(absolute paths and `..` are refused).")


def _includes(data: dict, *, config_dir: Path, root: Path, label: str) -> list[tuple[Path, Path]]:
    """monorepo's `!include sub/mkdocs.yml` nav entries: inside the source, safe YAML, docs_dir inside."""
    found: list[tuple[Path, Path]] = []
    for entry in _nav_includes(data.get("nav")):
        prefix, target = entry[:9], entry[9:].strip()
        where = f"{label}: nav entry {entry!r}"
        if not target or Path(target).is_absolute() or target.startswith("~") or ".." in Path(target).parts:
            raise ConfigRefused(f"{where} must name a config file by a relative path inside the repository.")
        paths = sorted(config_dir.glob(target)) if prefix == "*include " else [config_dir / target]
        for included in paths:
            if not inside(included, root) or not included.is_file():
                raise ConfigRefused(f"{where}: {target} is not a file inside the source.")
            name = included.relative_to(root).as_posix()
            sub = load_safely(included, label=name)
            if "INHERIT" in sub:
                raise ConfigRefused(f"{name}: INHERIT is not supported in a config included by {label}.")
            sub_docs = included.parent / str(sub.get("docs_dir", "docs"))
            if not isinstance(sub.get("docs_dir", "docs"), str) or not inside(sub_docs, root):
                raise ConfigRefused(f"{name}: docs_dir {sub.get('docs_dir')!r} leaves the source tree.")
            if any(_nav_includes(sub.get("nav"))):
                raise ConfigRefused(f"{name}: nested !include entries are not supported.")
            found.append((included.resolve(), sub_docs.resolve()))
    return found


def vet_config(*, source_dir: Path, default_site_name: str) -> VettedConfig:
    """Read and check the project's mkdocs.yml (or build techdocs-cli's default from docs/)."""
    root = source_dir.resolve()
    path = find_config(root)
    if path is None:
        if not (root / "docs").is_dir():
            raise ConfigRefused(f"No mkdocs.yml and no docs/ directory in {root}.")
        data = {"site_name": default_site_name, "docs_dir": "docs", "plugins": ["techdocs-core"]}
        return VettedConfig(path=None, data=data, docs_dir=root / "docs", plugins=["techdocs-core"])

    label = path.name
    if not inside(path, root):
        raise ConfigRefused(f"{label} is a symbolic link leaving the source tree; refused.")
    merged = load_safely(path, label=label)
    parents: list[Path] = []
    current, current_data = path, merged
    while "INHERIT" in current_data:  # mkdocs merges the parent under the child
        inherit = current_data["INHERIT"]
        parent = current.parent / str(inherit)
        if not isinstance(inherit, str) or not inside(parent, root) or not parent.is_file():
            raise ConfigRefused(f"{current.name}: INHERIT {inherit!r} is not a file inside the source.")
        if parent.resolve() in parents or len(parents) > 5:
            raise ConfigRefused(f"{current.name}: INHERIT forms a loop.")
        parents.append(parent.resolve())
        current_data = load_safely(parent, label=parent.name)
        merged = _merge(current_data, merged)
        current = parent
    merged.pop("INHERIT", None)

    if merged.get("hooks"):
        hooks = merged["hooks"] if isinstance(merged["hooks"], list) else [merged["hooks"]]
        raise ConfigRefused(
            f"{label}: `hooks:` ({', '.join(map(str, hooks))}) runs arbitrary Python on the build worker "
            "and is not allowed."
        )
    if merged.get("extra_templates"):
        raise ConfigRefused(f"{label}: extra_templates are rendered by Jinja unsandboxed on the build worker "
                            "and are not allowed.")
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
    if not inside(docs_dir, root):
        raise ConfigRefused(f"{label}: docs_dir {docs_dir_value!r} leaves the source tree.")
    if not docs_dir.is_dir():
        raise ConfigRefused(f"{label}: docs_dir {docs_dir_value!r} does not exist.")
    where = Where(label=label, root=root, config_dir=path.parent, docs_dir=docs_dir)
    for trail, tag in _relative_tags(merged, ""):
        check_relative_tag(tag, where=where, what=trail)
    for key in ("extra_css", "extra_javascript"):
        _check_url_list(merged, key, label=label)

    plugins = _entries(merged.get("plugins"), what="plugins", label=label)
    check_plugin_names([name for name, _ in plugins], where=where)
    plugins = [(name, vet_plugin(name, options, where=where)) for name, options in plugins]
    extensions = _entries(merged.get("markdown_extensions"), what="markdown_extensions", label=label)
    extensions = [(name, vet_extension(name, options, where=where)) for name, options in extensions]
    if plugins:
        merged["plugins"] = _as_list(plugins)
    if extensions:
        merged["markdown_extensions"] = _as_list(extensions)
    includes = _includes(merged, config_dir=path.parent, root=root, label=label)
    return VettedConfig(path=path, data=merged, docs_dir=docs_dir.resolve(), plugins=[n for n, _ in plugins],
                        extensions=[n for n, _ in extensions], parents=parents, includes=includes)


def write_config(vetted: VettedConfig, target: Path) -> None:
    """Write the config mkdocs will load: techdocs-core added, web fonts off, site_dir ours."""
    data = dict(vetted.data)
    if "techdocs-core" not in vetted.plugins:
        data["plugins"] = ["techdocs-core", *(data.get("plugins") or [])]
    theme = data.get("theme")
    if theme is None or isinstance(theme, str):
        theme = {"name": theme or "material"}
    if isinstance(theme, dict):
        theme = dict(theme)
        theme.setdefault("font", False)  # no Google Fonts links: portals run on closed networks
        data["theme"] = theme
    data.pop("site_dir", None)
    target.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
