"""Real mkdocs builds of small sites."""

import json

import pytest

from techdocs.builder import BuildError, Limits, build_site
from techdocs.tests.conftest import write_site


class Recorder:
    def __init__(self):
        self.lines, self.steps = [], []

    def log(self, line):
        self.lines.append(line)

    def progress(self, done, total):
        self.steps.append((done, total))


def build(root, out, **kw):
    return build_site(source_dir=root, output_dir=out, site_name="ledger", page_prefix="/docs/default/component/l/",
                      file_prefix="/api/techdocs/static/docs/default/component/l/", **kw)


def test_builds_pages_with_sanitised_html_sections_and_metadata(tmp_path):
    report = Recorder()
    result = build(write_site(tmp_path / "src"), tmp_path / "out", report=report, etag="abc")
    assert [p.url for p in result.pages] == ["", "runbook/"]
    assert report.steps[-1] == (2, 2)
    home, runbook = result.pages
    assert "<script" not in home.html and "onerror" not in home.html and "javascript:" not in home.html
    assert 'class="admonition warning"' in home.html
    assert 'href="/docs/default/component/l/runbook/#restarting"' in home.html
    assert 'src="/api/techdocs/static/docs/default/component/l/img/flow.png"' in home.html
    assert "data-broken-link" in home.html  # the link climbing out of the site
    assert 'type="radio"' in runbook.html and "tabbed-set" in runbook.html
    assert runbook.edit_url == "https://git.example.com/org/ledger/edit/main/docs/runbook.md"
    assert [s["title"] for s in runbook.sections] == ["Runbook", "Restarting", "Paging"]
    assert [n["title"] for n in result.nav] == ["Overview", "Runbook"]
    meta = json.loads((tmp_path / "out" / "techdocs_metadata.json").read_text())
    assert meta["site_name"] == "Ledger Service" and meta["etag"] == "abc"
    assert "runbook/index.html" in meta["files"] and meta["build_timestamp"] > 0


def test_missing_mkdocs_yml_gets_a_default_config_and_techdocs_core(tmp_path):
    report = Recorder()
    result = build(write_site(tmp_path / "src", mkdocs=None, pages={"index.md": "# Home\n"}), tmp_path / "out",
                   report=report)
    assert result.site_name == "ledger"
    assert any("default config" in line for line in report.lines)


def test_adds_techdocs_core_when_the_config_lacks_it(tmp_path):
    report = Recorder()
    root = write_site(tmp_path / "src", mkdocs="site_name: Plain\n",
                      pages={"index.md": "# Home\n\n```python\nx = 1\n```\n"})
    result = build(root, tmp_path / "out", report=report)
    assert any("Adding the techdocs-core plugin" in line for line in report.lines)
    assert 'highlight' in result.pages[0].html and 'class="mi"' in result.pages[0].html  # pymdownx.highlight


def test_a_failing_build_names_the_problem(tmp_path):
    root = write_site(tmp_path / "src", mkdocs="site_name: x\nnav:\n  - Home: index.md\ntheme:\n  name: nosuchtheme\n",
                      pages={"index.md": "# Home\n"})
    with pytest.raises(BuildError, match="nosuchtheme"):
        build(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_builds_have_a_time_limit(tmp_path):
    root = write_site(tmp_path / "src", pages={"index.md": "# Home\n"})
    with pytest.raises(BuildError, match="stopped after 0 s"):
        build(root, tmp_path / "out", limits=Limits(timeout_seconds=0))
