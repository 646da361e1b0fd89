"""The lineage page and its Upgrade button: access, methods, 404s, page vs htmx fragment."""

import pytest
from django.test import Client

from githost.services import repo_commit_files, repo_create
from scaffolding.lineage import tasks as lineage_tasks
from scaffolding.models import ScaffoldedRepository
from scaffolding.selectors import template_version
from scaffolding.tests.helpers import template_load

pytestmark = pytest.mark.django_db

HOST = "git.paved.test:8000"
PAGE = "/create/templates/default/svc/lineage/"
UPGRADE = "/create/templates/default/svc/upgrade/"
HTMX = {"HTTP_HX_REQUEST": "true"}

TEMPLATE = """
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
  title: Backend service
spec:
  owner: group:default/platform
  type: service
  steps:
    - id: log
      action: debug:log
      input: {message: hi}
"""



@pytest.fixture
def template(tmp_path, settings):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_GIT_HOST = HOST
    settings.PAVED_PUBLIC_URL = f"http://{HOST}"
    return template_load(tmp_path, TEMPLATE, name="svc")


@pytest.fixture
def sent(monkeypatch) -> list:
    calls: list = []
    monkeypatch.setattr(lineage_tasks.lineage_upgrade, "delay", lambda *args: calls.append(args))
    return calls


def git_repo(name: str, version: str, owner_ref: str = "user:default/owner", **fields) -> ScaffoldedRepository:
    """A lineage row for a real repository on the built-in host (the user `owner`'s unless told)."""
    repo_create(owner="acme", name=name, owner_ref=owner_ref)
    repo_commit_files(owner="acme", name=name, branch="main", files={"README.md": b"# hi\n"}, message="initial",
                      author_name="Paved", author_email="paved@localhost")
    return ScaffoldedRepository.objects.create(template_ref="template:default/svc", template_version=version,
                                               owner="acme", name=name, remote_url=f"http://{HOST}/git/acme/{name}.git",
                                               **fields)


def test_anonymous_visitors_are_sent_to_sign_in(template):
    for response in (Client().get(PAGE), Client().post(UPGRADE)):
        assert response.status_code == 302 and "login" in response["Location"]


def test_methods_are_enforced(client_owner, template):
    assert client_owner.post(PAGE).status_code == 405
    assert client_owner.get(UPGRADE).status_code == 405


def test_unknown_templates_are_404(client_owner, template, sent):
    assert client_owner.get("/create/templates/default/nope/lineage/").status_code == 404
    assert client_owner.post("/create/templates/default/nope/upgrade/").status_code == 404
    assert sent == []


def test_page_lists_repositories_with_their_state(client_owner, template):
    current = template_version(template=template)
    git_repo("web", current, entity_ref="component:default/web")
    git_repo("old", "0123456789ab")
    ScaffoldedRepository.objects.create(template_ref=template.ref, template_version="0123456789ab", provider="github",
                                        owner="acme", name="api", remote_url="https://github.com/acme/api.git")
    ScaffoldedRepository.objects.create(template_ref="template:default/other", template_version="x", owner="acme",
                                        name="elsewhere", remote_url="javascript:alert(1)")

    response = client_owner.get(PAGE)

    assert response.status_code == 200 and response.headers["Vary"].count("HX-Request") == 1
    html = response.content.decode()
    assert "<html" in html and "Made from Backend service" in html and current in html
    assert 'href="/git/acme/web"' in html
    assert '<a href="/catalog/default/component/web/">component:default/web</a>' in html
    assert 'href="https://github.com/acme/api.git"' in html
    assert "upgrade not supported for github yet" in html
    assert html.count("badge-ok") == 1 and html.count(">behind<") == 2
    assert "elsewhere" not in html
    assert "Upgrade 1 repository" in html  # the git one behind; github cannot be upgraded


def test_htmx_gets_only_the_table(client_owner, template):
    git_repo("web", "0123456789ab")
    response = client_owner.get(PAGE, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="lineage"') and "hx-trigger" not in html


def test_a_missing_repository_is_shown_not_a_500(client_owner, template):
    ScaffoldedRepository.objects.create(template_ref=template.ref, template_version="0123456789ab", owner="acme",
                                        name="gone", remote_url="http://x")
    html = client_owner.get(PAGE).content.decode()
    assert "unavailable" in html and "does not exist" in html and "Upgrade 1" not in html


def test_no_button_when_everything_is_up_to_date(client_owner, template):
    git_repo("web", template_version(template=template))
    assert "Upgrade 1" not in client_owner.get(PAGE).content.decode()


def test_upgrade_queues_the_task_and_redirects(client_owner, owner, template, sent,
                                               django_capture_on_commit_callbacks):
    git_repo("web", "0123456789ab")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_owner.post(UPGRADE)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert sent == [("template:default/svc", owner.pk)]
    assert "Upgrading 1 repository" in client_owner.get(PAGE).content.decode()


def test_htmx_upgrade_returns_a_polling_table(client_owner, template, sent, django_capture_on_commit_callbacks):
    git_repo("web", "0123456789ab")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_owner.post(UPGRADE, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Upgrading 1 repository" in html and f'hx-get="{PAGE}?watch=30"' in html
    assert len(sent) == 1


def test_polling_stops_when_nothing_is_pending_or_the_count_runs_out(client_owner, template):
    git_repo("web", "0123456789ab")
    assert f'hx-get="{PAGE}?watch=4"' in client_owner.get(f"{PAGE}?watch=5", **HTMX).content.decode()
    assert "hx-trigger" not in client_owner.get(f"{PAGE}?watch=1", **HTMX).content.decode()
    assert "hx-trigger" not in client_owner.get(f"{PAGE}?watch=nonsense", **HTMX).content.decode()
    ScaffoldedRepository.objects.update(template_version=template_version(template=template))
    assert "hx-trigger" not in client_owner.get(f"{PAGE}?watch=5", **HTMX).content.decode()


def test_upgrade_with_nothing_behind_queues_nothing(client_owner, template, sent):
    git_repo("web", template_version(template=template))
    response = client_owner.post(UPGRADE, **HTMX)
    assert "up to date or already has its upgrade branch" in response.content.decode() and sent == []


def test_an_open_upgrade_branch_is_linked_and_not_offered_again(client_owner, template):
    version = template_version(template=template)
    git_repo("web", "0123456789ab", upgraded_to_version=version)
    sha = repo_commit_files(owner="acme", name="web", branch=f"paved/upgrade-{version}", files={"a": b"1"},
                            message="Upgrade\n\nConflicts:\n\ta\n", author_name="P", author_email="p@x")
    html = client_owner.get(PAGE).content.decode()
    assert f"paved/upgrade-{version}" in html and f'href="/git/acme/web/tree/{sha}"' in html
    assert "1 conflict" in html and "upgrade branch open" in html
    assert "Upgrade 1 repository" not in html


def test_the_page_makes_the_same_queries_for_one_or_many_repositories(client_owner, template):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        for index in range(count):
            ScaffoldedRepository.objects.create(template_ref=template.ref, template_version="0123456789ab",
                                                provider="github", owner="acme", name=f"r{count}-{index}",
                                                remote_url="https://github.com/acme/r.git",
                                                entity_ref="component:default/r")
        with CaptureQueriesContext(connection) as captured:
            assert client_owner.get(PAGE).status_code == 200
        return len(captured)

    client_owner.get(PAGE)  # who the person is and the roles are read once, then cached: not per row
    assert queries(1) == queries(5)


# --- Only the repositories the person may push to (issue 9) ----------------------------------------


def test_other_peoples_repositories_are_listed_as_not_yours_and_not_upgraded(client_owner, owner, template, sent,
                                                                             django_capture_on_commit_callbacks):
    from core.models import AuditEntry

    git_repo("theirs", "0123456789ab", owner_ref="group:default/team-b")
    html = client_owner.get(PAGE).content.decode()
    assert "not yours" in html and "Upgrade 1" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client_owner.post(UPGRADE)
    assert response.status_code == 403 and sent == []
    denied = AuditEntry.objects.get(action="scaffolder.template.upgrade")
    assert (denied.actor, denied.outcome, denied.detail) == (owner, "denied", {"not_yours": ["acme/theirs"]})


def test_the_button_counts_only_the_persons_repositories(client_owner, owner, template, sent,
                                                         django_capture_on_commit_callbacks):
    git_repo("mine", "0123456789ab")
    git_repo("theirs", "0123456789ab", owner_ref="group:default/team-b")
    html = client_owner.get(PAGE).content.decode()
    assert "Upgrade 1 repository" in html and "1 repository behind is not yours" in html
    with django_capture_on_commit_callbacks(execute=True):
        assert client_owner.post(UPGRADE).status_code == 302
    assert sent == [("template:default/svc", owner.pk)]


def test_admins_upgrade_every_repository(admin_client, template):
    git_repo("mine", "0123456789ab")
    git_repo("theirs", "0123456789ab", owner_ref="group:default/team-b")
    assert "Upgrade 2 repositories" in admin_client.get(PAGE).content.decode()
