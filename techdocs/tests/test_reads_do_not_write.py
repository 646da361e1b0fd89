"""Reads do not write (issue 10, item 7): the docs pages and the build status only read what is
stored; reading a site's source (git, HTTP or disk I/O) and writing the site happen in tasks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from techdocs import http_source, repo_source, services, tasks
from techdocs.models import DocsBuild, DocsSite

pytestmark = pytest.mark.django_db
KW = {"namespace": "default", "kind": "component", "name": "ledger"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.fixture
def no_source_io(monkeypatch):
    """Any read of a docs source fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a docs source was read during the request")

    for target, name in [(services, "resolve_source"), (services, "docs_site_sync"),
                         (repo_source, "export_from_git_host"), (http_source, "fetch_docs")]:
        monkeypatch.setattr(target, name, refuse)


@pytest.fixture
def queued(monkeypatch):
    sent = {"refresh": [], "build": []}
    monkeypatch.setattr(tasks.docs_site_refresh, "delay", sent["refresh"].append)
    monkeypatch.setattr(tasks.docs_build_execute, "delay", sent["build"].append)
    return sent


def test_the_first_visit_reads_no_source_writes_nothing_and_queues_the_refresh(
        client_owner, documented, no_source_io, queued, django_capture_on_commit_callbacks):
    documented("ledger")
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        page = client_owner.get(reverse("techdocs:site", kwargs=KW))
        status = client_owner.get(reverse("techdocs:build_status", kwargs=KW), HTTP_HX_REQUEST="true")
    assert writes(queries) == []
    assert not DocsSite.objects.exists()
    html = page.content.decode()
    assert page.status_code == 200 and "being read" in html
    assert 'hx-trigger="every 2s"' in html and reverse("techdocs:build_status", kwargs=KW) in html
    assert status.status_code == 200 and 'hx-trigger="every 2s"' in status.content.decode()  # keeps polling
    assert queued["refresh"] == ["component:default/ledger"]  # the page queues; the poll does not


def test_the_task_reads_the_source_and_queues_the_first_build(client_owner, documented, queued,
                                                              django_capture_on_commit_callbacks):
    documented("ledger")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.docs_site_refresh("component:default/ledger")
    site = DocsSite.objects.get()
    assert site.source_hash and not site.ref_error
    build = DocsBuild.objects.get()
    assert build.reason == DocsBuild.Reason.REGISTERED and queued["build"] == [build.pk]
    status = client_owner.get(reverse("techdocs:build_status", kwargs=KW), HTTP_HX_REQUEST="true")
    assert status.status_code == 200 and f"Build #{build.pk}" in status.content.decode()  # polls the build now
    assert services.docs_build_here(build_id=build.pk) is not None
    done = client_owner.get(reverse("techdocs:build_status", kwargs=KW), HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and "succeeded" in done.content.decode()
    assert "Ledger overview" in client_owner.get(reverse("techdocs:site", kwargs=KW)).content.decode()


def test_the_refresh_is_idempotent(documented, queued, django_capture_on_commit_callbacks):
    documented("ledger")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.docs_site_refresh("component:default/ledger")
        tasks.docs_site_refresh("component:default/ledger")
    assert DocsSite.objects.count() == 1 and DocsBuild.objects.count() == 1 and len(queued["build"]) == 1


def test_reading_a_built_site_writes_nothing(client_owner, documented, request):
    documented("ledger")
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    request.getfixturevalue("no_source_io")  # from here on
    with CaptureQueriesContext(connection) as queries:
        pages = [client_owner.get(reverse("techdocs:site", kwargs=KW)),
                 client_owner.get(reverse("techdocs:page", kwargs={**KW, "path": "runbook/"})),
                 client_owner.get(reverse("techdocs:build_status", kwargs=KW)),
                 client_owner.get(reverse("techdocs:entity_status", kwargs=KW)),
                 client_owner.get(reverse("techdocs:list"))]
    assert [p.status_code for p in pages] == [200] * 5
    assert writes(queries) == []


def test_rebuild_of_a_site_never_read_queues_the_build_without_reading_the_source(
        admin_client, documented, no_source_io, queued, django_capture_on_commit_callbacks):
    documented("ledger")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("techdocs:rebuild", kwargs=KW), HTTP_HX_REQUEST="true")
    build = DocsBuild.objects.get()
    assert response.status_code == 200 and build.reason == DocsBuild.Reason.MANUAL
    assert queued["build"] == [build.pk] and queued["refresh"] == []
    assert DocsSite.objects.get().techdocs_ref == "dir:."


def test_rebuild_after_a_reference_error_reads_the_reference_again_in_a_task(
        admin_client, documented, queued, django_capture_on_commit_callbacks):
    documented("ghost", ref="dir:./nowhere")
    services.docs_site_refresh(entity_ref="component:default/ghost")
    assert DocsSite.objects.get().ref_error
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("techdocs:rebuild", kwargs={**KW, "name": "ghost"}),
                                     HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "cannot be used" in response.content.decode()
    assert queued["refresh"] == ["component:default/ghost"] and not DocsBuild.objects.exists()
