"""The search box of one site: its pages only, from the same index as global search."""

import pytest
from django.urls import reverse

from techdocs import services
from techdocs.models import DocsBuild, DocsSite
from techdocs.search import docs_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites(documented):
    documented("ledger")
    documented("billing")  # the same pages: every word is in both sites
    for build_id in services.docs_scan(enqueue=False):
        assert services.docs_build_here(build_id=build_id).status == DocsBuild.Status.SUCCEEDED
    return DocsSite.objects.get(name="ledger"), DocsSite.objects.get(name="billing")


def url(name: str) -> str:
    return reverse("techdocs:site_search", kwargs={"namespace": "default", "kind": "component", "name": name})


def test_a_site_search_finds_only_that_sites_pages(two_sites):
    ledger, billing = two_sites
    assert {h.entity_ref for h in docs_search(query="reconciliation")} == {ledger.entity_ref, billing.entity_ref}
    hits = docs_search(query="reconciliation", site=ledger)
    assert [h.entity_ref for h in hits] == [ledger.entity_ref] and hits[0].title == "Runbook"
    assert hits[0].url == "/docs/default/component/ledger/runbook/#restarting"


def test_the_search_page_lists_hits_with_highlights_in_the_sites_chrome(client_owner, two_sites):
    html = client_owner.get(url("ledger"), {"q": "reconciliation"}).content.decode()
    assert "/docs/default/component/ledger/runbook/#restarting" in html
    assert "/docs/default/component/billing/" not in html
    assert "<mark>reconciliation</mark>" in html and 'aria-label="Documentation"' in html
    fragment = client_owner.get(url("ledger"), {"q": "reconciliation"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="site-hits">') and "<h1" not in fragment


def test_every_docs_page_has_the_sites_search_box(client_owner, two_sites):
    html = client_owner.get(reverse("techdocs:site", kwargs={"namespace": "default", "kind": "component",
                                                             "name": "ledger"})).content.decode()
    assert f'action="{url("ledger")}"' in html and 'name="q"' in html


def test_no_match_offers_global_search(client_owner, two_sites):
    html = client_owner.get(url("ledger"), {"q": "zzqxy"}).content.decode()
    assert "No page of this site matches" in html and "/search/?q=zzqxy" in html


@pytest.mark.parametrize("query", ["a & b | !c :* (d", "\x00", "'; DROP TABLE techdocs_docspage; --", "<script>x",
                                   "é" * 400, '"unbalanced', "NEAR(a b)", "foo_bar*"])
def test_hostile_queries_answer_a_page(client_owner, two_sites, query):
    response = client_owner.get(url("ledger"), {"q": query})
    assert response.status_code == 200 and b"<script>x" not in response.content


def test_a_site_the_person_may_not_read_is_not_found(client_owner, two_sites, settings):
    assert client_owner.get(url("nosuch"), {"q": "x"}).status_code == 404
