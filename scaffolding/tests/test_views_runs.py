"""Task pages: the list, a run with its live status fragment, cancel and retry."""

import base64
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_run(user, *, status="processing", steps=("completed", "processing", "open"), **fields) -> ScaffoldRun:
    fields = {"template_ref": "template:default/hello", "template_title": "Hello service", "values": {"name": "web"},
              "created_by_ref": f"user:default/{user.username}", "secrets": {"token": "s3cret"}, **fields}
    run = ScaffoldRun.objects.create(status=status, created_by=user, **fields)
    start = timezone.now() - timedelta(seconds=90)
    for index, step_status in enumerate(steps):
        ScaffoldStep.objects.create(
            run=run, index=index, step_id=f"s{index}", name=f"Step {index}", action="debug:log", status=step_status,
            started_at=start if step_status != "open" else None,
            ended_at=start + timedelta(seconds=2.5) if step_status in ("completed", "failed") else None)
    return run


def log(run, message, **body) -> ScaffoldEvent:
    return ScaffoldEvent.objects.create(run=run, body={"message": message, **body})


def detail_url(run) -> str:
    return reverse("scaffolding:run_detail", args=[run.pk])


def status_url(run, after=None) -> str:
    url = reverse("scaffolding:run_status", args=[run.pk])
    return f"{url}?after={after}" if after is not None else url


# --- List -------------------------------------------------------------------------------------


def test_list_shows_my_tasks_by_default_and_all_on_request(client_owner, owner, teammate, admin_client):
    mine = make_run(owner, template_title="Mine")
    theirs = make_run(teammate, template_title="Theirs")
    page = client_owner.get(reverse("scaffolding:run_list")).content.decode()
    assert str(mine.pk) in page and str(theirs.pk) not in page
    # "All" lists every task the person may read: their own (scaffolder.task.read is IS_TASK_OWNER) ...
    page = client_owner.get(reverse("scaffolding:run_list"), {"scope": "all"}).content.decode()
    assert str(mine.pk) in page and str(theirs.pk) not in page
    # ... and every task for a platform admin.
    page = admin_client.get(reverse("scaffolding:run_list"), {"scope": "all"}).content.decode()
    assert str(mine.pk) in page and str(theirs.pk) in page


def test_list_filters_by_status(client_owner, owner):
    done = make_run(owner, status="completed")
    failed = make_run(owner, status="failed")
    page = client_owner.get(reverse("scaffolding:run_list"), {"status": "failed"}).content.decode()
    assert str(failed.pk) in page and str(done.pk) not in page
    # An unknown status is ignored rather than an error.
    page = client_owner.get(reverse("scaffolding:run_list"), {"status": "bogus"}).content.decode()
    assert str(failed.pk) in page and str(done.pk) in page


def test_list_pages_through_tasks(client_owner, owner):
    from scaffolding.views import runs

    for _ in range(runs.PAGE_SIZE + 3):
        make_run(owner, steps=())
    first = client_owner.get(reverse("scaffolding:run_list")).content.decode()
    assert first.count('class="run-row"') == runs.PAGE_SIZE
    assert "page 1 of 2" in first and 'rel="next"' in first
    second = client_owner.get(reverse("scaffolding:run_list"), {"page": "2"}).content.decode()
    assert second.count('class="run-row"') == 3
    beyond = client_owner.get(reverse("scaffolding:run_list"), {"page": "9"}).content.decode()
    assert "No tasks on this page" in beyond
    assert client_owner.get(reverse("scaffolding:run_list"), {"page": "x"}).status_code == 200


def test_list_htmx_request_gets_only_the_table(client_owner, owner):
    make_run(owner)
    response = client_owner.get(reverse("scaffolding:run_list"), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-table"') and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_list_runs_a_constant_number_of_queries(client_owner, owner):
    def count_for(n):
        ScaffoldRun.objects.all().delete()
        for _ in range(n):
            make_run(owner, steps=("completed",))
        with CaptureQueriesContext(connection) as ctx:
            assert client_owner.get(reverse("scaffolding:run_list"), {"scope": "all"}).status_code == 200
        return len(ctx.captured_queries)

    count_for(1)  # the first request also resolves who the person is (cached afterwards)
    assert count_for(5) == count_for(30)


def test_list_needs_a_signed_in_user():
    response = Client().get(reverse("scaffolding:run_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_refuses_post(client_owner):
    assert client_owner.post(reverse("scaffolding:run_list")).status_code == 405


# --- Detail and status fragment ---------------------------------------------------------------


def test_detail_shows_progress_steps_and_log(client_owner, owner):
    run = make_run(owner, steps=("completed", "skipped", "processing", "open"))
    first = log(run, "Beginning step Step 0", stepId="s0")
    page = client_owner.get(detail_url(run)).content.decode()
    assert "Hello service" in page and "user:default/owner" in page
    progress = re.search(r'<div id="run-progress"[^>]*>', page, re.S).group(0)
    assert 'aria-valuenow="2"' in progress and 'aria-valuemax="4"' in progress
    assert re.findall(r'class="step" data-status="(\w+)"', page) == ["completed", "skipped", "processing", "open"]
    assert "2.5 s" in page  # the completed step's duration
    assert f'id="event-{first.pk}"' in page and "Beginning step Step 0" in page
    assert 'id="run-log"' in page
    assert f'hx-get="{status_url(run, first.pk)}"' in page and 'hx-trigger="load delay:20ms"' in page
    assert "s3cret" not in page


def test_detail_of_an_unknown_run_is_404(client_owner):
    assert client_owner.get("/create/tasks/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_detail_needs_a_signed_in_user(owner):
    run = make_run(owner)
    response = Client().get(detail_url(run))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_status_fragment_appends_new_log_lines_out_of_band(client_owner, owner):
    run = make_run(owner)
    old = log(run, "old line")
    new = log(run, "new line")
    response = client_owner.get(status_url(run, old.pk), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-status"') and "<html" not in body
    assert "new line" in body and "old line" not in body
    assert '<div id="run-log" hx-swap-oob="beforeend">' in body
    assert f'hx-get="{status_url(run, new.pk)}"' in body and 'hx-trigger="load delay:20ms"' in body
    assert "HX-Request" in response["Vary"]


def test_status_fragment_without_new_lines_keeps_its_cursor(client_owner, owner):
    run = make_run(owner)
    line = log(run, "only line")
    body = client_owner.get(status_url(run, line.pk), **HTMX).content.decode()
    assert "hx-swap-oob" not in body
    assert f'hx-get="{status_url(run, line.pk)}"' in body


def test_status_fragment_stops_polling_when_the_run_has_finished(client_owner, owner):
    run = make_run(owner, status="completed", steps=("completed",),
                   output={"links": [{"title": "Repository", "url": "https://git.example.com/acme/web"},
                                     {"title": "In the catalog", "entityRef": "component:default/web"},
                                     {"title": "Evil", "url": "javascript:alert(1)"}],
                           "text": [{"title": "Next steps", "content": "**Run** it <script>alert(1)</script>"}]})
    ScaffoldEvent.objects.create(run=run, type="completion", body={"message": "Run completed"})
    body = client_owner.get(status_url(run, 0), **HTMX).content.decode()
    assert "hx-trigger" not in body
    assert 'id="run-output"' in body
    assert 'href="https://git.example.com/acme/web"' in body
    assert 'href="/catalog/' in body and "component/web" in body
    assert "javascript:" not in body
    assert "<strong>Run</strong>" in body and "<script>" not in body


def test_status_without_htmx_goes_to_the_run_page(client_owner, owner):
    run = make_run(owner)
    response = client_owner.get(status_url(run))
    assert response.status_code == 302 and response["Location"] == detail_url(run)


def test_failed_run_shows_the_error_and_what_was_created(client_owner, owner):
    run = make_run(owner, status="failed", steps=("completed", "failed"), error="push refused",
                   created_resources=[{"kind": "repository", "ref": "acme/web", "url": "https://git.example.com/acme/web",
                                       "step": "publish"},
                                      {"kind": "location", "ref": "x", "url": "data:text/html,hi", "step": "register"}])
    page = client_owner.get(detail_url(run)).content.decode()
    assert "push refused" in page and "What was created" in page
    assert 'href="https://git.example.com/acme/web"' in page and "data:text" not in page
    assert re.search(r'<div id="run-progress" class="progress failed"', page)


def test_dry_run_shows_the_files_it_produced(client_owner, owner):
    files = [{"path": "README.md", "base64Content": base64.b64encode(b"# Hello <b>").decode(), "executable": False},
             {"path": "bin/run", "base64Content": base64.b64encode(b"\x00\x01binary").decode(), "executable": True},
             {"path": "bad", "base64Content": "%%%"}]
    run = make_run(owner, status="completed", steps=(), dry_run=True, dry_run_files=files)
    page = client_owner.get(detail_url(run)).content.decode()
    assert "README.md" in page and "# Hello &lt;b&gt;" in page
    assert "bin/run" in page and "Binary file" in page and "executable" in page


# --- Cancel and retry -------------------------------------------------------------------------


def test_creator_sees_cancel_and_others_do_not(client_owner, owner, teammate):
    run = make_run(owner)
    assert 'id="run-cancel"' in client_owner.get(detail_url(run)).content.decode()
    other = Client()
    other.force_login(teammate)
    assert 'id="run-cancel"' not in other.get(detail_url(run)).content.decode()


def test_cancel_with_htmx_returns_the_status_fragment(client_owner, owner):
    run = make_run(owner, status="open", steps=("open",))
    response = client_owner.post(reverse("scaffolding:run_cancel", args=[run.pk]), {"after": "0"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-status"') and 'data-status="cancelled"' in body
    assert "hx-trigger" not in body and 'id="run-retry"' in body
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_cancel_without_htmx_redirects_with_a_message(client_owner, owner):
    run = make_run(owner, status="processing")
    response = client_owner.post(reverse("scaffolding:run_cancel", args=[run.pk]), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(run)
    assert "Cancelling" in response.content.decode()
    run.refresh_from_db()
    assert run.cancel_requested


def test_cancel_of_a_finished_run_changes_nothing(client_owner, owner):
    run = make_run(owner, status="completed")
    response = client_owner.post(reverse("scaffolding:run_cancel", args=[run.pk]), follow=True)
    assert "nothing to cancel" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "completed"


def test_retry_reopens_a_failed_run_and_polls_again(client_owner, owner):
    run = make_run(owner, status="failed", steps=("completed", "failed"), error="boom")
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        response = client_owner.post(reverse("scaffolding:run_retry", args=[run.pk]), {"after": "0"}, **HTMX)
    body = response.content.decode()
    assert 'hx-trigger="load delay:20ms"' in body and 'data-status="open"' in body
    run.refresh_from_db()
    assert run.status == "open"


def test_retry_of_a_completed_run_explains_why_not(client_owner, owner):
    run = make_run(owner, status="completed")
    response = client_owner.post(reverse("scaffolding:run_retry", args=[run.pk]), follow=True)
    assert "only failed or cancelled" in response.content.decode()


@pytest.mark.parametrize("action", ["run_cancel", "run_retry"])
def test_others_may_not_cancel_or_retry(owner, teammate, action):
    run = make_run(owner, status="failed")
    other = Client()
    other.force_login(teammate)
    assert other.post(reverse(f"scaffolding:{action}", args=[run.pk])).status_code == 403
    # The retry page (GET) asks for the secrets again, so it answers others 403 as the POST does.
    assert other.get(reverse(f"scaffolding:{action}", args=[run.pk])).status_code == (
        403 if action == "run_retry" else 405)
    assert Client().post(reverse(f"scaffolding:{action}", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == "failed"


def test_platform_admins_may_cancel_anyone_s_run(owner, teammate):
    run = make_run(owner, status="open", steps=())
    teammate.is_staff = True  # the Django admin alone does not make a platform admin
    teammate.save()
    staff = Client()
    staff.force_login(teammate)
    assert staff.post(reverse("scaffolding:run_cancel", args=[run.pk])).status_code == 403
    teammate.is_superuser = True
    teammate.save()
    assert staff.post(reverse("scaffolding:run_cancel", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_a_long_running_task_is_polled_once_a_second(client_owner, owner):
    run = make_run(owner)
    ScaffoldRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    body = client_owner.get(status_url(run, 0), **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in body
