"""Markdown extensions and plugins are allowed one by one, and their file/URL options vetted."""

import pytest

from techdocs.lib.mkdocs_config import ConfigRefused, vet_config
from techdocs.tests.conftest import write_site
from techdocs.tests.test_build_isolation import build

TECHDOCS_CORE_DEFAULTS = [
    "toc", "admonition", "pymdownx.details", "pymdownx.tabbed", "pymdownx.caret", "pymdownx.critic", "pymdownx.emoji",
    "pymdownx.inlinehilite", "pymdownx.magiclink", "pymdownx.mark", "pymdownx.smartsymbols", "pymdownx.snippets",
    "pymdownx.highlight", "pymdownx.extra", "pymdownx.tasklist", "pymdownx.tilde", "markdown_inline_graphviz",
    "plantuml_markdown", "mdx_truly_sane_lists", "pymdownx.blocks.admonition", "pymdownx.blocks.details",
    "pymdownx.blocks.tab", "pymdownx.superfences", "attr_list", "md_in_html", "markdown.extensions.toc",
]


def vet(tmp_path, text):
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(text)
    return vet_config(source_dir=tmp_path, default_site_name="x")


def test_every_extension_techdocs_core_enables_is_allowed(tmp_path):
    listed = "".join(f"  - {name}\n" for name in TECHDOCS_CORE_DEFAULTS)
    vetted = vet(tmp_path, "site_name: x\nmarkdown_extensions:\n" + listed)
    assert vetted.extensions == TECHDOCS_CORE_DEFAULTS


@pytest.mark.parametrize("name", ["pymdownx.evil", "markdown.extensions.evil", "pymdownx", "material.extensions.x"])
def test_no_prefix_wildcard(tmp_path, name):
    with pytest.raises(ConfigRefused, match=f"mkdocs.yml: Markdown extension {name} is not allowed"):
        vet(tmp_path, f"site_name: x\nmarkdown_extensions:\n  - {name}\n")


@pytest.mark.parametrize(("options", "message"), [
    ("pymdownx.snippets:\n      restrict_base_path: false",
     "pymdownx.snippets option restrict_base_path must stay true"),
    ("pymdownx.snippets:\n      base_path: !ENV [HOME]", "pymdownx.snippets option base_path cannot come from `!ENV`"),
    ("pymdownx.snippets:\n      base_path: ../..", "pymdownx.snippets option base_path '../..' leaves the source tree"),
    ("pymdownx.snippets:\n      auto_append: [/etc/passwd]", "pymdownx.snippets option auto_append '/etc/passwd'"),
    ("pymdownx.b64:\n      base_path: /", "pymdownx.b64 option base_path '/' is an absolute path"),
    ("pymdownx.b64:\n      restrict_path: false", "pymdownx.b64 option restrict_path must stay true"),
    ("plantuml_markdown:\n      server: http://127.0.0.1:8000", "plantuml_markdown option server is not allowed"),
    ("plantuml_markdown:\n      plantuml_cmd: sh -c id", "plantuml_markdown option plantuml_cmd is not allowed"),
    ("plantuml_markdown:\n      cachedir: /tmp/x", "plantuml_markdown option cachedir is not allowed"),
    ("plantuml_markdown:\n      base_dir: [docs, /etc]", "plantuml_markdown option base_dir '/etc' is an absolute"),
])
def test_file_and_url_options_are_vetted_naming_extension_and_option(tmp_path, options, message):
    with pytest.raises(ConfigRefused, match="^mkdocs.yml: markdown_extensions ") as exc:
        vet(tmp_path, f"site_name: x\nmarkdown_extensions:\n  - {options}\n")
    assert message in str(exc.value)


def test_snippets_options_are_forced_safe_in_the_written_config(tmp_path):
    vetted = vet(tmp_path, "site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: [docs]\n")
    assert vetted.data["markdown_extensions"] == [{"pymdownx.snippets": {
        "base_path": ["docs"], "url_download": False, "restrict_base_path": True, "check_paths": True}}]


@pytest.mark.parametrize("name", ["search", "material/search", "tags", "material/tags", "offline", "meta",
                                  "material/typeset", "redirects", "monorepo", "gh-admonitions"])
def test_read_only_plugins_are_allowed(tmp_path, name):
    assert vet(tmp_path, f"site_name: x\nplugins:\n  - techdocs-core\n  - {name}\n").plugins == ["techdocs-core", name]


@pytest.mark.parametrize(("name", "why"), [
    ("social", "downloads fonts"), ("material/privacy", "downloads every external asset"),
    ("blog", "authors file"), ("material/projects", "never vetted"), ("info", "zips"), ("group", "around"),
    ("optimize", "image tools"),
])
def test_material_plugins_that_fetch_or_read_outside_are_refused_with_the_reason(tmp_path, name, why):
    with pytest.raises(ConfigRefused, match=f"mkdocs.yml: plugin {name} is not allowed: .*{why}"):
        vet(tmp_path, f"site_name: x\nplugins:\n  - {name}\n")


@pytest.mark.parametrize(("plugin", "message"), [
    ("redirects:\n      redirect_maps:\n        ../../../tmp/x.md: index.md", "plugin redirects option redirect_maps"),
    ("tags:\n      export_file: /tmp/tags.json", "plugin tags option export_file '/tmp/tags.json'"),
])
def test_plugin_options_that_write_outside_the_site_are_refused(tmp_path, plugin, message):
    with pytest.raises(ConfigRefused, match=f"mkdocs.yml: {message}"):
        vet(tmp_path, f"site_name: x\nplugins:\n  - {plugin}\n")


def test_a_site_with_material_tags_builds(tmp_path):
    root = write_site(tmp_path / "src", mkdocs="site_name: x\nplugins:\n  - techdocs-core\n  - tags\n",
                      pages={"index.md": "---\ntags: [payments]\n---\n# Home\n"})
    assert [p.title for p in build(root, tmp_path / "out").pages] == ["Home"]


@pytest.mark.parametrize(("plugin", "message"), [
    ("search:\n      jieba_dict: /etc/passwd", "plugin search option jieba_dict '/etc/passwd' is an absolute path"),
    ("material/search:\n      jieba_dict_user: ../../../../proc/self/environ",
     "plugin search option jieba_dict_user '../../../../proc/self/environ' leaves the source tree"),
    ("search:\n      jieba_dict: !ENV HOME", "plugin search option jieba_dict cannot come from `!ENV`"),
    ("tags:\n      listings_layout: ../../main.html", "plugin tags option listings_layout '../../main.html'"),
    ("tags:\n      listings_map:\n        all: {layout: /etc}", "plugin tags option listings_map.all.layout '/etc'"),
])
def test_material_plugin_options_that_read_files_are_kept_inside_the_source(tmp_path, plugin, message):
    with pytest.raises(ConfigRefused, match=f"mkdocs.yml: {message}"):
        vet(tmp_path, f"site_name: x\nplugins:\n  - {plugin}\n")


def test_material_plugin_options_inside_the_source_pass(tmp_path):
    vetted = vet(tmp_path, "site_name: x\nplugins:\n  - search:\n      jieba_dict_user: docs/words.txt\n"
                           "      lang: en\n  - tags:\n      listings_layout: default\n  - offline\n  - typeset\n"
                           "  - meta:\n      meta_file: .meta.yml\n")
    assert vetted.plugins == ["search", "tags", "offline", "typeset", "meta"]


def test_a_site_with_every_allowed_material_plugin_builds(tmp_path):
    root = write_site(tmp_path / "src", mkdocs="site_name: x\nplugins:\n  - techdocs-core\n  - tags\n  - offline\n"
                                               "  - typeset\n  - meta\n",
                      pages={"index.md": "---\ntags: [payments]\n---\n# Home <small>v2</small>\n",
                             "ops/.meta.yml": "tags: [ops]\n", "ops/run.md": "# Run\n"})
    assert sorted(p.title for p in build(root, tmp_path / "out").pages) == ["Home v2", "Run"]
