"""A docs build reads only its own source tree and none of the worker's environment.

Each test builds a real docs set whose mkdocs.yml or pages try to reach a secret outside the
tree (a file, /proc/self/environ, the worker's environment variables, a URL) and asserts that
the build fails naming mkdocs.yml and the option, and that the secret appears nowhere.
"""

import os
import textwrap

import pytest

from techdocs.builder import BuildError, build_env, build_site
from techdocs.tests.conftest import write_site

SECRET = "PAVED-SECRET-7f3a9c"
SITE = "site_name: Ledger\nnav:\n  - Home: index.md\n"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"password={SECRET}\n")
    return path


def build(root, out):
    return build_site(source_dir=root, output_dir=out, site_name="ledger", page_prefix="/d/", file_prefix="/f/")


def site(tmp_path, mkdocs: str, page: str = "# Home\n"):
    return write_site(tmp_path / "src", mkdocs=SITE + textwrap.dedent(mkdocs), pages={"index.md": page})


def assert_no_secret_anywhere(out, result=None):
    if out.exists():
        for path in out.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    if result is not None:
        assert all(SECRET not in page.html for page in result.pages)
        assert SECRET not in result.site_name + result.site_description


@pytest.mark.parametrize("target", ["file", "environ"])
def test_snippets_with_base_path_slash_cannot_include_files_of_the_worker(tmp_path, secret_file, monkeypatch, target):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    snippet = str(secret_file).lstrip("/") if target == "file" else "proc/self/environ"
    root = site(tmp_path, """\
        markdown_extensions:
          - pymdownx.snippets:
              base_path: ["/"]
        """, page=f'# Home\n\n--8<-- "{snippet}"\n')
    out = tmp_path / "out"
    with pytest.raises(BuildError, match=r"mkdocs\.yml: markdown_extensions pymdownx\.snippets option base_path "
                                         r"'/' is an absolute path") as exc:
        build(root, out)
    assert SECRET not in str(exc.value)
    assert not out.exists()


def test_snippets_url_download_is_refused(tmp_path):
    root = site(tmp_path, """\
        markdown_extensions:
          - pymdownx.snippets:
              url_download: true
        """, page='# Home\n\n--8<-- "http://127.0.0.1:8000/admin/"\n')
    with pytest.raises(BuildError, match=r"mkdocs\.yml: markdown_extensions pymdownx\.snippets option url_download "
                                         r"is not allowed.*SSRF"):
        build(root, tmp_path / "out")


def test_snippets_climbing_out_of_base_path_fail_the_build_without_the_secret(tmp_path, secret_file):
    root = site(tmp_path, """\
        markdown_extensions:
          - pymdownx.snippets:
              base_path: [docs]
        """, page='# Home\n\n--8<-- "../../outside/secret.txt"\n')
    out = tmp_path / "out"
    with pytest.raises(BuildError, match="could not be found") as exc:  # check_paths is forced on
        build(root, out)
    assert SECRET not in str(exc.value)
    assert_no_secret_anywhere(out)


def test_techdocs_cores_own_snippets_stay_inside_the_copied_tree(tmp_path, secret_file):
    page = f'# Home\n\n--8<-- "../outside/secret.txt"\n\n--8<-- "{secret_file}"\n'
    out = tmp_path / "out"
    result = build(write_site(tmp_path / "src", mkdocs=SITE, pages={"index.md": page}), out)
    assert_no_secret_anywhere(out, result)


def test_env_tags_see_only_the_allow_listed_environment(tmp_path, monkeypatch):
    for name in ("AWS_SECRET_ACCESS_KEY", "POSTGRES_PASSWORD", "DATABASE_URL", "PAVED_SECRET_KEY"):
        monkeypatch.setenv(name, f"{SECRET}-{name}")
    root = write_site(tmp_path / "src", mkdocs="""\
        site_name: !ENV [AWS_SECRET_ACCESS_KEY, "Ledger"]
        site_description: !ENV [POSTGRES_PASSWORD, "No secret here"]
        copyright: !ENV [DATABASE_URL, "none"]
        extra:
          leak: !ENV [PAVED_SECRET_KEY, "none"]
        """, pages={"index.md": "# Home\n"})
    out = tmp_path / "out"
    result = build(root, out)
    assert (result.site_name, result.site_description) == ("Ledger", "No secret here")
    assert_no_secret_anywhere(out, result)


def test_build_env_is_an_allow_list_not_the_workers_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("SOME_TOKEN", SECRET)
    env = build_env(home=tmp_path, sources=tmp_path / "src")
    assert set(env) == {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
                        "PLANTUML_SECURITY_PROFILE", "GV_FILE_PATH"}
    assert env["HOME"] == str(tmp_path) and SECRET not in "".join(env.values())


@pytest.mark.parametrize(("mkdocs", "message"), [
    ("docs_dir: /\n", "docs_dir '/' leaves the source tree"),
    ("docs_dir: ../outside\n", "docs_dir '../outside' leaves the source tree"),
    ("INHERIT: ../outside/base.yml\n", "INHERIT '../outside/base.yml' is not a file inside the source"),
    ("extra_css: [/etc/passwd]\n", "extra_css entry '/etc/passwd' is not a path inside the docs"),
    ("extra_javascript: [../../outside/secret.txt]\n", "extra_javascript entry '../../outside/secret.txt'"),
    ("theme:\n  name: material\n  custom_dir: ../outside\n", "theme.custom_dir"),
    ("extra_templates: [x.html]\n", "extra_templates are rendered by Jinja"),
    ("nav:\n  - Other: '!include ../outside/mkdocs.yml'\n", "must name a config file by a relative path"),
    ("markdown_extensions:\n  - pymdownx.snippets:\n      base_path: !relative $config_dir/..\n",
     "leaves the source tree"),
])
def test_routes_out_of_the_tree_are_refused_naming_mkdocs_yml(tmp_path, secret_file, mkdocs, message):
    (secret_file.parent / "base.yml").write_text("site_name: x\n")
    (secret_file.parent / "mkdocs.yml").write_text("site_name: x\n")
    out = tmp_path / "out"
    with pytest.raises(BuildError, match="mkdocs.yml: ") as exc:
        build(site(tmp_path, mkdocs), out)
    assert message in str(exc.value)
    assert not out.exists()


def test_inherited_options_are_merged_as_mkdocs_merges_them_before_vetting(tmp_path):
    root = site(tmp_path, "INHERIT: base.yml\ntheme:\n  name: material\n")
    (root / "base.yml").write_text("theme:\n  custom_dir: overrides\n")  # mkdocs deep-merges theme
    with pytest.raises(BuildError, match="theme.custom_dir"):
        build(root, tmp_path / "out")


def test_a_symlinked_mkdocs_yml_or_docs_dir_leaving_the_tree_is_refused(tmp_path, secret_file):
    (secret_file.parent / "mkdocs.yml").write_text(f"site_name: {SECRET}\n")
    root = write_site(tmp_path / "src", mkdocs=None, pages={"index.md": "# Home\n"})
    os.symlink(secret_file.parent / "mkdocs.yml", root / "mkdocs.yml")
    with pytest.raises(BuildError, match="mkdocs.yml is a symbolic link leaving the source tree") as exc:
        build(root, tmp_path / "out")
    assert SECRET not in str(exc.value)
    other = write_site(tmp_path / "src2", mkdocs="site_name: x\ndocs_dir: linked\n", pages={"index.md": "# x\n"})
    os.symlink(secret_file.parent, other / "linked")
    with pytest.raises(BuildError, match="docs_dir 'linked' leaves the source tree"):
        build(other, tmp_path / "out2")


def test_monorepo_includes_are_vetted_with_the_safe_loader_and_built_from_the_copy(tmp_path):
    root = site(tmp_path, "nav:\n  - Home: index.md\n  - Billing: '!include ./billing/mkdocs.yml'\n")
    (root / "billing" / "docs").mkdir(parents=True)
    (root / "billing" / "docs" / "index.md").write_text("# Billing\n\nInvoices.\n")
    (root / "billing" / "mkdocs.yml").write_text("site_name: billing\nnav:\n  - Start: index.md\n")
    result = build(root, tmp_path / "out")
    assert any("Invoices" in page.html for page in result.pages)
    # monorepo reads included files with mkdocs' full YAML loader: a Python tag there would run code.
    (root / "billing" / "mkdocs.yml").write_text("site_name: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(BuildError, match=r"billing/mkdocs\.yml, line 1: the YAML tag .*python/object/apply"):
        build(root, tmp_path / "out2")
