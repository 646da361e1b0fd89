"""The S3 backend of the docs storage, against moto's in-process S3."""

import boto3
import pytest
from moto import mock_aws

from techdocs import services, storage
from techdocs.models import DocsBuild, DocsSite

BUCKET = "paved-docs"


@pytest.fixture
def s3(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.PAVED_TECHDOCS_S3_BUCKET = BUCKET
    settings.PAVED_TECHDOCS_S3_REGION = "us-east-1"
    settings.PAVED_TECHDOCS_S3_PREFIX = "paved/techdocs"
    settings.PAVED_TECHDOCS_S3_ENDPOINT_URL = ""
    storage._s3_client.cache_clear()
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
    storage._s3_client.cache_clear()


def keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def built_dir(tmp_path):
    root = tmp_path / "built"
    (root / "runbook").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "runbook" / "index.html").write_text("<h1>runbook</h1>")
    (root / "techdocs_metadata.json").write_text('{"site_name": "x"}')
    return root


def test_settings_choose_the_backend(s3, settings):
    assert isinstance(storage.get_storage(), storage.S3Storage)
    settings.PAVED_TECHDOCS_S3_BUCKET = ""
    assert isinstance(storage.get_storage(), storage.LocalStorage)


def test_publish_and_read(s3, built_dir):
    storage.publish(built_dir, "sites/default/component/ledger/1-a")
    assert keys(s3) == {f"paved/techdocs/sites/default/component/ledger/1-a/{k}"
                        for k in ("index.html", "runbook/index.html", "techdocs_metadata.json")}
    head = s3.head_object(Bucket=BUCKET, Key="paved/techdocs/sites/default/component/ledger/1-a/index.html")
    assert head["ContentType"] == "text/html"
    assert storage.read("sites/default/component/ledger/1-a", "").read() == b"<h1>home</h1>"
    assert storage.read("sites/default/component/ledger/1-a", "runbook/").read() == b"<h1>runbook</h1>"
    assert storage.read("sites/default/component/ledger/1-a", "runbook").read() == b"<h1>runbook</h1>"
    file = storage.read("sites/default/component/ledger/1-a", "/techdocs_metadata.json")
    assert file.name == "techdocs_metadata.json" and file.size == len(b'{"site_name": "x"}')
    assert file.read() == b'{"site_name": "x"}'


def test_missing_files_and_escapes_are_none(s3, built_dir):
    storage.publish(built_dir, "sites/default/component/ledger/1-a")
    assert storage.read("sites/default/component/ledger/1-a", "nope.png") is None
    assert storage.read("sites/default/component/ledger/1-a", "runbook/../index.html").read() == b"<h1>home</h1>"
    assert storage.read("sites/default/component/ledger/1-a", "../../ledger/1-a/index.html") is None
    assert storage.read("sites/default/component/ledger/1-a", "../../../../../etc/passwd") is None
    assert storage.read("sites/default/component/ledger/2-b", "index.html") is None
    assert storage.read("", "index.html") is None
    assert not storage.exists("sites/default/component/ledger/1-a", "nope.png")


def test_remove_deletes_only_that_site(s3, built_dir):
    storage.publish(built_dir, "sites/default/component/ledger/1-a")
    storage.publish(built_dir, "sites/default/component/ledger-2/1-a")
    storage.remove("sites/default/component/ledger")
    assert keys(s3) and all("/ledger-2/" in k for k in keys(s3))
    storage.remove("sites/default/component/ledger-2/1-a")
    assert keys(s3) == set()


def test_a_failed_upload_leaves_nothing_behind(s3, built_dir, monkeypatch):
    backend = storage.get_storage()
    real = backend.client.upload_file
    calls = []

    def flaky(path, bucket, key, **kw):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("connection reset")
        return real(path, bucket, key, **kw)

    monkeypatch.setattr(backend.client, "upload_file", flaky)
    with pytest.raises(OSError):
        backend.publish(built_dir, "sites/default/component/ledger/1-a")
    assert keys(s3) == set()


@pytest.mark.django_db
def test_publish_switches_atomically_and_removes_the_old_build(s3, documented, django_capture_on_commit_callbacks,
                                                               monkeypatch):
    root = documented("ledger")
    with django_capture_on_commit_callbacks(execute=True):
        services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    site = DocsSite.objects.get()
    first = site.storage_path
    assert storage.read(first, "index.html") is not None

    (root / "docs" / "index.md").write_text("# Ledger v2\n\nNew text.\n")
    build_id = services.docs_scan(enqueue=False)[0]
    seen = []
    real_publish = storage.publish

    def publish_and_look(source, path):
        real_publish(source, path)
        # Everything is uploaded, but readers still get the old site until the pointer moves.
        seen.append(DocsSite.objects.get().storage_path)

    monkeypatch.setattr(storage, "publish", publish_and_look)
    with django_capture_on_commit_callbacks(execute=True):
        services.docs_build_here(build_id=build_id)
    site.refresh_from_db()
    assert seen == [first]
    assert site.storage_path != first and site.published_build_id == build_id
    assert b"New text" in storage.read(site.storage_path, "index.html").read()
    assert storage.read(first, "index.html") is None  # the old prefix is gone after the switch
    assert all(k.startswith(f"paved/techdocs/{site.storage_path}/") for k in keys(s3))


@pytest.mark.django_db
def test_a_failed_switch_keeps_the_old_site_and_drops_the_new_copy(s3, documented, monkeypatch):
    root = documented("ledger")
    services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    first = DocsSite.objects.get().storage_path
    (root / "docs" / "index.md").write_text("# Ledger v2\n")
    build_id = services.docs_scan(enqueue=False)[0]

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.search, "index_replace", broken)
    build = services.docs_build_here(build_id=build_id)
    assert build.status == DocsBuild.Status.FAILED
    assert DocsSite.objects.get().storage_path == first
    assert all(k.startswith(f"paved/techdocs/{first}/") for k in keys(s3))


@pytest.mark.django_db
def test_end_to_end_build_publishes_to_s3_and_serves_through_the_api(s3, documented, client_owner, docs_storage):
    documented("ledger")
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    site = DocsSite.objects.get()
    assert f"paved/techdocs/{site.storage_path}/runbook/index.html" in keys(s3)
    assert not docs_storage.exists() or not any(docs_storage.rglob("*.html"))  # nothing written locally

    base = "/api/techdocs/static/docs/default/component/ledger"
    page = client_owner.get(f"{base}/runbook/index.html")
    assert page.status_code == 200 and b"Restarting" in b"".join(page.streaming_content)
    assert "sandbox" in page["Content-Security-Policy"]
    image = client_owner.get(f"{base}/img/flow.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert client_owner.get(f"{base}/nope.png").status_code == 404
    meta = client_owner.get("/api/techdocs/metadata/techdocs/default/component/ledger")
    assert meta.status_code == 200 and meta.json()["site_name"] == "Ledger Service"
    doc_page = client_owner.get("/docs/default/component/ledger/img/flow.png")
    assert doc_page.status_code == 302 and doc_page["Location"].endswith("/img/flow.png")

    services.docs_site_delete(site=site)
    assert keys(s3) == set()
