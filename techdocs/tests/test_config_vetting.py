"""mkdocs.yml is vetted with a safe loader before mkdocs sees it (no database needed)."""

import os

import pytest

from techdocs.builder import BuildError, Limits, build_site, source_hash
from techdocs.lib.mkdocs_config import ConfigRefused, vet_config
from techdocs.tests.conftest import write_site


def vet(tmp_path, text):
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(text)
    return vet_config(source_dir=tmp_path, default_site_name="x")


def test_refuses_hooks_naming_them(tmp_path):
    with pytest.raises(ConfigRefused, match=r"hooks:.*evil\.py"):
        vet(tmp_path, "site_name: x\nhooks:\n  - evil.py\n")


def test_refuses_plugins_outside_the_allow_list_naming_them(tmp_path):
    with pytest.raises(ConfigRefused, match="plugins ezlinks, macros are not allowed"):
        vet(tmp_path, "site_name: x\nplugins:\n  - techdocs-core\n  - ezlinks\n  - macros:\n      x: 1\n")


def test_refuses_markdown_extensions_that_load_arbitrary_code(tmp_path):
    with pytest.raises(ConfigRefused, match="mkpatcher"):
        vet(tmp_path, "site_name: x\nmarkdown_extensions:\n  - attr_list\n  - mkpatcher:\n      location: p.py\n")


def test_refuses_python_yaml_tags_with_the_line(tmp_path):
    with pytest.raises(ConfigRefused, match=r"line 4: the YAML tag .*python/name:os\.system"):
        vet(tmp_path, "site_name: x\nmarkdown_extensions:\n  - pymdownx.superfences:\n"
                      "      custom_fences: !!python/name:os.system\n")


def test_allows_mkdocs_env_and_relative_tags(tmp_path):
    vetted = vet(tmp_path, "site_name: !ENV [SITE, 'Docs']\nextra:\n  here: !relative\nplugins: [techdocs-core]\n")
    assert vetted.data["site_name"] == ["SITE", "Docs"]


def test_refuses_docs_dir_leaving_the_source(tmp_path):
    (tmp_path / "outside").mkdir()
    src = tmp_path / "src"
    src.mkdir()
    with pytest.raises(ConfigRefused, match="leaves the source tree"):
        vet(src, "site_name: x\ndocs_dir: ../outside\n")


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigRefused, match=r"not valid YAML \(line 2, column 1: .*cannot start any token"):
        vet(tmp_path, "site_name: x\n\tnav: []\n")


def test_refuses_a_symlink_leaving_the_source_tree(tmp_path):
    root = write_site(tmp_path / "site", pages={"index.md": "# Hi\n"})
    secret = tmp_path / "secret.md"
    secret.write_text("# secret\n")
    os.symlink(secret, root / "docs" / "leak.md")
    with pytest.raises(BuildError, match="leak.md is a symbolic link leaving the source tree"):
        build_site(source_dir=root, output_dir=tmp_path / "out", site_name="x", page_prefix="/d/", file_prefix="/f/")


def test_refuses_oversized_files_and_non_utf8_pages(tmp_path):
    root = write_site(tmp_path / "site", pages={"index.md": "# Hi\n", "big.md": "x" * 5000})
    with pytest.raises(BuildError, match="docs/big.md is 5,000 bytes"):
        build_site(source_dir=root, output_dir=tmp_path / "out", site_name="x", page_prefix="/d/",
                   file_prefix="/f/", limits=Limits(max_file_bytes=4096))
    root = write_site(tmp_path / "latin", pages={"index.md": "# Caf\xe9\n".encode("latin-1")})
    with pytest.raises(BuildError, match="docs/index.md is not UTF-8"):
        build_site(source_dir=root, output_dir=tmp_path / "out", site_name="x", page_prefix="/d/", file_prefix="/f/")


def test_source_hash_changes_with_the_docs_and_only_then(tmp_path):
    root = write_site(tmp_path / "site", pages={"index.md": "# Hi\n"})
    first = source_hash(root)
    (root / "unrelated.txt").write_text("not docs")
    assert source_hash(root) == first
    (root / "docs" / "index.md").write_text("# Hello\n")
    assert source_hash(root) != first
