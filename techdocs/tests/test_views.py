"""Reading docs in the portal: list, page in the portal's chrome, build status, rebuild."""

import pytest
from django.urls import reverse

from techdocs import services, tasks
from techdocs.models import DocsBuild, DocsSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(documented):
    documented("ledger")
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    return DocsSite.objects.get()


def test_list_shows_every_documented_entity_with_owner_build_and_state(client_owner, built, documented):
    documented("unbuilt")
    response = client_owner.get(reverse("techdocs:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ledger Service" in html and "component:default/unbuilt" in html
    assert "group:default/team-docs" in html and "not built yet" in html and "built" in html


def test_list_filters_by_query_and_state_and_answers_htmx_with_the_table(client_owner, built, documented):
    documented("unbuilt")
    response = client_owner.get(reverse("techdocs:list"), {"q": "ledger"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<h1>" not in html and "Ledger Service" in html and "unbuilt" not in html
    assert "HX-Request" in response["Vary"]
    html = client_owner.get(reverse("techdocs:list"), {"state": "pending"}).content.decode()
    assert "component:default/unbuilt" in html and "Ledger Service</a>" not in html


def test_list_query_count_does_not_grow_with_entities(client_owner, built, documented, django_assert_max_num_queries):
    for i in range(5):
        documented(f"svc{i}")
    with django_assert_max_num_queries(12):
        client_owner.get(reverse("techdocs:list"))


def test_page_renders_inside_the_portal_with_nav_toc_crumbs_edit_link_and_entity_link(client_owner, built):
    url = reverse("techdocs:page", kwargs={"namespace": "default", "kind": "component", "name": "ledger",
                                           "path": "runbook/"})
    response = client_owner.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Documentation"' in html and 'aria-current="page">Runbook</a>' in html
    assert 'href="#restarting"' in html and 'href="#paging"' in html  # table of contents
    assert 'href="https://git.example.com/org/ledger/edit/main/docs/runbook.md"' in html
    assert 'href="/catalog/default/component/ledger/"' in html
    assert "Last updated" in html and "tabbed-set" in html


def test_page_html_is_sanitised(client_owner, built):
    html = client_owner.get(reverse("techdocs:site", kwargs={"namespace": "default", "kind": "component",
                                                             "name": "ledger"})).content.decode()
    article = html.split('class="docs-content', 1)[1].split("</article>", 1)[0]
    assert "<script" not in article and "onerror" not in article and "javascript:" not in article
    assert "<form" not in article and 'class="admonition warning"' in article


def test_missing_page_is_a_404_in_the_chrome_and_assets_redirect_to_the_static_endpoint(client_owner, built):
    kw = {"namespace": "default", "kind": "component", "name": "ledger"}
    response = client_owner.get(reverse("techdocs:page", kwargs={**kw, "path": "nope/"}))
    assert response.status_code == 404 and "Page not found" in response.content.decode()
    response = client_owner.get(reverse("techdocs:page", kwargs={**kw, "path": "img/flow.png"}))
    assert response.status_code == 302 and response["Location"].startswith("/api/techdocs/static/docs/")


def test_unbuilt_docs_show_the_reference_error_and_unknown_entities_404(client_owner, documented, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    documented("ghost", ref="dir:./nowhere")
    sent = []
    monkeypatch.setattr(tasks.docs_site_refresh, "delay", sent.append)
    # The first visit reads nothing: it queues the task that reads the reference, and says so.
    with django_capture_on_commit_callbacks(execute=True):
        first = client_owner.get("/docs/default/component/ghost/")
    assert first.status_code == 200 and "being read" in first.content.decode()
    assert sent == ["component:default/ghost"]
    tasks.docs_site_refresh(sent[0])
    html = client_owner.get("/docs/default/component/ghost/").content.decode()
    assert "cannot be used" in html and "dir:./nowhere" in html
    assert client_owner.get("/docs/default/component/nobody/").status_code == 404


def test_rebuild_queues_once_and_status_polls_until_done(admin_client, built, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    # A platform admin: ledger belongs to team-docs, and only its members and admins rebuild it.
    sent = []
    monkeypatch.setattr(tasks.docs_build_execute, "delay", lambda build_id: sent.append(build_id))
    url = reverse("techdocs:rebuild", kwargs={"namespace": "default", "kind": "component", "name": "ledger"})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, HTTP_HX_REQUEST="true")
        admin_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.content.decode()
    assert len(sent) == 1
    status_url = reverse("techdocs:build_status", kwargs={"namespace": "default", "kind": "component",
                                                          "name": "ledger"})
    assert admin_client.get(status_url, HTTP_HX_REQUEST="true").status_code == 200
    services.docs_build_here(build_id=sent[0])
    done = admin_client.get(status_url, HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and "succeeded" in done.content.decode()  # htmx stops polling
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url).status_code == 302  # plain form post redirects back


def test_entity_page_has_a_docs_tab(client_owner, built):
    html = client_owner.get("/catalog/default/component/ledger/").content.decode()
    assert 'href="/docs/default/component/ledger/">Docs</a>' in html


def test_docs_need_a_signed_in_user(client, built):
    assert client.get("/docs/").status_code == 302


def test_a_status_page_polling_for_a_first_build_reloads_once_pages_are_published(client_owner, documented):
    documented("ledger")
    page_url = reverse("techdocs:site", kwargs={"namespace": "default", "kind": "component", "name": "ledger"})
    status_url = reverse("techdocs:build_status", kwargs={"namespace": "default", "kind": "component",
                                                          "name": "ledger"})
    assert f'hx-get="{status_url}?then=reload"' in client_owner.get(page_url).content.decode()  # preparing
    build_id = services.docs_scan(enqueue=False)[0]
    polled = client_owner.get(status_url, {"then": "reload"}, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in polled and f'{status_url}?then=reload' in polled.content.decode()  # queued
    assert services.docs_build_here(build_id=build_id).status == DocsBuild.Status.SUCCEEDED
    assert client_owner.get(status_url, {"then": "reload"}, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    # A docs page polling a rebuild keeps its place: no reload without then=reload.
    assert "HX-Refresh" not in client_owner.get(status_url, HTTP_HX_REQUEST="true")
