"""The revision counter that expires cached counts."""

import pytest

from catalog import services
from catalog.models import Entity
from catalog.revision import cached_by_revision, revision_current

from .test_ingest import SERVICE

pytestmark = pytest.mark.django_db


def test_writes_bump_the_revision_and_expire_cached_by_revisions(write_yaml, ingest):
    path = write_yaml("svc.yaml", SERVICE)
    before = revision_current()
    location = ingest(path)
    assert revision_current() != before

    calls = []

    def count():
        calls.append(1)
        return Entity.objects.count()

    assert cached_by_revision(("t",), count) == cached_by_revision(("t",), count)
    assert len(calls) == 1  # the second answer came from the cache

    services.location_delete(location=location)
    assert cached_by_revision(("t",), count) == 0
    assert len(calls) == 2


def test_an_unchanged_refresh_keeps_the_revision(write_yaml, ingest):
    location = ingest(write_yaml("svc.yaml", SERVICE))
    before = revision_current()
    services.location_refresh(location_id=location.pk)
    assert revision_current() == before
