"""What a docs build's mkdocs.yml may switch on: Markdown extensions and mkdocs plugins, one by one,
each with the options it is allowed to take.

Names are listed one at a time, never by prefix: any installed package can register an extension
or plugin under any name, and a wildcard such as `pymdownx.` let `pymdownx.snippets` read
`/proc/self/environ` into a page. Options that make the build read a file, fetch a URL, run a
command or write outside the site are vetted (a path must be relative and stay inside the source
tree, whose copy is all the build can see) or refused; every message names mkdocs.yml, the
extension or plugin and the option. Options that only change how Markdown becomes HTML pass:
the portal sanitises the HTML anyway. Python objects (`!!python/name:`) never get this far: the
safe loader in mkdocs_config refuses the tag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class ConfigRefused(Exception):
    """The configuration cannot be built safely; the message says why, for the entity page."""


class EnvTag(list):
    """`!ENV VAR` or `!ENV [VAR, default]`, kept as written."""


class RelativeTag(str):
    """`!relative [path]`, kept as written."""


@dataclass(frozen=True)
class Where:
    """The tree a build may read: paths in options resolve against `config_dir`, must stay in `root`."""

    label: str  # the config file's name, for messages
    root: Path
    config_dir: Path
    docs_dir: Path


def inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _escapes(value: str) -> bool:
    path = PurePosixPath(value.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or value.startswith("~")


def check_relative_tag(value: RelativeTag, *, where: Where, what: str) -> None:
    """`!relative`, `!relative $config_dir/x`, `!relative $docs_dir/x`: mkdocs' own, kept in the tree."""
    prefix, _, suffix = str(value).partition("/")
    bases = {"$config_dir": where.config_dir, "$docs_dir": where.docs_dir}
    if prefix.startswith("$"):
        if prefix not in bases:
            raise ConfigRefused(f"{where.label}: {what}: `!relative {value}` names an unknown base {prefix!r} "
                                "(mkdocs knows $config_dir and $docs_dir).")
        if _escapes(suffix) or not inside(bases[prefix] / suffix, where.root):
            raise ConfigRefused(f"{where.label}: {what}: `!relative {value}` leaves the source tree.")
    elif _escapes(str(value)):  # relative to each page's folder, which is inside the docs
        raise ConfigRefused(f"{where.label}: {what}: `!relative {value}` leaves the source tree.")


def check_path(value, *, where: Where, what: str) -> None:
    """A path option the build will open: relative to mkdocs.yml and inside the source tree."""
    if isinstance(value, RelativeTag):
        check_relative_tag(value, where=where, what=what)
        return
    if isinstance(value, EnvTag):
        raise ConfigRefused(f"{where.label}: {what} cannot come from `!ENV`: a path must be written out so it "
                            "can be checked to stay inside the repository.")
    if not isinstance(value, str):
        raise ConfigRefused(f"{where.label}: {what} must be a path, not {type(value).__name__}.")
    if PurePosixPath(value).is_absolute() or value.startswith("~") or Path(value).is_absolute():
        raise ConfigRefused(f"{where.label}: {what} {value!r} is an absolute path; give a path relative to "
                            f"{where.label} inside the repository.")
    if not inside(where.config_dir / value, where.root):
        raise ConfigRefused(f"{where.label}: {what} {value!r} leaves the source tree.")


def _paths(value) -> list:
    """A path option's values: one path or a list of them (an `!ENV` tag is one value)."""
    return value if isinstance(value, list) and not isinstance(value, EnvTag) else [value]


def _refuse_set(options: dict, names: dict[str, str], *, where: Where, what: str) -> None:
    for name, why in names.items():
        if options.get(name) not in (None, "", [], {}, False):
            raise ConfigRefused(f"{where.label}: {what} option {name} is not allowed: {why}.")


def _require_on(options: dict, name: str, *, where: Where, what: str, why: str) -> None:
    if options.get(name, True) is not True:
        raise ConfigRefused(f"{where.label}: {what} option {name} must stay true: {why}.")


# --- Markdown extensions --------------------------------------------------------------------

def _snippets(options: dict, where: Where) -> dict:
    what = "markdown_extensions pymdownx.snippets"
    for base in _paths(options.get("base_path", ["."])):
        check_path(base, where=where, what=f"{what} option base_path")
    for extra in _paths(options.get("auto_append", [])):
        if not isinstance(extra, str) or _escapes(extra):
            raise ConfigRefused(f"{where.label}: {what} option auto_append {extra!r} must be a relative path "
                                "inside base_path.")
    _refuse_set(options, {"url_download": "the build worker would fetch any URL a page names (SSRF)",
                          "url_request_headers": "snippets are never downloaded"}, where=where, what=what)
    _require_on(options, "restrict_base_path", where=where, what=what,
                why="without it a page can include any file on the build worker")
    # check_paths: a snippet that is not there fails the build instead of vanishing silently.
    return {**options, "url_download": False, "restrict_base_path": True, "check_paths": True}


def _b64(options: dict, where: Where) -> dict:
    what = "markdown_extensions pymdownx.b64"
    for name in ("base_path", "root_path"):
        if options.get(name):
            check_path(options[name], where=where, what=f"{what} option {name}")
    _require_on(options, "restrict_path", where=where, what=what,
                why="without it an image path can embed any image file on the build worker")
    return {**options, "restrict_path": True}


def _plantuml(options: dict, where: Where) -> dict:
    what = "markdown_extensions plantuml_markdown"
    _refuse_set(options, {
        "plantuml_cmd": "it names a command for the build worker to run",
        "server": "the build worker would send diagrams, with any file they !include, to that URL (SSRF)",
        "servers": "the build worker would send diagrams, with any file they !include, to those URLs (SSRF)",
        "kroki_server": "remote rendering is not available",
        "cachedir": "the build writes only its own site",
    }, where=where, what=what)
    for base in _paths(options.get("base_dir", ".")):
        check_path(base, where=where, what=f"{what} option base_dir")
    if options.get("config"):
        check_path(options["config"], where=where, what=f"{what} option config")
    return options


def _harmless(options: dict, where: Where) -> dict:
    return options


# Python-Markdown's own, under both of the names it answers to.
_MARKDOWN_OWN = ("abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code", "footnotes",
                 "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables",
                 "toc", "wikilinks")
# pymdown-extensions, every extension module of 10.x/11.x. pathconverter only rewrites link text
# (it opens nothing); emoji's image paths become <img> URLs, which the reader's image setting governs.
_PYMDOWNX = ("arithmatex", "betterem", "caret", "critic", "details", "emoji", "escapeall", "extra", "fancylists",
             "highlight", "inlinehilite", "keys", "magiclink", "mark", "pathconverter", "progressbar", "quotes",
             "saneheaders", "smartsymbols", "striphtml", "superfences", "tabbed", "tasklist", "tilde",
             "blocks.admonition", "blocks.caption", "blocks.definition", "blocks.details", "blocks.html",
             "blocks.tab")

EXTENSIONS: dict[str, Callable[[dict, Where], dict]] = {
    **{name: _harmless for name in _MARKDOWN_OWN},
    **{f"markdown.extensions.{name}": _harmless for name in _MARKDOWN_OWN},
    **{f"pymdownx.{name}": _harmless for name in _PYMDOWNX},
    "pymdownx.snippets": _snippets,
    "pymdownx.b64": _b64,
    # Those techdocs-core switches on itself. Graphviz reads image files only from GV_FILE_PATH, and
    # PlantUML runs with the SANDBOX security profile (both set in the build's environment).
    "markdown_inline_graphviz": _harmless,
    "plantuml_markdown": _plantuml,
    "mdx_truly_sane_lists": _harmless,
}


def vet_extension(name: str, options, *, where: Where) -> dict:
    """The options to build with for one `markdown_extensions` entry, or ConfigRefused."""
    rule = EXTENSIONS.get(name)
    if rule is None:
        raise ConfigRefused(f"{where.label}: Markdown extension {name} is not allowed. Allowed: Python-Markdown's "
                            "own, the pymdownx extensions by name and those techdocs-core enables.")
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ConfigRefused(f"{where.label}: the options of Markdown extension {name} must be a mapping.")
    return rule(options, where)


# --- Plugins --------------------------------------------------------------------------------

def _redirects(options: dict, where: Where) -> dict:
    for page in options.get("redirect_maps") or {}:  # each key becomes a file written under site_dir
        if not isinstance(page, str) or _escapes(page):
            raise ConfigRefused(f"{where.label}: plugin redirects option redirect_maps: {page!r} must be a page "
                                "path inside the site.")
    return options


def _plain_name(value, *, where: Where, what: str) -> None:
    if not isinstance(value, str) or not value or "/" in value or "\\" in value or value.startswith("."):
        raise ConfigRefused(f"{where.label}: {what} {value!r} must be the plain name of one of the theme's "
                            "tag layouts (no path).")


def _tags(options: dict, where: Where) -> dict:
    export = options.get("export_file", "tags.json")  # written at site_dir / export_file
    if not isinstance(export, str) or _escapes(export):
        raise ConfigRefused(f"{where.label}: plugin tags option export_file {export!r} must be a relative path "
                            "inside the site.")
    # A layout names a folder of the theme's Jinja templates (fragments/tags/<layout>/): a path
    # would pick some other template to render; only the theme's own folders are meant.
    if "listings_layout" in options:
        _plain_name(options["listings_layout"], where=where, what="plugin tags option listings_layout")
    listings = options.get("listings_map") or {}
    if not isinstance(listings, dict):
        raise ConfigRefused(f"{where.label}: plugin tags option listings_map must be a mapping.")
    for key, listing in listings.items():
        if isinstance(listing, dict) and "layout" in listing:
            _plain_name(listing["layout"], where=where, what=f"plugin tags option listings_map.{key}.layout")
    return options


def _search(options: dict, where: Where) -> dict:
    # jieba's dictionaries are files the search plugin opens (relative to mkdocs.yml, the build's
    # working directory): kept inside the source tree like every other path option.
    for name in ("jieba_dict", "jieba_dict_user"):
        if options.get(name):
            check_path(options[name], where=where, what=f"plugin search option {name}")
    return options


def _meta(options: dict, where: Where) -> dict:
    meta_file = options.get("meta_file", ".meta.yml")  # matched against the docs' own files
    if not isinstance(meta_file, str) or _escapes(meta_file):
        raise ConfigRefused(f"{where.label}: plugin meta option meta_file {meta_file!r} must be a relative name.")
    return options


# techdocs-core and what it bundles (search, monorepo, gh-admonitions) or depends on (redirects);
# mkdocs-material's plugins that read only the docs and write only the site (a bare name such
# as `tags` resolves to `material/tags` under the material theme, which techdocs-core forces).
# Each one's options were read (material/plugins/*/config.py, 9.7): search opens jieba dictionaries,
# tags writes export_file and renders named layouts, meta reads meta_file among the docs; offline
# and typeset take no path at all.
_MATERIAL_SAFE = {"search": _search, "tags": _tags, "meta": _meta, "offline": _harmless, "typeset": _harmless}
PLUGINS: dict[str, Callable[[dict, Where], dict]] = {
    "techdocs-core": _harmless, "monorepo": _harmless, "gh-admonitions": _harmless, "redirects": _redirects,
    **_MATERIAL_SAFE, **{f"material/{name}": rule for name, rule in _MATERIAL_SAFE.items()},
}
# mkdocs-material's other plugins, and why each stays off.
REFUSED_MATERIAL = {
    "blog": "it renders post pages from its own templates and reads an authors file from a configurable path",
    "social": "it downloads fonts from the internet and writes a cache outside the site",
    "privacy": "it downloads every external asset a page names onto the build worker",
    "optimize": "it runs image tools and writes a cache outside the site",
    "projects": "it builds other mkdocs projects whose configs are never vetted",
    "info": "it zips the whole build directory and environment for a bug report",
    "group": "it switches on other plugins, around this allow-list",
}


def check_plugin_names(names: list[str], *, where: Where) -> None:
    """Refuse every plugin not on the list, naming them all (and why, for mkdocs-material's)."""
    unknown = [name for name in names if name not in PLUGINS]
    for name in unknown:
        why = REFUSED_MATERIAL.get(name.removeprefix("material/"))
        if why:
            raise ConfigRefused(f"{where.label}: plugin {name} is not allowed: {why}.")
    if unknown:
        many = len(unknown) > 1
        raise ConfigRefused(f"{where.label}: plugin{'s' if many else ''} {', '.join(unknown)} "
                            f"{'are' if many else 'is'} not allowed. Allowed: {', '.join(sorted(PLUGINS))}.")


def vet_plugin(name: str, options, *, where: Where) -> dict:
    """The options to build with for one plugin that passed check_plugin_names, or ConfigRefused."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ConfigRefused(f"{where.label}: the options of plugin {name} must be a mapping.")
    return PLUGINS[name](options, where)
