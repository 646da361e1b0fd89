"""Sites, builds and publishing against the database."""

import textwrap
from datetime import timedelta

import pytest
from django.utils import timezone

from techdocs import selectors, services, tasks
from techdocs.models import DocsBuild, DocsPage, DocsSite

pytestmark = pytest.mark.django_db


def test_scan_requests_one_build_per_new_site_and_enqueues_it_after_commit(documented,
                                                                          django_capture_on_commit_callbacks,
                                                                          monkeypatch):
    documented("ledger")
    sent = []
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: sent.append(build_id))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.docs_scan()
        second = services.docs_scan()
    assert len(first) == 1 and second == []
    assert sent == first
    build = DocsBuild.objects.get()
    assert build.status == DocsBuild.Status.QUEUED and build.reason == DocsBuild.Reason.REGISTERED
    site = DocsSite.objects.get()
    assert site.entity_ref == "component:default/ledger" and site.source_hash and not site.ref_error


def test_two_requests_build_once_and_a_claim_succeeds_once(documented):
    documented("ledger")
    site = services.docs_site_sync(entity=selectors.documented_entities().get())
    a = services.docs_build_request(site=site, enqueue=False)
    b = services.docs_build_request(site=site, enqueue=False)
    assert a.pk == b.pk
    assert services.docs_build_claim(build_id=a.pk, task_id="t1") is True
    assert services.docs_build_claim(build_id=a.pk, task_id="t2") is False
    assert services.docs_build_claim(build_id=a.pk, task_id="t1") is True  # redelivery of the same task


def test_task_builds_publishes_and_is_idempotent(documented):
    documented("ledger")
    build_id = services.docs_scan(enqueue=False)[0]
    tasks.docs_build_execute.apply(args=[build_id], task_id="task-1")
    tasks.docs_build_execute.apply(args=[build_id], task_id="task-2")  # a duplicate delivery: no work
    build = DocsBuild.objects.get(pk=build_id)
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    assert build.progress == 100 and "Built 2 pages" in build.log
    site = DocsSite.objects.get()
    assert site.page_count == 2 and site.built_hash == site.source_hash and site.published_build_id == build_id
    assert set(DocsPage.objects.values_list("path", flat=True)) == {"", "runbook/"}
    assert DocsBuild.objects.count() == 1


def test_unchanged_source_is_not_rebuilt_and_a_change_is(documented):
    root = documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert services.docs_scan(enqueue=False) == []
    (root / "docs" / "runbook.md").write_text("# Runbook\n\nNew text.\n")
    rebuilt = services.docs_scan(enqueue=False)
    assert len(rebuilt) == 1
    assert DocsBuild.objects.get(pk=rebuilt[0]).reason == DocsBuild.Reason.SOURCE_CHANGED


def test_a_failed_build_keeps_the_last_good_site_and_is_not_retried_until_the_source_changes(documented):
    root = documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    site = DocsSite.objects.get()
    good_path = site.storage_path
    (root / "mkdocs.yml").write_text("site_name: x\nhooks: [evil.py]\n")
    failed = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert failed.status == DocsBuild.Status.FAILED and "hooks:" in failed.error and "evil.py" in failed.error
    site.refresh_from_db()
    assert site.storage_path == good_path and site.page_count == 2
    assert services.docs_scan(enqueue=False) == []


def test_an_unreadable_reference_is_a_clear_error(documented):
    documented("ghost", ref="dir:./nowhere")
    assert services.docs_scan(enqueue=False) == []
    site = DocsSite.objects.get()
    assert "dir:./nowhere" in site.ref_error and "not a readable directory" in site.ref_error


def test_url_references_say_what_they_need():
    with pytest.raises(services.RefError, match="not in PAVED_READ_ALLOW and is not the portal's git host"):
        services.resolve_source(techdocs_ref="url:https://github.com/org/repo", entity_source="file:/x/c.yaml")
    with pytest.raises(services.RefError, match="expected an http.s. URL"):
        services.resolve_source(techdocs_ref="url:ftp://files.example.com/docs", entity_source="file:/x/c.yaml")
    with pytest.raises(services.RefError, match="not a techdocs reference"):
        services.resolve_source(techdocs_ref="s3:bucket", entity_source="file:/x/c.yaml")


def test_docs_unchanged_for_90_days_are_stale(documented):
    documented("ledger")
    services.docs_scan(enqueue=False)
    site = DocsSite.objects.get()
    assert not selectors.is_stale(site)
    site.source_changed_at = timezone.now() - timedelta(days=91)
    assert selectors.is_stale(site)


def test_a_removed_entity_loses_its_site(documented, tmp_path):
    root = documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    stored = selectors.docs_site_get(namespace="default", kind="component", name="ledger").storage_path
    (root / "catalog-info.yaml").write_text(textwrap.dedent("""\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: ledger}
        spec: {type: service, lifecycle: production, owner: team-docs}
        """))
    from catalog.models import Location
    from catalog.services import location_refresh

    location_refresh(location_id=Location.objects.get().pk)
    services.docs_scan(enqueue=False)
    assert not DocsSite.objects.exists()
    from techdocs import storage

    assert stored and not storage.get_storage().local_dir(stored).exists()


@pytest.mark.django_db
def test_a_long_step_name_is_shortened_to_fit_the_build_row():
    site = DocsSite.objects.create(entity_ref="component:default/x", namespace="default", kind="component", name="x")
    build = DocsBuild.objects.create(site=site, reason=DocsBuild.Reason.REGISTERED)
    report = services.DatabaseProgress(build.pk)
    report.step("Building /" + "very-long-directory-name/" * 20 + " with mkdocs and techdocs-core", 5)
    build.refresh_from_db()
    assert build.step.startswith("Building /very-long-directory-name/")
    assert len(build.step) == DocsBuild._meta.get_field("step").max_length
    assert "with mkdocs and techdocs-core" in build.log
