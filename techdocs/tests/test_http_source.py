"""Docs read over plain HTTP from an allowed host: nav pages, linked pages and images, limits."""

import functools
import os
import textwrap
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from catalog.models import Location
from catalog.services import location_refresh
from techdocs import builder, http_source, services
from techdocs.models import DocsBuild, DocsPage, DocsSite

from .conftest import ENTITY, MKDOCS, PAGES, write_site

SITE_PAGES = {
    **PAGES,
    "index.md": PAGES["index.md"] + "\nRead the [FAQ](guide/faq.md) but not the [secret](../../secret.md).\n",
    "guide/faq.md": """\
        # FAQ

        ![logo](../img/flow.png) and <img alt="d" src="diagram.svg">

        ```
        [not a link](code.md)
        ```
        """,
    "guide/diagram.svg": "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    "orphan.md": "# Nobody links here\n",
}


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self):
        self.server.requested.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def web(settings, tmp_path):
    """A static file server on 127.0.0.1, allowed in PAVED_READ_ALLOW; serves tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    server.requested = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"127.0.0.1:{server.server_port}"
    settings.PAVED_READ_ALLOW = [host]
    yield SimpleNamespace(root=root, url=f"http://{host}/", requested=server.requested)
    server.shutdown()
    server.server_close()
    thread.join()


def serve_site(web, name="ledger", *, mkdocs=MKDOCS, pages=None, ref="dir:."):
    root = write_site(web.root / name, mkdocs=mkdocs, pages=SITE_PAGES if pages is None else pages)
    (root / "catalog-info.yaml").write_text(ENTITY.format(name=name, ref=ref))
    (web.root / "secret.md").write_text("# Not for the docs\n")
    return root


def files_in(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                  if p.is_file() and not p.name.startswith(".paved-"))


def test_fetches_nav_pages_then_linked_pages_and_images_inside_docs_dir(web):
    serve_site(web)
    source = http_source.fetch_docs(web.url + "ledger")
    assert files_in(source) == ["docs/guide/diagram.svg", "docs/guide/faq.md", "docs/img/flow.png",
                                "docs/index.md", "docs/runbook.md", "mkdocs.yml"]
    notes = "\n".join(http_source.fetch_notes(source))
    assert "nope.png (linked from index.md) is left out" in notes and "HTTP 404" in notes
    assert "../../secret.md (linked from index.md) leaves docs_dir" in notes
    assert "../../../etc/passwd (linked from index.md) leaves docs_dir" in notes
    assert not any("secret" in p or "code.md" in p or "orphan" in p for p in web.requested)
    assert source.parent.name == "http" and source.parent.parent.name == ".sources"


@pytest.mark.django_db
def test_a_url_location_with_a_dir_reference_builds_end_to_end(web):
    serve_site(web)
    location = Location.objects.create(type="url", target=web.url + "ledger/catalog-info.yaml")
    location_refresh(location_id=location.pk)
    build_id = services.docs_scan(enqueue=False)[0]
    build = services.docs_build_here(build_id=build_id)
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    paths = set(DocsPage.objects.filter(site__entity_ref="component:default/ledger").values_list("path", flat=True))
    assert len(paths) == 3 and any("faq" in p for p in paths)
    assert DocsSite.objects.get().files.count("img/flow.png") == 1
    assert services.docs_scan(enqueue=False) == []  # refetched or not, the same content is not rebuilt


def test_url_reference_to_a_directory_url_and_dir_references_relative_to_the_catalog_file(web):
    serve_site(web, pages={**SITE_PAGES}, name="handbook")
    source = services.resolve_source(techdocs_ref=f"url:{web.url}handbook/", entity_source="file:/x/c.yaml")
    assert (source / "docs" / "runbook.md").is_file()
    assert http_source.dir_base(f"{web.url}org/svc/catalog-info.yaml", "../handbook") == f"{web.url}org/handbook/"
    assert http_source.dir_base(f"{web.url}svc/catalog-info.yaml?ref=x", ".") == f"{web.url}svc/"
    again = services.resolve_source(techdocs_ref="dir:../handbook",
                                    entity_source=f"url:{web.url}svc/catalog-info.yaml")
    assert again == source


def test_hosts_outside_the_allow_list_are_refused_before_any_request(web):
    with pytest.raises(services.RefError, match="'example.org' is not in PAVED_READ_ALLOW"):
        services.resolve_source(techdocs_ref="url:https://example.org/docs/", entity_source="")
    with pytest.raises(services.RefError, match="PAVED_READ_ALLOW"):
        services.resolve_source(techdocs_ref="dir:.",
                                entity_source="url:https://example.org/org/repo/main/catalog-info.yaml")
    with pytest.raises(services.RefError, match="must be a path relative"):
        services.resolve_source(techdocs_ref="dir:/etc", entity_source=f"url:{web.url}a/catalog-info.yaml")
    assert web.requested == []


def test_a_docs_dir_leaving_the_base_is_refused(web):
    serve_site(web, mkdocs="site_name: Out\ndocs_dir: ../x\n")
    with pytest.raises(services.RefError, match=r"docs_dir '\.\./x' must be a directory inside"):
        services.resolve_source(techdocs_ref=f"url:{web.url}ledger", entity_source="")


def test_a_nav_page_that_is_missing_is_an_error_naming_it_and_its_url(web):
    serve_site(web, mkdocs=MKDOCS.replace("  - Runbook: runbook.md", "  - Gone: gone.md"))
    with pytest.raises(services.RefError, match=r"nav page gone\.md .*ledger/docs/gone\.md answered HTTP 404"):
        services.resolve_source(techdocs_ref=f"url:{web.url}ledger", entity_source="")


def test_without_nav_the_home_page_is_read_and_without_config_docs_readme(web):
    serve_site(web, name="nonav", mkdocs="site_name: No nav\n", pages={"index.md": "# Home\n[r](r.md)\n",
                                                                      "r.md": "# R\n"})
    assert files_in(http_source.fetch_docs(web.url + "nonav")) == ["docs/index.md", "docs/r.md", "mkdocs.yml"]
    serve_site(web, name="noconfig", mkdocs=None, pages={"README.md": "# Read me\n"})
    assert "docs/README.md" in files_in(http_source.fetch_docs(web.url + "noconfig"))
    (web.root / "empty").mkdir()
    with pytest.raises(http_source.HttpSourceError, match="no mkdocs.yml or mkdocs.yaml, and neither"):
        http_source.fetch_docs(web.url + "empty")


def test_inherit_is_followed_inside_the_base_and_html_pages_get_a_hint(web):
    root = serve_site(web, mkdocs="INHERIT: base.yml\nsite_name: Child\n")
    (root / "base.yml").write_text(textwrap.dedent(MKDOCS))
    source = http_source.fetch_docs(web.url + "ledger")
    assert (source / "base.yml").is_file() and (source / "docs" / "runbook.md").is_file()
    (web.root / "html").mkdir()
    (web.root / "html" / "mkdocs.yml").write_text("<!DOCTYPE html>\n<html><body>GitHub</body></html>\n")
    with pytest.raises(http_source.HttpSourceError, match="looks like an HTML page"):
        http_source.fetch_docs(web.url + "html")


def test_a_fresh_fetch_is_reused_and_an_unchanged_refetch_keeps_mtimes(web):
    root = serve_site(web)
    source = http_source.fetch_docs(web.url + "ledger")
    first_hash = builder.source_hash(source)
    mtime = (source / "docs" / "index.md").stat().st_mtime
    count = len(web.requested)
    assert http_source.fetch_docs(web.url + "ledger") == source and len(web.requested) == count

    marker = source / http_source.MARKER
    old = time.time() - http_source.FRESH_SECONDS - 1
    os.utime(marker, (old, old))
    http_source.fetch_docs(web.url + "ledger")
    assert len(web.requested) > count
    assert builder.source_hash(source) == first_hash and (source / "docs" / "index.md").stat().st_mtime == mtime

    (root / "docs" / "runbook.md").write_text("# Runbook v2\n")
    os.utime(marker, (old, old))
    http_source.fetch_docs(web.url + "ledger")
    assert (source / "docs" / "runbook.md").read_text() == "# Runbook v2\n"
    assert builder.source_hash(source) != first_hash
    assert not [p for p in source.parent.iterdir() if p != source]  # no .tmp or .old copies left behind


def test_page_file_and_size_limits(web, settings, monkeypatch):
    serve_site(web)
    url = web.url + "ledger"
    settings.PAVED_TECHDOCS_MAX_PAGES = 2
    with pytest.raises(http_source.HttpSourceError, match="more than 2 pages .PAVED_TECHDOCS_MAX_PAGES"):
        http_source.fetch_docs(url)
    settings.PAVED_TECHDOCS_MAX_PAGES = 100
    monkeypatch.setattr(http_source, "MAX_FILES", 3)
    with pytest.raises(http_source.HttpSourceError, match="link more than 3 files"):
        http_source.fetch_docs(url)
    monkeypatch.setattr(http_source, "MAX_FILES", 500)
    monkeypatch.setattr(http_source, "MAX_TOTAL_BYTES", 300)
    with pytest.raises(http_source.HttpSourceError, match="over 300 bytes"):
        http_source.fetch_docs(url)
    monkeypatch.setattr(http_source, "MAX_TOTAL_BYTES", 50 * 1024 * 1024)
    monkeypatch.setattr(http_source, "BUDGET_SECONDS", -1)
    with pytest.raises(http_source.HttpSourceError, match="took over -1 s"):
        http_source.fetch_docs(url)


def test_an_oversized_image_is_left_out_but_an_oversized_nav_page_is_an_error(web, settings):
    root = serve_site(web)
    settings.PAVED_TECHDOCS_MAX_FILE_BYTES = 1024
    (root / "docs" / "img" / "flow.png").write_bytes(b"\x89PNG" + b"0" * 4096)
    source = http_source.fetch_docs(web.url + "ledger")
    assert not (source / "docs" / "img" / "flow.png").exists()
    assert any("img/flow.png" in n and "over 1,024 bytes" in n for n in http_source.fetch_notes(source))
    (root / "docs" / "runbook.md").write_text("# Runbook\n" + "words " * 1000)
    os.utime(source / http_source.MARKER, (0, 0))
    with pytest.raises(http_source.HttpSourceError, match="nav page runbook.md .*over 1,024 bytes"):
        http_source.fetch_docs(web.url + "ledger")
