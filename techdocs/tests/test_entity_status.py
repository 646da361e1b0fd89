"""The docs status fragment the catalog entity page loads: stale, failed, unresolvable."""

from datetime import timedelta

import pytest
from django.utils import timezone

from techdocs.models import DocsBuild, DocsSite
from techdocs.status import docs_status

pytestmark = pytest.mark.django_db

URL = "/docs/default/component/payment-service/-/status/"


def site(**fields) -> DocsSite:
    defaults = {"entity_ref": "component:default/payment-service", "namespace": "default", "kind": "component",
                "name": "payment-service", "techdocs_ref": "dir:."}
    return DocsSite.objects.create(**(defaults | fields))


def state() -> str:
    return docs_status(namespace="default", kind="component", name="payment-service")["state"]


def test_docs_not_built_yet_are_pending():
    assert state() == "pending"


def test_recent_docs_are_fresh():
    site(built_at=timezone.now(), source_changed_at=timezone.now() - timedelta(days=3))
    assert state() == "fresh"


def test_docs_whose_source_has_not_changed_in_90_days_are_stale(settings):
    settings.PAVED_TECHDOCS_STALE_DAYS = 90
    site(built_at=timezone.now(), source_changed_at=timezone.now() - timedelta(days=91))
    assert state() == "stale"


def test_an_unresolvable_reference_is_an_error():
    site(ref_error="dir:../elsewhere leaves the entity's source directory")
    assert state() == "error"


def test_a_failed_last_build_is_flagged():
    failed = site(built_at=timezone.now() - timedelta(days=1))
    DocsBuild.objects.create(site=failed, status=DocsBuild.Status.FAILED, reason=DocsBuild.Reason.REGISTERED)
    assert state() == "failed"


def test_the_fragment_needs_a_signed_in_user(client):
    assert client.get(URL).status_code == 302


def test_the_fragment_shows_the_stale_flag_and_the_error(client_owner, settings):
    settings.PAVED_TECHDOCS_STALE_DAYS = 90
    stale = site(built_at=timezone.now(), source_changed_at=timezone.now() - timedelta(days=200))
    response = client_owner.get(URL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"stale docs" in response.content
    assert "HX-Request" in response["Vary"]
    stale.ref_error = "no such directory: <docs>"
    stale.save()
    content = client_owner.get(URL).content
    assert b"Docs cannot be built" in content and b"&lt;docs&gt;" in content


def test_the_entity_page_loads_the_fragment_for_documented_entities(client_owner, tmp_path):
    from catalog.tests.factories import demo_load

    demo_load()
    page = client_owner.get("/catalog/default/component/payment-service/").content.decode()
    assert 'hx-get="/docs/default/component/payment-service/-/status/"' in page
    plain = client_owner.get("/catalog/default/component/legacy-api/").content.decode()
    assert "/-/status/" not in plain
